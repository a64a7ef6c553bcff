// Scans that pg-boss alone would leave open forever: a worker process killed (kill -9) while running
// batches on their LAST attempt, and a scan whose jobs were never queued. Recovery queues the
// orphaned accounts again (bounded), or records them as FAILED, and the scan finishes.
import type { ChildProcess } from "node:child_process";
import type { PgBoss } from "pg-boss";
import { SYSTEM } from "@/lib/auth/actor";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QUEUES, createBoss } from "@/lib/jobs/boss";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { MAX_RECOVERY_ROUNDS, recoverStalledScans } from "./recover-scans";
import { startInventoryFixture, startWorkerProcess, waitFor, waitForScan, type TInventoryFixture } from "./scan-test-helpers";
import { startScan } from "./start-scan";
import { syncOrganization } from "./sync-organization";

const admin = { userId: "00000000-0000-4000-8000-000000000001", subject: "admin", email: "admin@example.com", name: "Admin", roles: ["admin" as const] };
// Enqueues nothing: the process that started the scan "died" before queueing its jobs.
const lostBoss = { insert: async () => {} } as unknown as PgBoss;
// Never fires during the test; recovery is run by hand so the test decides when.
const NEVER = "0 0 1 1 *";

describe("scan recovery", () => {
  let f: TInventoryFixture<AwsSim>;
  let client: PgBoss | undefined;
  let child: ChildProcess | undefined;
  let worker: TWorker | undefined;
  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 50, seed: 4, latencyMs: 60 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    client = await createBoss({ databaseUrl: f.db.url, role: "client" });
  });
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });
  afterAll(async () => {
    await client?.stop({ graceful: false, close: true });
    await worker?.stop();
    await f?.close();
  });

  const jobsOf = (scanId: string) =>
    f.db.prisma.$queryRawUnsafe<{ state: string; round: number | null; accounts: number }[]>(
      `SELECT state::text AS state, (data->>'round')::int AS round, jsonb_array_length(data->'accountIds') AS accounts
       FROM pgboss.job WHERE name = $1 AND data->>'scanId' = $2`,
      QUEUES.scanBatch,
      scanId,
    );
  const pendingOf = (scanId: string) => f.db.prisma.scanAccount.count({ where: { scanId, status: "PENDING" } });

  it("finishes a scan whose worker was killed during the batches' last attempt, with no double counts", async () => {
    const scan = await startScan({ scope: { type: "ORG" }, db: f.db.prisma, boss: client!, actor: admin });
    // Every batch is on its last attempt: the next fetch raises retry_count to retry_limit.
    await f.db.prisma.$executeRawUnsafe(
      `UPDATE pgboss.job SET state = 'retry', retry_count = retry_limit - 1, started_on = now() - interval '1 minute', start_after = now()
       WHERE name = $1 AND data->>'scanId' = $2`,
      QUEUES.scanBatch,
      scan.id,
    );

    // A real worker process (npm run worker), so the kill is a real kill -9.
    // Slow enough that the kill lands while batches are in flight, however loaded the machine is.
    f.sim.setFaults({ latencyMs: 400 });
    child = await startWorkerProcess(f);
    await waitFor("some progress", async () => (await f.db.prisma.scan.findUniqueOrThrow({ where: { id: scan.id } })).done >= 12, 60_000);
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    f.sim.setFaults({ latencyMs: 60 });

    // The dead worker's jobs stay active until they expire; age them instead of waiting 15 minutes.
    await f.db.prisma.$executeRawUnsafe(`UPDATE pgboss.job SET started_on = now() - interval '1 day' WHERE state = 'active'`);
    worker = await startWorker({
      databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 16, batchSize: 5, intervalHours: 0, recoveryCron: NEVER, log: () => {},
    });
    await worker.boss.supervise();

    // The gap: pg-boss failed the expired last attempts for good and the other batches ran, yet the
    // killed batches' accounts are still PENDING and the scan RUNNING, with no job left to change that.
    await waitFor("no live batch job", async () => (await jobsOf(scan.id)).every((j) => !["created", "retry", "active"].includes(j.state)), 60_000);
    const stuck = await f.db.prisma.scan.findUniqueOrThrow({ where: { id: scan.id } });
    expect(stuck.status).toBe("RUNNING");
    const orphaned = await pendingOf(scan.id);
    expect(orphaned).toBeGreaterThan(0);
    expect((await jobsOf(scan.id)).filter((j) => j.state === "failed").length).toBeGreaterThan(0);

    // Within the grace period a scan is left alone (its jobs may be about to be queued).
    const early = new Date(scan.createdAt.getTime() + 60_000);
    expect(await recoverStalledScans({ db: f.db.prisma, boss: worker.boss, batchSize: 5, now: early })).toMatchObject({ scans: 0, requeued: 0 });
    const outcome = await recoverStalledScans({ db: f.db.prisma, boss: worker.boss, batchSize: 5, graceSeconds: 0 });
    expect(outcome).toMatchObject({ requeued: orphaned, failed: 0 });
    const requeued = (await jobsOf(scan.id)).filter((j) => j.round === 1);
    expect(requeued.reduce((n, j) => n + j.accounts, 0)).toBe(orphaned);
    // Run again at once: the new jobs are live, so nothing is queued twice.
    expect(await recoverStalledScans({ db: f.db.prisma, boss: worker.boss, batchSize: 5, graceSeconds: 0 })).toMatchObject({ requeued: 0 });

    const finished = await waitForScan(f.db.prisma, scan.id, 90_000);
    expect(finished.status).toBe("SUCCEEDED");
    expect(await pendingOf(scan.id)).toBe(0);
    expect(finished.done).toBe(finished.total);
    expect(finished.failed).toBe(0);
    const perAccount = await f.db.prisma.credentialSnapshot.groupBy({ by: ["accountId"], where: { scanId: scan.id }, _count: true });
    expect(perAccount.every((p) => p._count === 1)).toBe(true);
    expect(perAccount.length).toBe(finished.total - finished.skipped);
  });

  it("queues a scan whose jobs were never queued, and records accounts as FAILED after the last recovery round", async () => {
    worker ??= await startWorker({
      databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 16, batchSize: 5, intervalHours: 0, recoveryCron: NEVER, log: () => {},
    });
    const members = [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId).map((a) => a.id);

    const lost = await startScan({ scope: { type: "ACCOUNTS", accountIds: members.slice(0, 3) }, db: f.db.prisma, boss: lostBoss, actor: admin });
    const doomed = await startScan({ scope: { type: "ACCOUNTS", accountIds: members.slice(3, 6) }, db: f.db.prisma, boss: lostBoss, actor: admin });
    // The doomed scan's accounts already went through every recovery round and died again.
    await f.db.prisma.$executeRawUnsafe(
      `INSERT INTO pgboss.job (name, data, state) VALUES ($1, $2::jsonb, 'failed')`,
      QUEUES.scanBatch,
      JSON.stringify({ scanId: doomed.id, accountIds: members.slice(3, 6), round: MAX_RECOVERY_ROUNDS }),
    );

    const outcome = await recoverStalledScans({ db: f.db.prisma, boss: worker.boss, batchSize: 5, graceSeconds: 0 });
    expect(outcome).toMatchObject({ requeued: 3, failed: 3 });

    const done = await waitForScan(f.db.prisma, lost.id, 60_000);
    expect(done).toMatchObject({ status: "SUCCEEDED", done: 3, failed: 0 });

    const gaveUp = await f.db.prisma.scan.findUniqueOrThrow({ where: { id: doomed.id } });
    expect(gaveUp).toMatchObject({ status: "SUCCEEDED", done: 3, failed: 3 });
    const rows = await f.db.prisma.scanAccount.findMany({ where: { scanId: doomed.id } });
    expect(rows.every((r) => r.status === "FAILED" && /worker stopped/.test(r.reason ?? ""))).toBe(true);
    const snapshots = await f.db.prisma.credentialSnapshot.findMany({ where: { scanId: doomed.id } });
    expect(snapshots.map((s) => s.errorCode)).toEqual(["WorkerStopped", "WorkerStopped", "WorkerStopped"]);
    expect(rows.map((r) => r.reasonCode)).toEqual(["WorkerStopped", "WorkerStopped", "WorkerStopped"]);
  });
});
