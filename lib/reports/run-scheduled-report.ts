// The scheduled report (a worker's pg-boss tick): once a month is over, the compliance report as of
// its last millisecond (UTC) is written to the configured directory or S3 bucket in each chosen
// format, and recorded as report.exported with actor SYSTEM. Once per month and format, however
// many ticks, workers or retries: one ScheduledReportRun row per (organization, month, format) is
// claimed by one worker at a time, and the export is recorded in the same transaction that marks
// the row, guarded by that claim.
//
// Order, so that a crash anywhere leaves neither a second record nor a half-written file:
// - CSV / JSON / JSON Lines: rows -> local working file -> destination (whole or nothing) ->
//   record + SUCCEEDED in one transaction. A crash before the record leaves at most a file the
//   retry rewrites with the same bytes (an as-of report reads the same later).
// - PDF: its last page names the audit event, so the data is read and hashed, the export recorded
//   (the row keeps its export id, event and time), then the PDF is rendered and written. A retry
//   of a recorded row renders the same report again from that record instead of recording anew.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import type pg from "pg";
import { SYSTEM, type TCaller } from "@/lib/auth/actor";
import { redactSecrets } from "@/lib/aws/errors";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError, isAppError } from "@/lib/errors";
import { compliancePdfDocument, readCompliancePdfData } from "./export-compliance-pdf";
import { CONTENT_TYPES, reportFilename, streamReportBytes } from "./export-report";
import { auditEventLabel, recordReportExport, type TRecordedExport } from "./record-report-export";
import { ReportDestinationError, localWorkFile, reportStore, type TReportStore } from "./report-destination";
import { filtersToRecord, type TReportFormat } from "./report-query";
import { readReportSchedule } from "./report-schedule";
import { resolveReportScope, type TReportScope } from "./resolve-report-scope";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export type TScheduledFormatResult = {
  format: TReportFormat;
  /** written: by this call; done: earlier; running: another worker holds it; failed: this call failed; waiting: failed earlier, retried later. */
  status: "written" | "done" | "running" | "failed" | "waiting";
  location: string;
  error?: string;
};

export type TScheduledReportOutcome =
  | { ran: false; reason: string }
  | { ran: true; period: string; asOf: Date; results: TScheduledFormatResult[] };

export type TRunScheduledReportOptions = {
  /** SYSTEM only: the workers run it; people change its setting. */
  actor: TCaller | null | undefined;
  db: PrismaClient;
  pool: pg.Pool;
  now: Date;
  freshnessHours: number;
  /** The workers' S3 client, asked for only when the destination is a bucket. */
  s3: () => S3Client;
  /** How long a claim holds before another worker may take the month over (default 30 minutes). */
  leaseMinutes?: number;
};

/** A failed month and format is tried again after this long, or at once when the setting changes. */
export const RETRY_FAILED_AFTER_MS = 60 * 60_000;

type TRunRow = {
  id: string;
  status: string;
  exportId: string | null;
  auditEventId: string | null;
  generatedAt: Date | null;
  sha256: string | null;
};

/** The month a run at `now` reports on: the last complete UTC month, as of its last millisecond. */
export function scheduledPeriod(now: Date): { period: string; asOf: Date } {
  const asOf = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 1);
  return { period: asOf.toISOString().slice(0, 7), asOf };
}

export async function runScheduledReport(options: TRunScheduledReportOptions): Promise<TScheduledReportOutcome> {
  if (options.actor !== SYSTEM) {
    throw new AppError("FORBIDDEN", "The scheduled report is run by the workers on their own; an admin changes its setting in Settings › Scheduled report.");
  }
  const { db, now } = options;
  const schedule = await readReportSchedule(db);
  if (!schedule.enabled || !schedule.destination) return { ran: false, reason: "The scheduled report is off (Settings › Scheduled report)." };
  const { period, asOf } = scheduledPeriod(now);
  const store = reportStore(schedule.destination, options.s3);
  const results: TScheduledFormatResult[] = [];
  for (const format of schedule.formats) {
    let scope: TReportScope;
    try {
      scope = await resolveReportScope({ actor: SYSTEM, db, query: { format, asOf: asOf.toISOString() }, now, freshnessHours: options.freshnessHours });
    } catch (err) {
      if (isAppError(err) && err.code === "NOT_FOUND") return { ran: false, reason: err.message };
      throw err;
    }
    results.push(await runFormat({ ...options, scope, store, period, settingChangedAt: schedule.updatedAt }));
  }
  return { ran: true, period, asOf, results };
}

