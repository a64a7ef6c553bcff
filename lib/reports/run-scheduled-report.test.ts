// The scheduled report against a real Postgres, a temp directory and the simulator's S3 through the
// SDK: what it writes (the same bytes as the export an auditor downloads), recorded once as
// report.exported by SYSTEM; once per month and format under repeated and concurrent runs, an
// expired claim and a PDF whose file was not written; bad settings (400 naming the fix), failing
// destinations (an error saying what to fix, retried once the setting changes); permissions.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { FRESHNESS_HOURS, ORG_ID, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { exportReport } from "./export-report";
import { getReportScheduleStatus } from "./get-report-schedule-status";
import { getReportSchedule, updateReportSchedule } from "./report-schedule";
import { runScheduledReport, scheduledPeriod } from "./run-scheduled-report";
import { flushAuditTrail } from "@/lib/audit/sequence";
import { auditEventLabel } from "./record-report-export";

const admin = actorWith(["admin"]);
const auditor = actorWith(["auditor"]);
// The inventory is seeded late on 30 November; the runs happen in the following months.
const SEEDED = new Date("2026-11-30T20:00:00.000Z");
const DEC_1 = new Date("2026-12-01T00:15:00.000Z");

let db: TTestDatabase;
let pool: pg.Pool;
let sim: AwsSim;
let s3: S3Client;
let tmp: string;
let dir: string;

beforeAll(async () => {
  [db, sim] = await Promise.all([createTestDatabase(), startAwsSim({ accounts: 10, seed: "scheduled-report" })]);
  await seedOrganization(db.prisma, { now: SEEDED });
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  s3 = new S3Client({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }, forcePathStyle: true, maxAttempts: 1 });
  tmp = mkdtempSync(path.join(os.tmpdir(), "rw-scheduled-report-"));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await sim?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await db.prisma.scheduledReportRun.deleteMany();
  dir = mkdtempSync(path.join(tmp, "out-"));
});

const run = (now: Date, extra: { leaseMinutes?: number } = {}) =>
  runScheduledReport({ actor: SYSTEM, db: db.prisma, pool, now, freshnessHours: FRESHNESS_HOURS, s3: () => s3, ...extra });
const configure = (patch: Record<string, unknown>, now = new Date("2026-11-15T00:00:00.000Z")) => updateReportSchedule({ actor: { ...admin, authTime: now }, db: db.prisma, patch, now });
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
// The scheduled report's events (an auditor's own export in a test is not one of them).
const exportEvents = async () => {
  await flushAuditTrail(db.prisma);
  return db.prisma.auditEvent.findMany({ where: { type: "report.exported", actorType: "SYSTEM" }, orderBy: { seq: "asc" } });
};
const mgmtBucket = () => sim.state.accounts.get(sim.managementAccountId)!.bucketNames[0]!;

