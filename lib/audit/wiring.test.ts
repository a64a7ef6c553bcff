// Existing actions write their audit events in the same transaction as the change: sign-in and
// sign-out, org sync, scan start (user or SYSTEM), cancel and finish. A failed append rolls the change back.
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
    const scansBefore = await f.db.prisma.scan.count();
    const eventsBefore = await f.db.prisma.auditEvent.count();
    // A newer key in the history: this process's key is rotated out, so its append throws.
    const newer = testSigner();
    await f.db.prisma.auditSigningKey.create({
      data: { name: newer.name, keyId: newer.keyIdHex, publicKey: newer.rawPublicKey.toString("base64"), fromSize: BigInt(eventsBefore), createdAt: new Date() },
    });
    await expect(startScan({ actor: operator, scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss })).rejects.toThrow(AuditKeyRotatedError);
    expect(await f.db.prisma.scan.count()).toBe(scansBefore);
    expect(await f.db.prisma.auditEvent.count()).toBe(eventsBefore);
  });
});
