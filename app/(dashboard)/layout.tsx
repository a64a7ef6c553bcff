// The signed-in frame: header with navigation and the user menu. Pages still check their own
// permission (layouts do not re-run on client navigation); this only decides what to show.
import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { DashboardNav } from "@/components/dashboard-nav";
import { NAV_ITEMS } from "@/components/nav-items";
import { UserMenu } from "@/components/user-menu";
import { getActor } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const actor = await getActor();
  if (!actor) redirect("/signin");
  if (actor.roles.length === 0) redirect("/no-access");
  const items = NAV_ITEMS.filter((item) => hasPermission(actor.roles, item.permission));

  return (
    <div className="flex min-h-screen flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-40 border-b border-slate-200 bg-white">
        <div className="mx-auto flex h-12 max-w-[1600px] items-center gap-6 px-4">
          <Link href="/overview" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
            <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2">
              <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Z" />
            </svg>
            Rootwarden
          </Link>
          <DashboardNav items={items} />
          <div className="ml-auto">
            <UserMenu actor={actor} />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-[1600px] flex-1 px-4 py-5">
        {children}
      </main>
    </div>
  );
}