describe("runScheduledReport to a directory", () => {
  it("writes last month's CSV and PDF once, each recorded as report.exported by SYSTEM", async () => {
    await configure({ enabled: true, destination: { type: "directory", path: dir }, formats: ["csv", "pdf"] });
    const before = (await exportEvents()).length;
    const out = await run(DEC_1);
    expect(out).toMatchObject({ ran: true, period: "2026-11", asOf: new Date("2026-11-30T23:59:59.999Z") });
    if (!out.ran) throw new Error("expected a run");
    expect(out.results.map((r) => [r.format, r.status])).toEqual([
      ["csv", "written"],
      ["pdf", "written"],
    ]);
    const stamp = "20261130T235959Z";
    expect(readdirSync(dir).sort()).toEqual([`rootwarden-compliance-${ORG_ID}-${stamp}.csv`, `rootwarden-compliance-${ORG_ID}-${stamp}.pdf`]);

    // The CSV is byte for byte the export an auditor downloads for the same as-of time.
    const csv = readFileSync(path.join(dir, `rootwarden-compliance-${ORG_ID}-${stamp}.csv`));
    const mine = await exportReport({ actor: auditor, db: db.prisma, pool, query: { format: "csv", asOf: "2026-11-30T23:59:59.999Z" }, now: DEC_1, freshnessHours: FRESHNESS_HOURS });
    expect(Buffer.from(await new Response(mine.stream).arrayBuffer()).equals(csv)).toBe(true);

    const scheduled = (await exportEvents()).slice(before);
    expect(scheduled.map((e) => (e.payload as { format: string }).format)).toEqual(["csv", "pdf"]);
    // Each event names the file it wrote, so an auditor can find it.
    expect(scheduled.map((e) => (e.payload as { destination?: string }).destination)).toEqual([
      path.join(dir, `rootwarden-compliance-${ORG_ID}-${stamp}.csv`),
      path.join(dir, `rootwarden-compliance-${ORG_ID}-${stamp}.pdf`),
    ]);
    const csvEvent = scheduled[0]!.payload as { sha256: string; exportId: string; asOf: string; rows: number };
    expect(csvEvent.sha256).toBe(sha256(csv));
    expect(csvEvent.asOf).toBe("2026-11-30T23:59:59.999Z");
    const csvExport = await db.prisma.reportExport.findUniqueOrThrow({ where: { id: csvEvent.exportId } });
    expect(csvExport).toMatchObject({ actorUserId: null, actorLabel: "Rootwarden (scheduled report)", format: "csv", sha256: sha256(csv), rowCount: csvEvent.rows });

    // The PDF names its own record: the data hash and the report.exported event.
    const pdfFile = path.join(dir, `rootwarden-compliance-${ORG_ID}-${stamp}.pdf`);
    const text = execFileSync("pdftotext", ["-layout", pdfFile, "-"]).toString();
    const pdfRun = await db.prisma.scheduledReportRun.findFirstOrThrow({ where: { format: "pdf" } });
    expect(pdfRun).toMatchObject({ status: "SUCCEEDED", attempts: 1, bytes: statSync(pdfFile).size, objectName: pdfFile });
    expect(text).toContain(pdfRun.sha256!);
    // The run recorded the event inside its transaction (pending); the PDF names its seq.
    expect(text).toContain(await auditEventLabel(db.prisma, pdfRun.auditEventId!));
    expect(await auditEventLabel(db.prisma, pdfRun.auditEventId!)).toMatch(/^seq \d+$/);
    expect(text).toContain("Rootwarden (scheduled report)");

    // Later ticks of the same month write nothing and record nothing.
    const mtime = statSync(pdfFile).mtimeMs;
    const again = await run(new Date("2026-12-01T00:30:00.000Z"));
    expect(again.ran && again.results.map((r) => r.status)).toEqual(["done", "done"]);
    expect((await exportEvents()).length).toBe(before + 2);
    expect(statSync(pdfFile).mtimeMs).toBe(mtime);
  });

  it("writes once when several runs of one month race (duplicated jobs, several workers)", async () => {
    await configure({ enabled: true, destination: { type: "directory", path: dir }, formats: ["jsonl", "pdf"] });
    const before = (await exportEvents()).length;
    const outs = await Promise.all([0, 1, 2, 3].map(() => run(DEC_1)));
    const statuses = outs.flatMap((o) => (o.ran ? o.results.map((r) => `${r.format}:${r.status}`) : []));
    expect(statuses.filter((s) => s.endsWith(":written")).sort()).toEqual(["jsonl:written", "pdf:written"]);
    expect(statuses.filter((s) => s.endsWith(":failed"))).toEqual([]);
    expect((await exportEvents()).length).toBe(before + 2);
    expect(readdirSync(dir).filter((n) => !n.startsWith("."))).toHaveLength(2);
    expect(await db.prisma.scheduledReportRun.count()).toBe(2);
  });

  it("takes over a month whose worker died (claim expired) and writes it once", async () => {
    await configure({ enabled: true, destination: { type: "directory", path: dir }, formats: ["csv"] });
    const before = (await exportEvents()).length;
    await db.prisma.scheduledReportRun.create({
      data: {
        organizationId: ORG_ID, period: "2026-11", format: "csv", asOf: new Date("2026-11-30T23:59:59.999Z"), destination: `directory ${dir}`,
        objectName: "x", status: "RUNNING", attempts: 1, claimToken: "00000000-0000-4000-8000-00000000dead", leaseUntil: new Date("2026-12-01T00:10:00.000Z"), startedAt: new Date("2026-12-01T00:00:00.000Z"),
      },
    });
    const live = await run(new Date("2026-12-01T00:05:00.000Z"));
    expect(live.ran && live.results[0]!.status).toBe("running");
    const after = await run(DEC_1);
    expect(after.ran && after.results[0]!.status).toBe("written");
    expect(await db.prisma.scheduledReportRun.findFirstOrThrow()).toMatchObject({ status: "SUCCEEDED", attempts: 2, claimToken: null });
    expect((await exportEvents()).length).toBe(before + 1);
  });

  it("reports a missing directory with what to fix, records nothing, and retries at once after the setting changes", async () => {
    const missing = path.join(tmp, "no-such-dir");
    await configure({ enabled: true, destination: { type: "directory", path: missing }, formats: ["csv", "pdf"] });
    const before = (await exportEvents()).length;
    const out = await run(DEC_1);
    if (!out.ran) throw new Error("expected a run");
    expect(out.results.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(out.results[0]!.error).toMatch(new RegExp(`The directory ${missing} on worker .+ does not exist\\. Create it`));
    expect(out.results[0]!.error).toContain("Settings › Scheduled report");
    expect((await exportEvents()).length).toBe(before);

    // A tick soon after does not hammer the broken destination...
    const soon = await run(new Date("2026-12-01T00:30:00.000Z"));
    expect(soon.ran && soon.results.map((r) => r.status)).toEqual(["waiting", "waiting"]);
    // ...but a fixed setting is tried at the next tick.
    await configure({ destination: { type: "directory", path: dir } }, new Date("2026-12-01T00:40:00.000Z"));
    const fixed = await run(new Date("2026-12-01T00:45:00.000Z"));
    expect(fixed.ran && fixed.results.map((r) => r.status)).toEqual(["written", "written"]);
    expect((await exportEvents()).length).toBe(before + 2);
    expect(await db.prisma.scheduledReportRun.findMany({ orderBy: { format: "asc" }, select: { status: true, attempts: true, error: true } })).toEqual([
      { status: "SUCCEEDED", attempts: 2, error: null },
      { status: "SUCCEEDED", attempts: 2, error: null },
    ]);
  });

  it("does nothing while the schedule is off", async () => {
    await configure({ enabled: false });
    expect(await run(DEC_1)).toEqual({ ran: false, reason: "The scheduled report is off (Settings › Scheduled report)." });
    expect(await db.prisma.scheduledReportRun.count()).toBe(0);
  });
});

describe("runScheduledReport to S3 (the simulator, through the SDK)", () => {
  it("puts each format under the prefix, the same bytes it records", async () => {
    const Bucket = mgmtBucket();
    await configure({ enabled: true, destination: { type: "s3", bucket: Bucket, prefix: "rootwarden/reports/" }, formats: ["json", "pdf"] });
    const jan1 = new Date("2027-01-01T03:00:00.000Z");
    const out = await run(jan1);
    expect(out.ran && out.results.map((r) => [r.format, r.status, r.location])).toEqual([
      ["json", "written", `s3://${Bucket}/rootwarden/reports/rootwarden-compliance-${ORG_ID}-20261231T235959Z.json`],
      ["pdf", "written", `s3://${Bucket}/rootwarden/reports/rootwarden-compliance-${ORG_ID}-20261231T235959Z.pdf`],
    ]);
    const list = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "rootwarden/reports/" }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([
      `rootwarden/reports/rootwarden-compliance-${ORG_ID}-20261231T235959Z.json`,
      `rootwarden/reports/rootwarden-compliance-${ORG_ID}-20261231T235959Z.pdf`,
    ]);
    const json = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key: list.Contents![0]!.Key! }))).Body!.transformToByteArray());
    const row = await db.prisma.scheduledReportRun.findFirstOrThrow({ where: { format: "json" } });
    expect(row.sha256).toBe(sha256(json));
    expect(JSON.parse(json.toString("utf8"))).toBeInstanceOf(Array);
    const pdf = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key: list.Contents![1]!.Key! }))).Body!.transformToByteArray());
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect((await exportEvents()).slice(-2).map((e) => (e.payload as { destination?: string }).destination)).toEqual([
      `s3://${Bucket}/rootwarden/reports/rootwarden-compliance-${ORG_ID}-20261231T235959Z.json`,
      `s3://${Bucket}/rootwarden/reports/rootwarden-compliance-${ORG_ID}-20261231T235959Z.pdf`,
    ]);
  });

  it("retries a throttled upload (the SDK does not retry a streamed body)", async () => {
    const Bucket = mgmtBucket();
    await configure({ enabled: true, destination: { type: "s3", bucket: Bucket, prefix: "throttled/" }, formats: ["csv", "jsonl"] });
    const puts = () => sim.callCounts({ operation: "PutObject" }).byOperation.PutObject ?? { ok: 0, error: 0 };
    const before = puts();
    sim.setFaults({ rateLimits: { PutObject: 1 } });
    try {
      const out = await run(DEC_1);
      expect(out.ran && out.results.map((r) => r.status)).toEqual(["written", "written"]);
    } finally {
      sim.setFaults({});
    }
    expect(puts().ok - before.ok).toBe(2);
    expect(puts().error - before.error).toBeGreaterThan(0);
  });

  it("writes a PDF whose write failed under the export it already recorded, not a second one", async () => {
    await configure({ enabled: true, destination: { type: "s3", bucket: "no-such-bucket-rw", prefix: "" }, formats: ["pdf"] });
    const before = (await exportEvents()).length;
    const out = await run(DEC_1);
    expect(out.ran && out.results[0]).toMatchObject({ status: "failed", error: expect.stringContaining("(NoSuchBucket)") });
    // The PDF's export is recorded before its file: its last page names the event.
    const recorded = (await exportEvents()).slice(before);
    expect(recorded).toHaveLength(1);
    const failed = await db.prisma.scheduledReportRun.findFirstOrThrow();
    expect(failed).toMatchObject({ status: "FAILED", exportId: (recorded[0]!.payload as { exportId: string }).exportId });

    const Bucket = mgmtBucket();
    await configure({ destination: { type: "s3", bucket: Bucket, prefix: "retry/" } }, new Date("2026-12-01T00:20:00.000Z"));
    const fixed = await run(new Date("2026-12-01T00:30:00.000Z"));
    expect(fixed.ran && fixed.results[0]!.status).toBe("written");
    expect((await exportEvents()).length).toBe(before + 1);
    const done = await db.prisma.scheduledReportRun.findFirstOrThrow();
    expect(done).toMatchObject({ status: "SUCCEEDED", attempts: 2, exportId: failed.exportId, auditEventId: failed.auditEventId, generatedAt: failed.generatedAt });
    const pdf = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key: `retry/rootwarden-compliance-${ORG_ID}-20261130T235959Z.pdf` }))).Body!.transformToByteArray());
    const file = path.join(tmp, "retry.pdf");
    writeFileSync(file, pdf);
    expect(execFileSync("pdftotext", ["-layout", file, "-"]).toString()).toContain(await auditEventLabel(db.prisma, failed.auditEventId!));
  });

  it("says what to fix when the bucket does not exist or is someone else's", async () => {
    await configure({ enabled: true, destination: { type: "s3", bucket: "no-such-bucket-rw", prefix: "" }, formats: ["csv"] });
    const out = await run(DEC_1);
    expect(out.ran && out.results[0]).toMatchObject({ status: "failed", error: expect.stringContaining("The bucket no-such-bucket-rw does not exist (NoSuchBucket)") });
    await db.prisma.scheduledReportRun.deleteMany();
    const other = [...sim.state.buckets.values()].find((b) => b.accountId !== sim.managementAccountId)!;
    await configure({ destination: { type: "s3", bucket: other.name, prefix: "r/" } });
    const denied = await run(DEC_1);
    expect(denied.ran && denied.results[0]!.error).toContain(`may not write to s3://${other.name}/r/ (AccessDenied). Allow it s3:PutObject on arn:aws:s3:::${other.name}/r/*`);
  });
});

