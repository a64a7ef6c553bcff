// audit.verification_failed: a verification run that finds a break enqueues the notification in the
// transaction that records audit.verified (through runAuditVerification's onRecorded hook).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { runAuditVerification } from "@/lib/audit/run-verification";
import { appendSampleEvents, testSigner } from "@/lib/audit/test-helpers";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { notifyAuditVerificationFailed } from "./notify-verification-failed";
import { flushAuditTrail } from "@/lib/audit/sequence";

const signer = testSigner();
let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.notificationChannel.create({
    data: { kind: "WEBHOOK", name: "audit-alerts", config: {}, events: ["audit.verification_failed"], createdAt: new Date(), createdBy: "test", updatedAt: new Date() },
  });
  await appendSampleEvents(db.prisma, signer, 6);
});
afterAll(async () => db?.drop());

const verify = () =>
  runAuditVerification({ actor: SYSTEM, databaseUrl: db.url, db: db.prisma, stores: [], signer, onRecorded: (tx, run) => notifyAuditVerificationFailed(tx, run) });

describe("audit.verification_failed", () => {
  it("an intact trail: audit.verified ok, no notification", async () => {
    const run = await verify();
    expect(run.ok).toBe(true);
    expect(await db.prisma.notification.count()).toBe(0);
  });

  it("a tampered trail: one notification naming the first bad event, linking to /audit", async () => {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(`BEGIN; SET LOCAL session_replication_role = replica; UPDATE "AuditEvent" SET "payload" = jsonb_set("payload", '{accounts}', '999') WHERE seq = 2; COMMIT`);
    await sql.end();
    const run = await verify();
    expect(run).toMatchObject({ ok: false, problem: { seq: 2 } });
    const rows = await db.prisma.notification.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event: "audit.verification_failed",
      idempotencyKey: `audit.verification_failed:${run.recordedEventId}`,
      title: "Audit trail verification failed at event 2",
      link: "/audit",
    });
    // Same transaction as the recorded run: the audit.verified event it is about exists with ok=false.
    await flushAuditTrail(db.prisma, signer);
    const recorded = await db.prisma.auditEvent.findFirstOrThrow({ where: { seq: run.recordedSeq! } });
    expect(recorded).toMatchObject({ type: "audit.verified", payload: expect.objectContaining({ ok: false, firstBadSeq: 2 }) });
  });

  it("a hook that throws rolls the recorded run back with it", async () => {
    await flushAuditTrail(db.prisma, signer);
    const before = await db.prisma.auditEvent.count();
    await expect(
      runAuditVerification({ actor: SYSTEM, databaseUrl: db.url, db: db.prisma, stores: [], signer, onRecorded: async () => { throw new Error("outbox down"); } }),
    ).rejects.toThrow("outbox down");
    await flushAuditTrail(db.prisma, signer);
    expect(await db.prisma.auditEvent.count()).toBe(before);
  });
});
