// The one permission catalogue: every check (route handlers, lib functions, pages) and every
// piece of UI that hides what a user may not do reads it, so the two can never disagree.
import type { TRole } from "./roles";
import { ROLES } from "./roles";

type TPermissionSpec = { description: string; roles: readonly TRole[] };

const ALL_ROLES = ROLES;

export const PERMISSIONS = {
  "accounts.read": {
    description: "Browse the organization: OU tree, accounts, compliance status and scan progress.",
    roles: ALL_ROLES,
  },
  "scans.start": {
    description: "Start or cancel a scan of the organization, an OU or single accounts.",
    roles: ["operator", "admin"],
  },
  "tasks.read": {
    description: "See privileged task requests and their state.",
    roles: ["auditor", "operator", "approver", "admin"],
  },
  "tasks.request": {
    description: "Request a privileged root task on an account, a selection or an OU; cancel or retry one's own requests.",
    roles: ["operator", "admin"],
  },
  "tasks.approve": {
    description: "Approve or reject a privileged task someone else requested.",
    roles: ["approver"],
  },
  "tasks.breakglass": {
    description: "Run an urgent task without approval when break-glass is on (a reason is required; approvers review it afterwards).",
    roles: ["admin"],
  },
  "audit.read": {
    description: "Read the audit log, verify its chain and export signed bundles of it.",
    roles: ["auditor", "admin"],
  },
  "reports.export": {
    description: "Export compliance reports (CSV, JSON, PDF).",
    roles: ["auditor", "admin"],
  },
  "settings.read": {
    description: "See settings: users and their roles, the role-group mapping, this catalogue.",
    roles: ["admin"],
  },
  "settings.write": {
    description: "Change settings.",
    roles: ["admin"],
  },
  "users.read": {
    description: "List users with their IdP groups, roles and last sign-in.",
    roles: ["admin"],
  },
  "sessions.revoke": {
    description: "End all of a user's sessions (they must sign in again).",
    roles: ["admin"],
  },
  "org.setup": {
    description: "Set up the AWS Organization: sync it and enable centralized root access.",
    roles: ["admin"],
  },
} as const satisfies Record<string, TPermissionSpec>;

export type TPermission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as TPermission[];

export function isPermission(value: string): value is TPermission {
  return Object.hasOwn(PERMISSIONS, value);
}

export function hasPermission(roles: readonly TRole[], permission: TPermission): boolean {
  const holders: readonly TRole[] = PERMISSIONS[permission].roles;
  return roles.some((role) => holders.includes(role));
}

/** Every permission the given roles hold, in catalogue order (for the UI and /api/me). */
export function permissionsFor(roles: readonly TRole[]): TPermission[] {
  return PERMISSION_NAMES.filter((p) => hasPermission(roles, p));
}
