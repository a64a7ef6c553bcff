// A recent IdP sign-in for the actions that matter most (approving a request, a break-glass
// execution, and every settings change, since the settings decide who must approve what and who
// hears about it): the ID token's auth_time must be at most REAUTH_MAX_AGE_MINUTES old, otherwise the
// browser is sent through the IdP again with OIDC max_age (components/reauth.ts).
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { TActor } from "./actor";

/** IdP and app clocks differ a little; an auth_time this far in the future still counts as now. */
export const AUTH_TIME_CLOCK_TOLERANCE_MS = 5 * 60_000;

export type TFreshAuthOptions = {
  now: Date;
  maxAgeMinutes: number;
  /** What the person is doing, for the message: "Approving", "Running a break-glass execution". */
  action?: string;
};

/** True when the actor's IdP authentication is at most maxAgeMinutes old (unknown auth_time: false). */
export function isAuthFresh(actor: Pick<TActor, "authTime">, options: Pick<TFreshAuthOptions, "now" | "maxAgeMinutes">): boolean {
  const authTime = actor.authTime;
  if (!authTime) return false;
  const age = options.now.getTime() - authTime.getTime();
  return age <= options.maxAgeMinutes * 60_000 && age >= -AUTH_TIME_CLOCK_TOLERANCE_MS;
}

/**
 * Throws REAUTH_REQUIRED (401, details { reauth: true, maxAgeMinutes, authTime }) unless the actor
 * signed in at the IdP within maxAgeMinutes. The audit event of the action should record
 * actor.authTime, which this check guarantees is known and recent.
 */
export function assertFreshAuth(actor: Pick<TActor, "authTime">, options: TFreshAuthOptions): asserts actor is { authTime: Date } {
  if (isAuthFresh(actor, options)) return;
  const action = options.action ?? "This action";
  const minutes = `${options.maxAgeMinutes} minute${options.maxAgeMinutes === 1 ? "" : "s"}`;
  const why = actor.authTime
    ? `${action} needs a sign-in within the last ${minutes}. Sign in again to continue.`
    : `${action} needs a sign-in within the last ${minutes}, and your identity provider did not say when you signed in (no auth_time in the ID token). Sign in again to continue; if this repeats, ask your IdP administrator to include auth_time.`;
  throw new AppError("REAUTH_REQUIRED", why, {
    reauth: true,
    maxAgeMinutes: options.maxAgeMinutes,
    authTime: actor.authTime?.toISOString() ?? null,
  });
}

/**
 * A settings change (approval rules, break-glass, notification channels, the scheduled report)
 * needs a sign-in within REAUTH_MAX_AGE_MINUTES, like an approval: a stolen or left-open session
 * alone cannot lower the approvals a task needs, turn break-glass on or silence the channels.
 */
export function assertFreshAuthForSettings(actor: Pick<TActor, "authTime">, now: Date): asserts actor is { authTime: Date } {
  assertFreshAuth(actor, { now, maxAgeMinutes: getConfig().REAUTH_MAX_AGE_MINUTES, action: "Changing settings" });
}
