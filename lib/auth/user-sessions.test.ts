// Server-side sessions against a real Postgres: a cookie works while its UserSession row is open;
// sign-out, new roles at the next sign-in and an admin's revocation end every copy of it; other
// processes notice within the check cache's few seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import type { TActor } from "./actor";
import { actorFromRequest } from "./session";
import { testConfig } from "./test-helpers";
import { upsertUserAtSignIn } from "./upsert-user";
import { encodeSessionCookie } from "./session";
import { SESSION_CHECK_CACHE_MS, clearSessionCheckCache, endUserSession, postgresSessionStore, revokeUserSessions } from "./user-sessions";
import { flushAuditTrail } from "@/lib/audit/sequence";

let db: TTestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const config = testConfig();
const ISS = "https://idp.example.test";
const admin: TActor = { userId: "00000000-0000-4000-8000-0000000000ad", subject: "admin", email: null, name: null, roles: ["admin"] };

async function signIn(subject: string, roles: TActor["roles"], now = new Date()) {
  const user = await upsertUserAtSignIn({ issuer: ISS, subject, email: null, name: null, groups: [], roles }, { db: db.prisma, now, maxAgeSeconds: 3600 });
  const cookie = await encodeSessionCookie(
    { sub: subject, uid: user.id, sid: user.sessionId, email: null, name: null, roles, signedInAt: Math.floor(now.getTime() / 1000) },
    config,
  );
  return { ...user, request: () => new Request("http://127.0.0.1:3000/api/me", { headers: { cookie: cookie.header } }) };
}

const store = () => postgresSessionStore(db.prisma);
const actorOf = (req: Request, now = new Date()) => actorFromRequest(req, config, { sessions: store(), now });

describe("server-side sessions", () => {
  it("accepts a cookie while its session is open and refuses every copy after sign-out", async () => {
    const s = await signIn("sub-out", ["viewer"]);
    expect(await actorOf(s.request())).toMatchObject({ subject: "sub-out" });
    expect(await endUserSession(db.prisma, { sessionId: s.sessionId, now: new Date(), reason: "SIGNED_OUT" })).toBe(true);
    expect(await actorOf(s.request())).toBeNull();
    // Idempotent: a second sign-out changes nothing.
    expect(await endUserSession(db.prisma, { sessionId: s.sessionId, now: new Date(), reason: "SIGNED_OUT" })).toBe(false);
    const row = await db.prisma.userSession.findUniqueOrThrow({ where: { id: s.sessionId } });
    expect(row.revokedReason).toBe("SIGNED_OUT");
  });

  it("is noticed by another process within the check cache's window", async () => {
    const s = await signIn("sub-cache", ["viewer"]);
    const now = new Date();
    expect(await actorOf(s.request(), now)).not.toBeNull();
    // Another web instance ends it: this process's cache does not know yet.
    await db.prisma.userSession.update({ where: { id: s.sessionId }, data: { revokedAt: now, revokedReason: "REVOKED_BY_ADMIN" } });
    expect(await actorOf(s.request(), new Date(now.getTime() + 1000))).not.toBeNull();
    expect(await actorOf(s.request(), new Date(now.getTime() + SESSION_CHECK_CACHE_MS + 1))).toBeNull();
  });

  it("ends at the session row's expiry, and refuses an unknown or malformed session id", async () => {
    const past = new Date(Date.now() - 2 * 3600_000);
    const s = await signIn("sub-old", ["viewer"], past);
    clearSessionCheckCache();
    expect(await store().isActive(s.sessionId, new Date())).toBe(false);
    expect(await store().isActive("00000000-0000-4000-8000-000000000999", new Date())).toBe(false);
    expect(await store().isActive("' OR 1=1 --", new Date())).toBe(false);
  });

  it("ends the user's other sessions when the roles changed since the last sign-in, and only then", async () => {
    const first = await signIn("sub-roles", ["admin"]);
    const same = await signIn("sub-roles", ["admin"]);
    expect(same.endedSessions).toBe(0);
    expect(await actorOf(first.request())).not.toBeNull();
    const demoted = await signIn("sub-roles", ["viewer"]);
    expect(demoted.endedSessions).toBe(2);
    await flushAuditTrail(db.prisma);
    const revoked = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "user.sessions_revoked", targetId: demoted.id } });
    expect(revoked.payload).toMatchObject({ userId: demoted.id, sessions: 2 });
    expect(await actorOf(first.request())).toBeNull();
    expect(await actorOf(same.request())).toBeNull();
    expect(await actorOf(demoted.request())).toMatchObject({ roles: ["viewer"] });
  });

  it("lets an admin end all of a user's sessions, and nobody else", async () => {
    const a = await signIn("sub-admin-ends", ["operator"]);
    const b = await signIn("sub-admin-ends", ["operator"]);
    await expect(revokeUserSessions({ actor: { ...admin, roles: ["operator", "approver", "auditor"] }, userId: a.id, now: new Date(), db: db.prisma })).rejects.toMatchObject({
      code: "FORBIDDEN",
      details: { permission: "sessions.revoke" },
    });
    expect(await actorOf(a.request())).not.toBeNull();
    expect(await revokeUserSessions({ actor: admin, userId: a.id, now: new Date(), db: db.prisma })).toEqual({ userId: a.id, ended: 2 });
    expect(await actorOf(a.request())).toBeNull();
    expect(await actorOf(b.request())).toBeNull();
    await flushAuditTrail(db.prisma);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "user.sessions_revoked", targetId: a.id }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ actorUserId: admin.userId, actorRoles: ["admin"] });
    expect(event.payload).toMatchObject({ userId: a.id, sessions: 2 });
    await expect(revokeUserSessions({ actor: admin, userId: "00000000-0000-4000-8000-000000000999", now: new Date(), db: db.prisma })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
