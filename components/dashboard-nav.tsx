"use client";
// Primary navigation of the signed-in UI; marks the current section for sighted and screen-reader users.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { CountBadge, useApprovalsCount } from "./approvals-count";
import type { TNavItem } from "./nav-items";

export function DashboardNav({ items }: { items: TNavItem[] }) {
  const pathname = usePathname();
  // Items are already filtered by permission: Approvals is listed only for approvers.
  const approvals = useApprovalsCount(items.some((i) => i.href === "/approvals" && i.available));
  return (
    <nav aria-label="Main" className="flex items-center gap-1 overflow-x-auto">
      {items.map((item) => {
        if (!item.available) {
          return (
            <span
              key={item.href}
              aria-disabled="true"
              title={`${item.label} is not available yet`}
              className="cursor-not-allowed rounded px-2.5 py-1.5 text-slate-400"
            >
              {item.label}
            </span>
          );
        }
        const current = pathname === item.href || pathname.startsWith(`${item.href}/`);
        const count = item.href === "/approvals" ? approvals : null;
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={current ? "page" : undefined}
            className={
              current
                ? "rounded bg-slate-900 px-2.5 py-1.5 font-medium text-white"
                : "rounded px-2.5 py-1.5 text-slate-700 hover:bg-slate-200"
            }
          >
            {item.label}
            {count ? <CountBadge count={count} current={current} /> : null}
          </Link>
        );
      })}
    </nav>
  );
}
