// Server-side sessions: every sign-in is a UserSession row the cookie names (claim sid). Each request
// checks the row (cached a few seconds per process), so sign-out, a change of roles at the next
// sign-in and an admin's decision end every copy of a cookie, on every web instance, within seconds.
import { appendAuditEvent } from "@/lib/audit/append";
import { prisma } from "@/lib/db/client";
import type { Prisma, PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { assertPermission, type TActor } from "./actor";

/** REPLACED_BY_SIGN_IN: the same browser signed in again (e.g. a re-authentication), so its old cookie is gone. */
export type TSessionRevokeReason = "SIGNED_OUT" | "ROLES_CHANGED" | "REVOKED_BY_ADMIN" | "REPLACED_BY_SIGN_IN";

/** What the cookie check needs; Postgres in the app, an in-memory set in pure unit tests. */
export type TSessionStore = { isActive(sessionId: string, now: Date): Promise<boolean> };

/** How long one process trusts a session check; a revocation elsewhere takes effect within this. */
export const SESSION_CHECK_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type TCached = { active: boolean; expiresAt: number; checkedAt: number };
const globalForSessions = globalThis as unknown as { rootwardenSessionChecks?: Map<string, TCached> };
const checks = (globalForSessions.rootwardenSessionChecks ??= new Map());

/** Sessions in Postgres (the app's client unless one is given). */
export function postgresSessionStore(db?: PrismaClient): TSessionStore {
  return {
    async isActive(sessionId, now) {
      if (!UUID.test(sessionId)) return false;
      const t = now.getTime();
      const hit = checks.get(sessionId);
      if (hit && t - hit.checkedAt >= 0 && t - hit.checkedAt < SESSION_CHECK_CACHE_MS) return hit.active && t < hit.expiresAt;
      const row = await (db ?? prisma).userSession.findUnique({ where: { id: sessionId }, select: { expiresAt: true, revokedAt: true } });
      const entry = { active: row !== null && row.revokedAt === null, expiresAt: row?.expiresAt.getTime() ?? 0, checkedAt: t };
      if (checks.size >= CACHE_MAX) checks.delete(checks.keys().next().value!);
      checks.set(sessionId, entry);
      return entry.active && t < entry.expiresAt;
    },
  };
}

type TTx = Prisma.TransactionClient | PrismaClient;

/** Opens the session of a sign-in (inside the sign-in's transaction). */
export async function createUserSession(
  tx: TTx,
  options: { userId: string; now: Date; maxAgeSeconds: number; authTime?: Date | null; ip?: string | null; userAgent?: string | null },
): Promise<string> {
  const row = await tx.userSession.create({
    data: {
      userId: options.userId,
      createdAt: options.now,
      expiresAt: new Date(options.now.getTime() + options.maxAgeSeconds * 1000),
      authTime: options.authTime ?? null,
      ip: options.ip?.slice(0, 100) ?? null,
      userAgent: options.userAgent?.slice(0, 500) ?? null,
    },
    select: { id: true },
  });
  return row.id;
}

/** Ends one session (sign-out). Idempotent: an already ended session stays as it was. */
export async function endUserSession(tx: TTx, options: { sessionId: string; now: Date; reason: TSessionRevokeReason }): Promise<boolean> {
  if (!UUID.test(options.sessionId)) return false;
  const { count } = await tx.userSession.updateMany({
    where: { id: options.sessionId, revokedAt: null },
    data: { revokedAt: options.now, revokedReason: options.reason },
  });
  checks.delete(options.sessionId);
  return count > 0;
}

/** Ends every open session of a user, except `keep` (the sign-in that caused it). Returns how many. */
export async function endSessionsOfUser(
  tx: TTx,
  options: { userId: string; now: Date; reason: TSessionRevokeReason; keep?: string },
): Promise<string[]> {
  const open = await tx.userSession.findMany({
    where: { userId: options.userId, revokedAt: null, expiresAt: { gt: options.now }, ...(options.keep ? { id: { not: options.keep } } : {}) },
    select: { id: true },
  });
  const ids = open.map((s) => s.id);
  if (ids.length === 0) return [];
  await tx.userSession.updateMany({ where: { id: { in: ids }, revokedAt: null }, data: { revokedAt: options.now, revokedReason: options.reason } });
  for (const id of ids) checks.delete(id);
  return ids;
}

/** An admin ends all of a user's sessions (Settings). */
export async function revokeUserSessions(options: {
  actor: TActor | null;
  userId: string;
  now: Date;
  db?: PrismaClient;
}): Promise<{ userId: string; ended: number }> {
  assertPermission(options.actor, "sessions.revoke");
  const db = options.db ?? prisma;
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: options.userId }, select: { id: true } });
    if (!user) throw new AppError("NOT_FOUND", "No user with this id. Reload the Settings page and pick the user again.");
    const ended = await endSessionsOfUser(tx, { userId: user.id, now: options.now, reason: "REVOKED_BY_ADMIN" });
    await appendAuditEvent(tx, {
      type: "user.sessions_revoked",
      actor: options.actor!,
      target: { type: "USER", id: user.id },
      payload: { userId: user.id, reason: "Ended by an admin from Settings.", sessions: ended.length },
      time: options.now,
    });
    return { userId: user.id, ended: ended.length };
  });
}

/** Forgets cached checks (tests that revoke through SQL directly). */
export function clearSessionCheckCache(): void {
  checks.clear();
}
