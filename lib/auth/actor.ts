// Who is asking: the signed-in user as every permission check sees it, and the one assertion
// that lib functions call before reading or changing data.
import { AppError } from "@/lib/errors";
import { PERMISSIONS, hasPermission, type TPermission } from "./permissions";
import type { TRole } from "./roles";

export type TActor = {
  userId: string;
  subject: string;
  email: string | null;
  name: string | null;
  roles: TRole[];
  /**
   * When the IdP last authenticated this person (the ID token's auth_time at this session's
   * sign-in); null when the IdP did not say. Approvals and break-glass check it (assertFreshAuth).
   */
  authTime?: Date | null;
};

/**
 * Work the application does on its own (the schedule, the demo's first scan, benchmarks). Lib
 * functions take it explicitly, so forgetting to pass a user never skips a permission check.
 */
export const SYSTEM = "system" as const;
export type TCaller = TActor | typeof SYSTEM;

/** Throws UNAUTHENTICATED without an actor and FORBIDDEN (naming the permission) without the permission. */
export function assertPermission(actor: TActor | null | undefined, permission: TPermission): asserts actor is TActor {
  if (!actor) {
    throw new AppError("UNAUTHENTICATED", "You are not signed in. Sign in with SSO and try again.");
  }
  if (!hasPermission(actor.roles, permission)) {
    throw new AppError("FORBIDDEN", forbiddenMessage(actor, permission), { permission });
  }
}

export function forbiddenMessage(actor: Pick<TActor, "roles">, permission: TPermission): string {
  const holders = PERMISSIONS[permission].roles.join(", ");
  const yours = actor.roles.length > 0 ? actor.roles.join(", ") : "none";
  return `This needs the permission ${permission}, held by the roles: ${holders}. Your roles: ${yours}. Ask your IdP administrator for a group that grants one of those roles.`;
}

/** A short label for logs and audit trails. */
export function describeActor(actor: TActor): string {
  return actor.email ?? actor.name ?? actor.subject;
}
