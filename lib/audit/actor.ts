// Who an audit event names: a signed-in user as they were at that moment (id, IdP issuer and
// subject, e-mail, roles), or SYSTEM for schedules and the application's own work.
import { SYSTEM, type TCaller } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import type { TAuditActorRecord } from "./canonical";

export const SYSTEM_ACTOR: TAuditActorRecord = { type: "SYSTEM", userId: null, issuer: null, subject: null, email: null, roles: [] };

export function auditActor(caller: TCaller | TAuditActorRecord, issuer: string | null = defaultIssuer()): TAuditActorRecord {
  if (caller === SYSTEM) return SYSTEM_ACTOR;
  if ("type" in caller) return caller;
  return { type: "USER", userId: caller.userId, issuer, subject: caller.subject, email: caller.email, roles: [...caller.roles] };
}

function defaultIssuer(): string | null {
  try {
    return getConfig().OIDC_ISSUER?.replace(/\/+$/, "") ?? null;
  } catch {
    return null;
  }
}