type TFormatContext = TRunScheduledReportOptions & { scope: TReportScope; store: TReportStore; period: string; settingChangedAt: Date | null };

async function runFormat(ctx: TFormatContext): Promise<TScheduledFormatResult> {
  const { db, now, scope, store } = ctx;
  const format = scope.query.format;
  const name = reportFilename(scope, format);
  const location = store.locationOf(name);
  const token = randomUUID();
  const claim = await claimRun(ctx, name, token);
  if (!claim.run) return { format, status: claim.status, location: claim.location ?? location, error: claim.error ?? undefined };
  const run = claim.run;
  const workFile = localWorkFile(name);
  try {
    // Before anything is recorded: a PDF's record comes before its file.
    await store.check();
    if (format === "pdf") {
      const data = await readCompliancePdfData(scope, ctx.pool);
      let rec: TRecordedExport;
      let generatedAt: Date;
      if (run.exportId && run.auditEventId && run.generatedAt && run.sha256 === data.sha256) {
        // Recorded by an attempt that did not get to write the file: the same report again.
        rec = { id: run.exportId, auditEventId: await auditEventLabel(db, run.auditEventId) };
        generatedAt = run.generatedAt;
      } else {
        // First attempt, or the data changed since an earlier attempt recorded an export whose file
        // was never written (e.g. the organization's features were read again): record this one.
        rec = await recordReportExport({
          ...recordFields(scope, location, data.rowCount, data.sha256, now),
          db,
          inTransaction: (tx, recorded) => markRecorded(tx, run.id, token, recorded, data.rowCount, data.sha256, now),
        });
        generatedAt = now;
      }
      await pipeline(compliancePdfDocument(scope, data, rec, generatedAt), createWriteStream(workFile));
      await store.put(name, workFile, CONTENT_TYPES.pdf);
      const { size } = await stat(workFile);
      const n = await db.$executeRaw`
        UPDATE "ScheduledReportRun" SET "status" = 'SUCCEEDED', "bytes" = ${size}, "error" = NULL, "finishedAt" = ${now}, "claimToken" = NULL, "leaseUntil" = NULL
        WHERE "id" = ${run.id}::uuid AND "claimToken" = ${token}::uuid AND "status" = 'RUNNING'`;
      if (n !== 1) throw lostClaim();
    } else {
      const { stream, finished } = streamReportBytes(scope, ctx.pool, undefined, async () => ({}));
      await pipeline(Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(workFile));
      const { rowCount, sha256 } = await finished;
      await store.put(name, workFile, CONTENT_TYPES[format]);
      const { size } = await stat(workFile);
      await recordReportExport({
        ...recordFields(scope, location, rowCount, sha256, now),
        db,
        inTransaction: async (tx, recorded) => {
          await markRecorded(tx, run.id, token, recorded, rowCount, sha256, now);
          await tx.$executeRaw`UPDATE "ScheduledReportRun" SET "status" = 'SUCCEEDED', "bytes" = ${size}, "error" = NULL, "finishedAt" = ${now},
                               "claimToken" = NULL, "leaseUntil" = NULL WHERE "id" = ${run.id}::uuid`;
        },
      });
    }
    return { format, status: "written", location };
  } catch (err) {
    const error = failureMessage(err);
    await db.$executeRaw`UPDATE "ScheduledReportRun" SET "status" = 'FAILED', "error" = ${error}, "finishedAt" = ${now}, "claimToken" = NULL, "leaseUntil" = NULL
                         WHERE "id" = ${run.id}::uuid AND "claimToken" = ${token}::uuid`;
    return { format, status: "failed", location, error };
  } finally {
    await rm(workFile, { force: true });
  }
}

/**
 * Takes the month's row for this format: a new one, a failed one due for a retry, or a running one
 * whose claim expired (its worker died). Otherwise says who has it.
 */
