// Records each SSO sign-in: one User row per IdP identity (issuer + subject), with the groups and
// roles of this sign-in, so admins see everyone's current roles on the Settings page; and opens the
// sign-in's server-side session. When the roles changed since the last sign-in, the user's other
// sessions (which carry the old roles) end in the same transaction, and so does the session this
// browser had before (a re-authentication replaces it rather than leaving it open).
import { prisma } from "@/lib/db/client";
import type { Prisma, PrismaClient } from "@/lib/db/generated/client";
import { appendAuditEvent } from "@/lib/audit/append";
import type { TRole } from "./roles";
import { createUserSession, endSessionsOfUser, endUserSession } from "./user-sessions";

export type TSignInProfile = {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  roles: TRole[];
  /** The IdP's auth_time of this sign-in; null when the ID token has none. */
  authTime?: Date | null;
};

export type TSignedInUser = { id: string; subject: string; roles: TRole[]; sessionId: string; endedSessions: number };

export async function upsertUserAtSignIn(
  profile: TSignInProfile,
  options: {
    db?: PrismaClient;
    now?: Date;
    maxAgeSeconds: number;
    ip?: string | null;
    userAgent?: string | null;
    /** The session of the cookie the browser sent with this sign-in; ended when it is this user's. */
    previousSessionId?: string | null;
  },
): Promise<TSignedInUser> {
  const db = options.db ?? prisma;
  const now = options.now ?? new Date();
  const data = {
    email: profile.email,
    name: profile.name,
    groups: profile.groups,
    roles: profile.roles,
    lastLoginAt: now,
  };
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { issuer_subject: { issuer: profile.issuer, subject: profile.subject } }, select: { roles: true } });
    // Upsert on the unique (issuer, subject): two simultaneous first sign-ins cannot create two rows.
    const user = await tx.user.upsert({
      where: { issuer_subject: { issuer: profile.issuer, subject: profile.subject } },
      create: { issuer: profile.issuer, subject: profile.subject, ...data },
      update: data,
      select: { id: true, subject: true },
    });
    const authTime = profile.authTime ?? null;
    const sessionId = await createUserSession(tx, {
      userId: user.id,
      now,
      maxAgeSeconds: options.maxAgeSeconds,
      authTime,
      ip: options.ip,
      userAgent: options.userAgent,
    });
    const replaced = await endPreviousSession(tx, { userId: user.id, sessionId: options.previousSessionId ?? null, now });
    const rolesChanged = before !== null && !sameSet(before.roles, profile.roles);
    const ended = rolesChanged ? await endSessionsOfUser(tx, { userId: user.id, now, reason: "ROLES_CHANGED", keep: sessionId }) : [];
    const actor = { type: "USER" as const, userId: user.id, issuer: profile.issuer, subject: profile.subject, email: profile.email, roles: profile.roles };
    const payload = {
      groups: profile.groups,
      roles: profile.roles,
      authTime: authTime?.toISOString() ?? null,
      ...(replaced ? { replacedSessionId: replaced } : {}),
    };
    await appendAuditEvent(tx, { type: "user.signed_in", actor, target: { type: "USER", id: user.id }, payload, time: now });
    if (ended.length > 0) {
      await appendAuditEvent(tx, {
        type: "user.sessions_revoked",
        actor,
        target: { type: "USER", id: user.id },
        payload: { userId: user.id, reason: "Roles changed at sign-in: the older sessions carried the old roles.", sessions: ended.length },
        time: now,
      });
    }
    return { id: user.id, subject: user.subject, roles: profile.roles, sessionId, endedSessions: ended.length };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Only the same user's session: a cookie of someone else (a shared browser) is not this sign-in's to end.
async function endPreviousSession(
  tx: Prisma.TransactionClient,
  options: { userId: string; sessionId: string | null; now: Date },
): Promise<string | null> {
  if (!options.sessionId || !UUID.test(options.sessionId)) return null;
  const row = await tx.userSession.findFirst({ where: { id: options.sessionId, userId: options.userId, revokedAt: null }, select: { id: true } });
  if (!row) return null;
  const ended = await endUserSession(tx, { sessionId: row.id, now: options.now, reason: "REPLACED_BY_SIGN_IN" });
  return ended ? row.id : null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
