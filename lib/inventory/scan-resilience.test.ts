// Scans under trouble: throttling, injected faults and timeouts; a worker process killed mid-scan;
// cancel. Real SDK against the simulator, real Postgres, real pg-boss.
import { SYSTEM } from "@/lib/auth/actor";
import type { ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { stopJobClient } from "@/lib/jobs/boss";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { cancelScan } from "./cancel-scan";
import { getScanProgress } from "./get-scan-progress";
import { expectedStatus, sleep, startInventoryFixture, startWorkerProcess, waitFor, waitForScan, type TInventoryFixture } from "./scan-test-helpers";
import { startScan } from "./start-scan";
import { syncOrganization } from "./sync-organization";

const admin = { userId: "00000000-0000-4000-8000-000000000001", subject: "admin", email: "admin@example.com", name: "Admin", roles: ["admin" as const] };

describe("scan with throttling, faults and timeouts", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  beforeAll(async () => {
    // Short per-call timeout and few attempts so some accounts really run out of retries.
    f = await startInventoryFixture(await startAwsSim({ accounts: 80, seed: 11 }), { timeoutMs: 400, maxAttempts: 3 });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 24, batchSize: 9, intervalHours: 0, log: () => {} });
  });
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  it("ends with every account scanned or its error recorded, and correct results for the scanned ones", async () => {
    const members = [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId);
    const slow = members[5];
    f.sim.setFaults({
      errorRate: 0.08,
      rateLimits: { AssumeRoot: 40, ListMFADevices: 30 },
      slowAccounts: [slow.id],
      slowMs: 1500,
    });
    const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss });
    const finished = await waitForScan(f.db.prisma, scan.id, 120_000);
    f.sim.setFaults({});

    expect(finished.status).toBe("SUCCEEDED");
    const rows = await f.db.prisma.scanAccount.findMany({ where: { scanId: scan.id } });
    expect(rows.filter((r) => r.status === "PENDING")).toEqual([]);
    expect(finished.done).toBe(finished.total);
    expect(finished.failed).toBe(rows.filter((r) => r.status === "FAILED").length);

    const errors = f.sim.calls({ outcome: "error" }).map((c) => c.errorCode);
    expect(errors).toContain("Throttling");
    expect(errors.length).toBeGreaterThan(10);

    // The slow account timed out (or, when the random faults and rate limits hit it first, was
    // throttled past its retries): recorded as an error, not lost.
    const slowRow = rows.find((r) => r.accountId === slow.id)!;
    expect(slowRow.status).toBe("FAILED");
    const slowSnap = await f.db.prisma.credentialSnapshot.findFirstOrThrow({ where: { scanId: scan.id, accountId: slow.id } });
    expect(["TimeoutError", "Throttling"]).toContain(slowSnap.errorCode);

    const stored = new Map((await f.db.prisma.account.findMany()).map((a) => [a.id, a]));
    for (const r of rows) {
      const a = f.sim.state.accounts.get(r.accountId)!;
      if (r.status === "DONE") expect(stored.get(a.id)!.status).toBe(expectedStatus(f.sim, a).status);
      if (r.status === "FAILED") {
        expect(stored.get(a.id)!.status).toBe("ERROR");
        expect(r.reason).toBeTruthy();
      }
    }
    // One snapshot per audited account in this scan: retries did not double anything.
    expect(await f.db.prisma.credentialSnapshot.count({ where: { scanId: scan.id } })).toBe(finished.done - finished.skipped);
  });
});

