// Sign-in records against a real Postgres: one row per issuer + subject, refreshed at each sign-in, safe
// under simultaneous first sign-ins; listing users needs users.read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import type { TActor } from "./actor";
import { listUsers } from "./list-users";
import { upsertUserAtSignIn } from "./upsert-user";
import { flushAuditTrail } from "@/lib/audit/sequence";

let db: TTestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const ISS = "https://idp.example.test";
const admin: TActor = { userId: "x", subject: "admin", email: null, name: null, roles: ["admin"] };

describe("upsertUserAtSignIn", () => {
  it("creates the user at first sign-in and updates groups, roles and time at the next", async () => {
    const first = await upsertUserAtSignIn(
      { issuer: ISS, subject: "sub-1", email: "ann@example.test", name: "Ann", groups: ["g-viewer"], roles: ["viewer"] },
      { db: db.prisma, maxAgeSeconds: 3600, now: new Date("2026-01-01T10:00:00Z") },
    );
    const second = await upsertUserAtSignIn(
      { issuer: ISS, subject: "sub-1", email: "ann@example.test", name: "Ann B.", groups: ["g-admin", "g-viewer"], roles: ["viewer", "admin"] },
      { db: db.prisma, maxAgeSeconds: 3600, now: new Date("2026-01-02T10:00:00Z") },
    );
    expect(second.id).toBe(first.id);
    const row = await db.prisma.user.findUniqueOrThrow({ where: { issuer_subject: { issuer: ISS, subject: "sub-1" } } });
    expect(row).toMatchObject({
      name: "Ann B.",
      groups: ["g-admin", "g-viewer"],
      roles: ["viewer", "admin"],
      lastLoginAt: new Date("2026-01-02T10:00:00Z"),
    });
  });

  it("ends the browser's previous session only when it is the same user's, and records auth_time", async () => {
    const profile = (subject: string) => ({ issuer: ISS, subject, email: null, name: null, groups: [], roles: ["approver" as const] });
    const now = new Date();
    const bob = await upsertUserAtSignIn(profile("sub-bob"), { db: db.prisma, maxAgeSeconds: 3600, now });
    const carol = await upsertUserAtSignIn(profile("sub-carol"), { db: db.prisma, maxAgeSeconds: 3600, now });
    // Carol signs in where Bob's cookie is: Bob's session is not hers to end.
    await upsertUserAtSignIn(profile("sub-carol"), { db: db.prisma, maxAgeSeconds: 3600, now, previousSessionId: bob.sessionId });
    expect((await db.prisma.userSession.findUniqueOrThrow({ where: { id: bob.sessionId } })).revokedAt).toBeNull();
    // Carol re-authenticates in her own browser: her old session ends, the new one has the new auth_time.
    const authTime = new Date(now.getTime() - 5000);
    const again = await upsertUserAtSignIn({ ...profile("sub-carol"), authTime }, { db: db.prisma, maxAgeSeconds: 3600, now, previousSessionId: carol.sessionId });
    expect(await db.prisma.userSession.findUniqueOrThrow({ where: { id: carol.sessionId } })).toMatchObject({ revokedReason: "REPLACED_BY_SIGN_IN" });
    expect(await db.prisma.userSession.findUniqueOrThrow({ where: { id: again.sessionId } })).toMatchObject({ revokedAt: null, authTime });
    await flushAuditTrail(db.prisma);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "user.signed_in", actorSubject: "sub-carol" }, orderBy: { seq: "desc" } });
    expect(event.payload).toEqual({ groups: [], roles: ["approver"], authTime: authTime.toISOString(), replacedSessionId: carol.sessionId });
    // A garbage id from a foreign cookie is ignored, not a database error.
    await expect(upsertUserAtSignIn(profile("sub-carol"), { db: db.prisma, maxAgeSeconds: 3600, now, previousSessionId: "not-a-uuid" })).resolves.toBeTruthy();
  });

  it("takes roles away when the groups no longer grant them", async () => {
    await upsertUserAtSignIn({ issuer: ISS, subject: "sub-1", email: null, name: null, groups: [], roles: [] }, { db: db.prisma, maxAgeSeconds: 3600 });
    const row = await db.prisma.user.findUniqueOrThrow({ where: { issuer_subject: { issuer: ISS, subject: "sub-1" } } });
    expect(row.roles).toEqual([]);
    expect(row.email).toBeNull();
  });

  it("creates one row when the same person signs in twice at once", async () => {
    const profile = { issuer: ISS, subject: "sub-race", email: null, name: null, groups: [], roles: [] };
    const results = await Promise.all(Array.from({ length: 5 }, () => upsertUserAtSignIn(profile, { db: db.prisma, maxAgeSeconds: 3600 })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await db.prisma.user.count({ where: { issuer: ISS, subject: "sub-race" } })).toBe(1);
  });
});

describe("users are keyed by issuer and subject", () => {
  it("keeps the same subject from two issuers apart", async () => {
    const a = await upsertUserAtSignIn({ issuer: "https://a.example", subject: "same", email: null, name: null, groups: [], roles: ["viewer"] }, { db: db.prisma, maxAgeSeconds: 60 });
    const b = await upsertUserAtSignIn({ issuer: "https://b.example", subject: "same", email: null, name: null, groups: [], roles: ["admin"] }, { db: db.prisma, maxAgeSeconds: 60 });
    expect(a.id).not.toBe(b.id);
    expect(await db.prisma.user.count({ where: { subject: "same" } })).toBe(2);
  });
});

describe("listUsers", () => {
  it("lists users for admins, most recent sign-in first", async () => {
    await upsertUserAtSignIn(
      { issuer: ISS, subject: "sub-2", email: "bob@example.test", name: "Bob", groups: ["g-operator"], roles: ["operator"] },
      { db: db.prisma, maxAgeSeconds: 3600, now: new Date("2030-01-01T00:00:00Z") },
    );
    const users = await listUsers({ actor: admin, db: db.prisma });
    expect(users[0]).toMatchObject({ issuer: ISS, subject: "sub-2", roles: ["operator"], groups: ["g-operator"], lastLoginAt: "2030-01-01T00:00:00.000Z" });
    expect(users.map((u) => u.subject)).toEqual(expect.arrayContaining(["sub-1", "sub-race"]));
  });

  it("refuses without users.read", async () => {
    await expect(listUsers({ actor: { ...admin, roles: ["auditor", "operator"] }, db: db.prisma })).rejects.toMatchObject({
      code: "FORBIDDEN",
      details: { permission: "users.read" },
    });
    await expect(listUsers({ actor: null, db: db.prisma })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});
