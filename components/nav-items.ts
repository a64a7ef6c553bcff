// The dashboard's sections, each with the permission it needs. Sections whose issue has not
// landed yet are listed but not linked, so the navigation does not pretend they work.
import type { TPermission } from "@/lib/auth/permissions";

export type TNavItem = { label: string; href: string; permission: TPermission; available: boolean };

export const NAV_ITEMS: TNavItem[] = [
  { label: "Overview", href: "/overview", permission: "accounts.read", available: true },
  { label: "Accounts", href: "/accounts", permission: "accounts.read", available: true },
  { label: "Requests", href: "/requests", permission: "tasks.read", available: true },
  { label: "Approvals", href: "/approvals", permission: "tasks.approve", available: true },
  { label: "Audit", href: "/audit", permission: "audit.read", available: true },
  { label: "Reports", href: "/reports", permission: "reports.export", available: true },
  { label: "Settings", href: "/settings", permission: "settings.read", available: true },
];