describe("the scheduled report's setting", () => {
  it("refuses bad values with a 400 that says what to fix, and changes nothing", async () => {
    await configure({ enabled: false, destination: null, formats: ["csv", "pdf"] });
    const bad: [Record<string, unknown>, string][] = [
      [{ destination: { type: "directory", path: "reports/monthly" } }, "destination.path: must be an absolute path (starting with /)"],
      [{ destination: { type: "s3", bucket: "My_Bucket" } }, "destination.bucket: is not an S3 bucket name"],
      [{ destination: { type: "s3", bucket: "good-bucket", prefix: "/reports/" } }, "destination.prefix: must not start with /"],
      [{ destination: { type: "ftp", host: "x" } }, 'destination.type: must have type "directory" (with path) or "s3"'],
      [{ formats: [] }, "formats: must name at least one format"],
      [{ formats: ["csv", "xls"] }, "formats.1: must each be one of csv, json, jsonl, pdf"],
      [{ formats: ["csv", "csv"] }, "formats: must not name a format twice"],
      [{ enabled: true }, "destination: is needed to turn the schedule on"],
      [{ enabled: "yes" }, "enabled: must be true or false"],
      [{ every: "week" }, "Unrecognized key"],
    ];
    for (const [patch, message] of bad) {
      await expect(configure(patch), JSON.stringify(patch)).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining(message) });
    }
    expect(await getReportSchedule({ actor: admin, db: db.prisma })).toEqual({ enabled: false, destination: null, formats: ["csv", "pdf"] });
  });

  it("audits each changed field as settings.changed by the admin", async () => {
    await configure({ enabled: false, destination: null, formats: ["csv"] });
    await flushAuditTrail(db.prisma);
    const from = await db.prisma.auditEvent.count();
    await configure({ enabled: true, destination: { type: "directory", path: "/srv/rootwarden/reports/" }, formats: ["csv"] });
    await flushAuditTrail(db.prisma);
    const events = await db.prisma.auditEvent.findMany({ where: { seq: { gte: from } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.type, e.actorUserId, e.payload])).toEqual([
      ["settings.changed", admin.userId, { setting: "reports.schedule.enabled", from: false, to: true }],
      ["settings.changed", admin.userId, { setting: "reports.schedule.destination", from: null, to: { type: "directory", path: "/srv/rootwarden/reports" } }],
    ]);
  });

  it("is refused to people without the permission", async () => {
    await expect(updateReportSchedule({ actor: auditor, db: db.prisma, patch: { enabled: false }, now: DEC_1 })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("settings.write") });
    await expect(updateReportSchedule({ actor: null, db: db.prisma, patch: { enabled: false }, now: DEC_1 })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(getReportSchedule({ actor: auditor, db: db.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(getReportScheduleStatus({ actor: viewer, db: db.prisma, now: DEC_1 })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("reports.export") });
    await expect(runScheduledReport({ actor: admin, db: db.prisma, pool, now: DEC_1, freshnessHours: FRESHNESS_HOURS, s3: () => s3 })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("getReportScheduleStatus", () => {
  it("shows the month due, then the next month once every format is written, with each run's result", async () => {
    await configure({ enabled: true, destination: { type: "directory", path: dir }, formats: ["csv"] });
    const due = await getReportScheduleStatus({ actor: auditor, db: db.prisma, now: DEC_1 });
    expect(due).toMatchObject({ destination: `directory ${dir}`, next: { period: "2026-11", dueFrom: DEC_1 }, runs: [] });
    await run(DEC_1);
    const later = new Date("2026-12-09T10:00:00.000Z");
    const status = await getReportScheduleStatus({ actor: auditor, db: db.prisma, now: later });
    expect(status.next).toEqual({ period: "2026-12", asOf: new Date("2026-12-31T23:59:59.999Z"), dueFrom: new Date("2027-01-01T00:00:00.000Z") });
    expect(status.runs).toMatchObject([{ period: "2026-11", format: "csv", status: "SUCCEEDED", location: path.join(dir, `rootwarden-compliance-${ORG_ID}-20261130T235959Z.csv`), error: null }]);
    expect(existsSync(status.runs[0]!.location)).toBe(true);
  });

  it("names the period a time belongs to in UTC", () => {
    expect(scheduledPeriod(new Date("2027-01-01T00:00:00.000Z"))).toEqual({ period: "2026-12", asOf: new Date("2026-12-31T23:59:59.999Z") });
    expect(scheduledPeriod(new Date("2026-03-31T23:59:59.999Z"))).toEqual({ period: "2026-02", asOf: new Date("2026-02-28T23:59:59.999Z") });
  });
});
