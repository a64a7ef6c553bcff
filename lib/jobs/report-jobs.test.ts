// The scheduled report through pg-boss, as a worker runs it: jobs on the queue (a duplicate and a
// later one for the same month) write the month's report once.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { FRESHNESS_HOURS, actorWith, seedOrganization } from "@/lib/inventory/list-accounts.fixtures";
import { updateReportSchedule } from "@/lib/reports/report-schedule";
import { createBoss } from "./boss";
import { REPORT_SCHEDULE_QUEUE, registerReportJobs } from "./report-jobs";
import { flushAuditTrail } from "@/lib/audit/sequence";

let db: TTestDatabase;
let pool: pg.Pool;
let boss: PgBoss;
let dir: string;
const lines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma, { now: new Date("2026-11-30T20:00:00.000Z") });
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  dir = mkdtempSync(path.join(os.tmpdir(), "rw-report-jobs-"));
  boss = await createBoss({ databaseUrl: db.url, role: "worker" });
  await registerReportJobs(boss, {
    db: db.prisma,
    pool,
    s3: () => {
      throw new Error("no S3 in this test");
    },
    freshnessHours: FRESHNESS_HOURS,
    log: (line) => lines.push(line),
    now: () => new Date("2026-12-01T00:15:00.000Z"),
  });
});
afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
  await pool?.end();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the scheduled report job", () => {
  it("writes the month once however many jobs run for it", async () => {
    const now = new Date("2026-11-15T00:00:00.000Z");
    await updateReportSchedule({ actor: { ...actorWith(["admin"]), authTime: now }, db: db.prisma, patch: { enabled: true, destination: { type: "directory", path: dir }, formats: ["csv", "pdf"] }, now });
    await boss.send(REPORT_SCHEDULE_QUEUE, {});
    await boss.send(REPORT_SCHEDULE_QUEUE, {});
    await waitFor(async () => (await db.prisma.scheduledReportRun.count({ where: { status: "SUCCEEDED" } })) === 2);
    // A later job for the same month (a retry, the next tick) finds it done.
    const id = await boss.send(REPORT_SCHEDULE_QUEUE, {});
    await waitFor(async () => (await boss.findJobs(REPORT_SCHEDULE_QUEUE, { id: id! }))[0]?.state === "completed");
    expect(readdirSync(dir).sort()).toEqual(["rootwarden-compliance-o-test000001-20261130T235959Z.csv", "rootwarden-compliance-o-test000001-20261130T235959Z.pdf"]);
    await flushAuditTrail(db.prisma);
    expect(await db.prisma.auditEvent.count({ where: { type: "report.exported", actorType: "SYSTEM" } })).toBe(2);
    expect(lines.filter((l) => l.includes("written to"))).toHaveLength(2);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the job");
    await new Promise((r) => setTimeout(r, 200));
  }
}
