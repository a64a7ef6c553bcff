// The scheduled full scan: due -> org sync + full scan; not due, already running, or turned off -> nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { runScheduledScanIfDue } from "./scan-scheduled";
import { startInventoryFixture, waitForScan, type TInventoryFixture } from "./scan-test-helpers";

describe("runScheduledScanIfDue", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 25, seed: 4 }));
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 5, intervalHours: 0, log: () => {} });
  });
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  it("syncs the organization first and starts a SCHEDULED full scan when due", async () => {
    const deps = { actor: SYSTEM, db: f.db.prisma, aws: f.aws, boss: worker.boss };
    expect(await runScheduledScanIfDue({ ...deps, intervalHours: 0 })).toMatchObject({ started: false, reason: expect.stringMatching(/off/) });
    expect(await f.db.prisma.organization.count()).toBe(0);

    const first = await runScheduledScanIfDue({ ...deps, intervalHours: 24 });
    if (!first.started) throw new Error(first.reason);
    expect(first.scan).toMatchObject({ trigger: "SCHEDULED", scopeType: "ORG" });
    expect(await f.db.prisma.account.count()).toBe(f.sim.state.accounts.size);

    expect(await runScheduledScanIfDue({ ...deps, intervalHours: 24 })).toMatchObject({ started: false, reason: expect.stringMatching(/still running/) });
    await waitForScan(f.db.prisma, first.scan.id);
    expect(await runScheduledScanIfDue({ ...deps, intervalHours: 24 })).toMatchObject({ started: false, reason: expect.stringMatching(/not due/) });

    const tomorrow = new Date(Date.now() + 25 * 3_600_000);
    const next = await runScheduledScanIfDue({ ...deps, intervalHours: 24, now: tomorrow });
    expect(next.started).toBe(true);
  });
});
