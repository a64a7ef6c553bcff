// The five roles Rootwarden knows. Users get them from IdP groups (see role-mapping.ts);
// what each role may do lives in the permission catalogue (permissions.ts), not here.
import { z } from "zod";

export const ROLES = ["viewer", "auditor", "operator", "approver", "admin"] as const;

export const ZRole = z.enum(ROLES);
export type TRole = z.infer<typeof ZRole>;

export const ROLE_DESCRIPTIONS: Record<TRole, string> = {
  viewer: "Security team: browse the organization's root-access compliance.",
  auditor: "Viewer, plus the audit log and exports.",
  operator: "Start scans and request privileged root tasks.",
  approver: "Approve or reject privileged task requests made by other people.",
  admin: "Settings and organization set-up.",
};

export function isRole(value: string): value is TRole {
  return (ROLES as readonly string[]).includes(value);
}