async function claimRun(
  ctx: TFormatContext,
  name: string,
  token: string,
): Promise<{ run: TRunRow; status?: never; location?: never; error?: never } | { run: null; status: TScheduledFormatResult["status"]; location: string | null; error: string | null }> {
  const { db, now, scope, store, period } = ctx;
  const format = scope.query.format;
  const orgId = scope.organization.id;
  const leaseUntil = new Date(now.getTime() + (ctx.leaseMinutes ?? 30) * 60_000);
  const destination = store.description;
  const objectName = store.locationOf(name);
  const inserted = await db.$queryRaw<TRunRow[]>`
    INSERT INTO "ScheduledReportRun" ("id", "organizationId", "period", "format", "asOf", "destination", "objectName", "status", "attempts",
                                      "claimToken", "leaseUntil", "startedAt")
    VALUES (${randomUUID()}::uuid, ${orgId}, ${period}, ${format}, ${scope.asOf}, ${destination}, ${objectName}, 'RUNNING', 1,
            ${token}::uuid, ${leaseUntil}, ${now})
    ON CONFLICT ("organizationId", "period", "format") DO NOTHING
    RETURNING "id", "status", "exportId", "auditEventId", "generatedAt", "sha256"`;
  if (inserted[0]) return { run: inserted[0] };
  const retryBefore = new Date(now.getTime() - RETRY_FAILED_AFTER_MS);
  const settingChangedAt = ctx.settingChangedAt ?? new Date(0);
  const reclaimed = await db.$queryRaw<TRunRow[]>`
    UPDATE "ScheduledReportRun"
    SET "status" = 'RUNNING', "attempts" = "attempts" + 1, "claimToken" = ${token}::uuid, "leaseUntil" = ${leaseUntil},
        "destination" = ${destination}, "objectName" = ${objectName}, "startedAt" = ${now}, "finishedAt" = NULL
    WHERE "organizationId" = ${orgId} AND "period" = ${period} AND "format" = ${format}
      AND (("status" = 'FAILED' AND ("finishedAt" <= ${retryBefore} OR "finishedAt" < ${settingChangedAt}))
           OR ("status" = 'RUNNING' AND "leaseUntil" < ${now}))
    RETURNING "id", "status", "exportId", "auditEventId", "generatedAt", "sha256"`;
  if (reclaimed[0]) return { run: reclaimed[0] };
  const row = await db.scheduledReportRun.findUnique({ where: { organizationId_period_format: { organizationId: orgId, period, format } } });
  if (!row) return { run: null, status: "running", location: null, error: null };
  const status = row.status === "SUCCEEDED" ? "done" : row.status === "FAILED" ? "waiting" : "running";
  return { run: null, status, location: row.objectName, error: row.error };
}

function recordFields(scope: TReportScope, destination: string, rowCount: number, sha256: string, now: Date) {
  return {
    actor: SYSTEM,
    destination,
    organizationId: scope.organization.id,
    kind: scope.query.kind,
    format: scope.query.format,
    filters: filtersToRecord(scope.query),
    asOf: scope.asOf,
    freshnessHours: scope.freshnessHours,
    rowCount,
    sha256,
    now,
  } as const;
}

/** Inside the recording transaction: the row must still be this attempt's, or nothing is recorded. */
async function markRecorded(tx: TTx, id: string, token: string, rec: TRecordedExport, rowCount: number, sha256: string, now: Date): Promise<void> {
  const n = await tx.$executeRaw`
    UPDATE "ScheduledReportRun" SET "exportId" = ${rec.id}::uuid, "auditEventId" = ${rec.auditEventId}, "generatedAt" = ${now},
           "rowCount" = ${rowCount}, "sha256" = ${sha256}
    WHERE "id" = ${id}::uuid AND "claimToken" = ${token}::uuid AND "status" = 'RUNNING'`;
  if (n !== 1) throw lostClaim();
}

function lostClaim(): Error {
  return new Error("Another worker took this month's report over (this attempt outlived its claim); it stops without recording anything.");
}

function failureMessage(err: unknown): string {
  if (err instanceof ReportDestinationError || isAppError(err)) return err.message;
  return redactSecrets(err instanceof Error ? err.message : String(err)).slice(0, 1000);
}
