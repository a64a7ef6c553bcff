// The 403 page, rendered when a page's permission check calls forbidden(): says what happened, which
// roles the user has, and where to go instead. A <div>, not <main>: it renders inside the page's
// layout, and the dashboard layout already provides the main landmark.
import Link from "next/link";
import { SignOutButton } from "@/components/user-menu";
import { getActor } from "@/lib/auth/page";

export default async function Forbidden() {
  const actor = await getActor();
  return (
    <div className="mx-auto flex min-h-[60vh] max-w-xl flex-col justify-center gap-4 px-6 py-16">
      <p className="text-sm font-medium text-slate-500">403 · Forbidden</p>
      <h1 className="text-2xl font-semibold tracking-tight">You do not have permission to see this page</h1>
      <p className="text-slate-700">
        Your roles: <strong>{actor && actor.roles.length > 0 ? actor.roles.join(", ") : "none"}</strong>. This page
        needs a role you do not hold. If you need it, ask your identity-provider administrator for the matching group,
        then sign out and sign in again.
      </p>
      <div className="flex items-center gap-3">
        <Link href="/overview" className="rounded-md bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700">
          Go to the overview
        </Link>
        {actor ? <SignOutButton /> : null}
      </div>
    </div>
  );
}
