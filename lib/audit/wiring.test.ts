// Existing actions write their audit events in the same transaction as the change: sign-in and
// sign-out, org sync, scan start (user or SYSTEM), cancel and finish. A failed append rolls the change back.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { upsertUserAtSignIn } from "@/lib/auth/upsert-user";
import { cancelScan } from "@/lib/inventory/cancel-scan";
import { waitForScan, startInventoryFixture, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { AuditKeyRotatedError } from "./append";
import { signOutSession } from "@/lib/auth/sign-out";
import { runWithRequestContext } from "./request-context";
import { flushAuditTrail, sequenceAuditTrail } from "./sequence";
import { getAuditSigner } from "./signing-key";
import { testSigner } from "./test-helpers";
import { verifyAuditTrail } from "./verify";

const operator = { userId: "00000000-0000-4000-8000-0000000000b2", subject: "op-sub", email: "op@example.test", name: "Op", roles: ["operator" as const] };

describe("actions write audit events in their own transaction", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 12, seed: 3 }));
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 4, batchSize: 5, intervalHours: 0, log: () => undefined });
  });
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  it("records sign-in, sync, scans and sign-out, and the trail verifies", async () => {
    const user = await upsertUserAtSignIn(
      { issuer: "https://idp.example", subject: "op-sub", email: "op@example.test", name: "Op", groups: ["g-op"], roles: ["operator"] },
      { db: f.db.prisma, maxAgeSeconds: 3600 },
    );
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    const actor = { ...operator, userId: user.id };
    const scan = await runWithRequestContext({ ip: "192.0.2.7", userAgent: "test-agent", requestId: "req-1" }, () =>
      startScan({ actor, scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss }),
    );
    await waitForScan(f.db.prisma, scan.id);
    const scheduled = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "SCHEDULED", db: f.db.prisma, boss: worker.boss });
    await cancelScan({ actor, scanId: scheduled.id, db: f.db.prisma });
    await signOutSession(
      { sub: "op-sub", uid: user.id, sid: user.sessionId, email: "op@example.test", name: "Op", roles: ["operator"], signedInAt: 1 },
      { OIDC_ISSUER: "https://idp.example" },
      { db: f.db.prisma },
    );
    expect((await f.db.prisma.userSession.findUniqueOrThrow({ where: { id: user.sessionId } })).revokedReason).toBe("SIGNED_OUT");

    await flushAuditTrail(f.db.prisma);
    const events = await f.db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["user.signed_in", "org.synced", "scan.started", "scan.finished", "scan.started", "scan.cancelled", "user.signed_out"]);
    const started = events[2];
    expect(started).toMatchObject({
      actorType: "USER", actorUserId: user.id, actorEmail: "op@example.test", actorRoles: ["operator"],
      sourceIp: "192.0.2.7", userAgent: "test-agent", requestId: "req-1", targetType: "ORG", targetId: f.sim.organizationId,
    });
    expect(started.payload).toMatchObject({ scanId: scan.id, trigger: "MANUAL", total: 12 });
    expect(events[3]).toMatchObject({ actorType: "SYSTEM", targetType: "SCAN", targetId: scan.id });
    expect(events[3].payload).toMatchObject({ status: "SUCCEEDED", total: 12 });
    expect(events[4]).toMatchObject({ actorType: "SYSTEM", actorUserId: null });
    expect(events[0]).toMatchObject({ actorIssuer: "https://idp.example", actorSubject: "op-sub" });
    expect((await verifyAuditTrail({ databaseUrl: f.db.url })).problem).toBeNull();
  });

  it("rolls the scan back when its event cannot be written", async () => {
    await flushAuditTrail(f.db.prisma);
    const scansBefore = await f.db.prisma.scan.count();
    const eventsBefore = await f.db.prisma.auditEvent.count();
    // The database refuses the event (as a full disk or a revoked grant would): the scan goes with it.
    const sql = new pg.Client({ connectionString: f.db.url });
    await sql.connect();
    await sql.query(`CREATE FUNCTION "test_refuse_audit"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit intake refused by the test'; END $$`);
    await sql.query(`CREATE TRIGGER "test_refuse_audit" BEFORE INSERT ON "AuditPending" FOR EACH ROW EXECUTE FUNCTION "test_refuse_audit"()`);
    try {
      await expect(startScan({ actor: operator, scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss })).rejects.toThrow(/audit intake refused/);
    } finally {
      await sql.query(`DROP TRIGGER "test_refuse_audit" ON "AuditPending"; DROP FUNCTION "test_refuse_audit"()`);
      await sql.end();
    }
    expect(await f.db.prisma.scan.count()).toBe(scansBefore);
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count()).toBe(eventsBefore);
  });

  it("keeps events pending, not lost, while the sequencer's key is rotated out", async () => {
    await flushAuditTrail(f.db.prisma);
    const before = await f.db.prisma.auditEvent.count();
    // A newer key in the history: this process's key is rotated out, so it cannot sequence.
    const newer = testSigner(getAuditSigner().name);
    await f.db.prisma.auditSigningKey.create({
      data: { name: newer.name, keyId: newer.keyIdHex, publicKey: newer.rawPublicKey.toString("base64"), fromSize: BigInt(before), createdAt: new Date() },
    });
    const scan = await startScan({ actor: operator, scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss });
    await cancelScan({ actor: operator, scanId: scan.id, db: f.db.prisma });
    await expect(sequenceAuditTrail({ db: f.db.prisma })).rejects.toThrow(AuditKeyRotatedError);
    expect(await f.db.prisma.auditPending.count()).toBeGreaterThanOrEqual(2);
    // Restarted with the current key, the events get their seq, in order, and the trail verifies.
    await sequenceAuditTrail({ db: f.db.prisma, signer: newer });
    const events = await f.db.prisma.auditEvent.findMany({ where: { seq: { gte: BigInt(before) } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["scan.started", "scan.cancelled"]));
    expect(events.findIndex((e) => e.type === "scan.started")).toBeLessThan(events.findIndex((e) => e.type === "scan.cancelled"));
    expect(await f.db.prisma.auditPending.count()).toBe(0);
    expect((await verifyAuditTrail({ databaseUrl: f.db.url })).ok).toBe(true);
  });
});