describe("worker killed mid-scan", () => {
  let f: TInventoryFixture<AwsSim>;
  let child: ChildProcess | undefined;
  let worker: TWorker | undefined;
  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 60, seed: 3, latencyMs: 60 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
  });
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });
  afterAll(async () => {
    await stopJobClient();
    await worker?.stop();
    await f?.close();
  });

  it("finishes after a new worker takes over the dead worker's batches, with no double counts", async () => {
    // A real worker process (npm run worker), so the kill is a real kill -9.
    child = await startWorkerProcess(f);

    // No boss passed: startScan enqueues through the process's own send-only client, as the web does.
    process.env.DATABASE_URL = f.db.url;
    const scan = await startScan({ scope: { type: "ORG" }, db: f.db.prisma, actor: admin });
    await waitFor("some progress", async () => (await f.db.prisma.scan.findUniqueOrThrow({ where: { id: scan.id } })).done >= 15, 60_000);
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));

    const atKill = await f.db.prisma.scan.findUniqueOrThrow({ where: { id: scan.id } });
    expect(atKill.status).toBe("RUNNING");
    expect(atKill.done).toBeLessThan(atKill.total);
    const active = await f.db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pgboss.job WHERE state = 'active'`);
    expect(active[0].n).toBeGreaterThan(0);

    // The dead worker's jobs stay active until they expire; age them instead of waiting 15 minutes.
    await f.db.prisma.$executeRawUnsafe(`UPDATE pgboss.job SET started_on = now() - interval '1 day' WHERE state = 'active'`);
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 16, batchSize: 5, intervalHours: 0, log: () => {} });
    await worker.boss.supervise();

    const finished = await waitForScan(f.db.prisma, scan.id, 90_000);
    expect(finished.status).toBe("SUCCEEDED");
    const rows = await f.db.prisma.scanAccount.groupBy({ by: ["status"], where: { scanId: scan.id }, _count: true });
    const counted = rows.reduce((n, r) => n + r._count, 0);
    expect(counted).toBe(finished.total);
    expect(rows.find((r) => r.status === "PENDING")).toBeUndefined();
    expect(finished.done).toBe(finished.total);
    expect(finished.failed).toBe(0);
    // Exactly one snapshot per audited account, even for accounts in the retried batches.
    const perAccount = await f.db.prisma.credentialSnapshot.groupBy({ by: ["accountId"], where: { scanId: scan.id }, _count: true });
    expect(perAccount.every((p) => p._count === 1)).toBe(true);
    expect(perAccount.length).toBe(finished.total - finished.skipped);
  });
});

describe("cancel", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 60, seed: 5, latencyMs: 80 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 3, batchSize: 5, intervalHours: 0, log: () => {} });
  });
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  it("marks the remaining accounts CANCELLED and workers stop auditing them", async () => {
    const scan = await startScan({ scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss, actor: admin });
    await waitFor("some progress", async () => (await f.db.prisma.scan.findUniqueOrThrow({ where: { id: scan.id } })).done >= 10);

    await expect(cancelScan({ actor: { ...admin, roles: ["viewer"] }, scanId: scan.id, db: f.db.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const cancelled = await cancelScan({ actor: admin, scanId: scan.id, db: f.db.prisma });
    expect(cancelled.status).toBe("CANCELLED");
    // Idempotent: a second cancel changes nothing.
    expect((await cancelScan({ actor: admin, scanId: scan.id, db: f.db.prisma })).finishedAt).toEqual(cancelled.finishedAt);

    // In-flight audits may finish; after that, no new AssumeRoot calls.
    await sleep(1500);
    const before = f.sim.calls({ operation: "AssumeRoot" }).length;
    await sleep(1500);
    expect(f.sim.calls({ operation: "AssumeRoot" }).length).toBe(before);

    const progress = await getScanProgress(scan.id, { db: f.db.prisma, actor: admin });
    expect(progress.status).toBe("CANCELLED");
    expect(progress.cancelled).toBeGreaterThan(0);
    expect(progress.done + progress.cancelled).toBe(progress.total);
    const after = await f.db.prisma.scan.findUniqueOrThrow({ where: { id: scan.id } });
    expect(after.status).toBe("CANCELLED");
    expect(after.done).toBe(cancelled.done);
  });
});
