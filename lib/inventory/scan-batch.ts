// Runs one batch job of a scan: audits each still-PENDING account (bounded by the process-wide
// limiter) and records results in chunks. Safe to run twice: only PENDING -> DONE/FAILED counts.
import { randomUUID } from "node:crypto";
import { SYSTEM } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { auditRootCredentials, type TRootCredentialAudit } from "@/lib/aws/audit-root-credentials";
import type { TAwsContext } from "@/lib/aws/context";
import { AwsCallError, toAwsCallError } from "@/lib/aws/errors";
import type { TLimiter } from "@/lib/aws/limit";
import { getConfig } from "@/lib/config";
import { evaluateAccount } from "./compliance";
import { rollUpComplianceDays, TREND_DAYS } from "./roll-up-compliance-days";

export type TScanResult =
  | { accountId: string; takenAt: Date; ok: true; audit: TRootCredentialAudit }
  | { accountId: string; takenAt: Date; ok: false; errorCode: string; errorMessage: string };

export type TScanBatchContext = {
  db: PrismaClient;
  aws: TAwsContext;
  /** Shared by every batch in this process: SCAN_CONCURRENCY audits in flight at most. */
  limit: TLimiter;
  /** Aborted when the worker is stopped abruptly: no further audits start and nothing more is written. */
  signal?: AbortSignal;
  /** Answers from a short-lived cache so cancelling stops a scan within a second or two. */
  isCancelled: (scanId: string) => Promise<boolean>;
};

/** Results are written in chunks: one transaction per chunk instead of several round trips per account. */
const FLUSH_SIZE = 25;

export async function runScanBatch(ctx: TScanBatchContext, job: { scanId: string; accountIds: string[] }): Promise<void> {
  const { db } = ctx;
  const scan = await db.scan.findUnique({ where: { id: job.scanId }, select: { status: true, organizationId: true } });
  if (!scan || !["QUEUED", "RUNNING"].includes(scan.status)) return;
  await db.scan.updateMany({ where: { id: job.scanId, status: "QUEUED" }, data: { status: "RUNNING", startedAt: new Date() } });

  const pending = await db.scanAccount.findMany({
    where: { scanId: job.scanId, accountId: { in: job.accountIds }, status: "PENDING" },
    select: { accountId: true },
  });

  let buffer: TScanResult[] = [];
  let writing: Promise<void> = Promise.resolve();
  let earliest: Date | undefined;
  const flush = () => {
    const chunk = buffer;
    buffer = [];
    for (const r of chunk) if (!earliest || r.takenAt < earliest) earliest = r.takenAt;
    // Chained so chunks of one batch never race each other; a failure surfaces at the final await.
    writing = writing.then(() => (chunk.length > 0 ? recordResults(db, job.scanId, scan.organizationId, chunk, ctx.signal) : undefined));
    return writing;
  };

  await Promise.all(
    pending.map(({ accountId }) =>
      ctx.limit(async () => {
        if (ctx.signal?.aborted || (await ctx.isCancelled(job.scanId))) return;
        const result = await scanOneAccount(ctx.aws, accountId, ctx.signal);
        if (ctx.signal?.aborted) return;
        buffer.push(result);
        if (buffer.length >= FLUSH_SIZE) await flush();
      }),
    ),
  );
  await flush();
  await finishScanIfDone(db, job.scanId);
  await rollUpTrend(db, scan.organizationId, earliest);
}

/**
 * Keeps the overview trend's daily roll-up current: the first batch after a day settles writes it
 * (and a batch whose snapshots reach back into a settled day redoes it). Derived data only, so a
 * failure is logged rather than failing the batch; the overview computes any missing day itself.
 */
async function rollUpTrend(db: PrismaClient, organizationId: string, earliest: Date | undefined): Promise<void> {
  try {
    const freshnessHours = getConfig().COMPLIANCE_FRESHNESS_HOURS;
    await rollUpComplianceDays({ actor: SYSTEM, db, organizationId, now: new Date(), freshnessHours, days: TREND_DAYS, redoFrom: earliest });
  } catch (err) {
    console.warn(`Compliance trend roll-up failed (the overview will compute it): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One account audit; never throws: a failure becomes a result with a safe code and message. */
export async function scanOneAccount(aws: TAwsContext, accountId: string, signal?: AbortSignal): Promise<TScanResult> {
  try {
    const audit = await auditRootCredentials(aws, accountId, { signal });
    return { accountId, takenAt: new Date(), ok: true, audit };
  } catch (err) {
    const safe = err instanceof AwsCallError ? err : toAwsCallError(err, "audit");
    return { accountId, takenAt: new Date(), ok: false, errorCode: safe.code, errorMessage: safe.message };
  }
}

/**
 * Records a chunk in one transaction: PENDING -> DONE/FAILED (guarded, so a retried batch or a cancel
 * in between wins), snapshots for exactly the rows that moved, the accounts' denormalized status, and
 * the scan counters from those same rows.
 */
export async function recordResults(
  db: PrismaClient,
  scanId: string,
  organizationId: string,
  results: TScanResult[],
  signal?: AbortSignal,
): Promise<void> {
  const rows = results.map((r) => {
    const snapshotId = randomUUID();
    if (!r.ok) {
      return { r, snapshotId, status: "ERROR", failingRules: [] as string[], scanStatus: "FAILED", reason: r.errorMessage };
    }
    const evaluation = evaluateAccount(r.audit);
    return { r, snapshotId, status: evaluation.status, failingRules: evaluation.failingRules as string[], scanStatus: "DONE", reason: null };
  });
  if (signal?.aborted) throw new Error("Worker stopped; results not recorded.");
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  const audit = (x: (typeof rows)[number]) => (x.r.ok ? x.r.audit : null);
  // One statement, so one round trip and atomic: the guarded transition decides which rows count,
  // and every other write joins on exactly those rows.
  await db.$executeRaw`
    WITH t AS (
      SELECT * FROM unnest(
        ${rows.map((x) => x.r.accountId)}::text[], ${rows.map((x) => x.snapshotId)}::uuid[],
        ${rows.map((x) => x.r.takenAt.toISOString())}::timestamptz[], ${rows.map((x) => x.scanStatus)}::text[],
        ${rows.map((x) => x.status)}::text[], ${rows.map((x) => x.failingRules.join(","))}::text[],
        ${rows.map((x) => x.reason)}::text[], ${rows.map((x) => (x.r.ok ? null : x.r.errorCode))}::text[],
        ${rows.map((x) => audit(x)?.passwordPresent ?? null)}::boolean[],
        ${rows.map((x) => audit(x)?.passwordCreatedAt ?? null)}::timestamptz[],
        ${rows.map((x) => json(audit(x)?.accessKeys))}::jsonb[], ${rows.map((x) => json(audit(x)?.signingCertificates))}::jsonb[],
        ${rows.map((x) => json(audit(x)?.mfaDevices))}::jsonb[], ${rows.map((x) => json(audit(x)?.summary))}::jsonb[]
      ) AS t(aid, sid, at, scan_status, status, rules, reason, error_code, password, password_at, keys, certs, mfa, summary)
    ),
    moved AS (
      UPDATE "ScanAccount" sa
      SET "status" = t.scan_status, "snapshotId" = t.sid, "reason" = t.reason, "finishedAt" = t.at
      FROM t
      WHERE sa."scanId" = ${scanId}::uuid AND sa."accountId" = t.aid AND sa."status" = 'PENDING'
      RETURNING sa."accountId" AS aid
    ),
    kept AS (SELECT t.* FROM t JOIN moved ON moved.aid = t.aid),
    snapshots AS (
      INSERT INTO "CredentialSnapshot" ("id", "accountId", "organizationId", "scanId", "takenAt", "passwordPresent",
        "passwordCreatedAt", "accessKeys", "signingCertificates", "mfaDevices", "summary", "status", "failingRules",
        "errorCode", "errorMessage")
      SELECT sid, aid, ${organizationId}, ${scanId}::uuid, at, password, password_at, keys, certs, mfa, summary, status,
        string_to_array(rules, ','), error_code, CASE WHEN error_code IS NULL THEN NULL ELSE reason END
      FROM kept
    ),
    accounts AS (
      -- Only a newer snapshot replaces the account's latest (two scans can overlap).
      UPDATE "Account" a
      SET "status" = kept.status, "failingRules" = string_to_array(kept.rules, ','), "statusReason" = kept.reason,
          "lastScannedAt" = kept.at, "latestSnapshotId" = kept.sid
      FROM kept
      WHERE a."id" = kept.aid AND (a."lastScannedAt" IS NULL OR a."lastScannedAt" <= kept.at)
    )
    UPDATE "Scan"
    SET "done" = "done" + (SELECT count(*) FROM kept),
        "failed" = "failed" + (SELECT count(*) FROM kept WHERE kept.error_code IS NOT NULL)
    WHERE "id" = ${scanId}::uuid`;
}

/** Closes the scan once no account is PENDING; whoever commits the last results closes it. */
export async function finishScanIfDone(db: PrismaClient, scanId: string): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE "Scan" SET "status" = 'SUCCEEDED', "finishedAt" = now()
    WHERE "id" = ${scanId}::uuid AND "status" IN ('QUEUED', 'RUNNING')
      AND NOT EXISTS (SELECT 1 FROM "ScanAccount" WHERE "scanId" = ${scanId}::uuid AND "status" = 'PENDING')`;
  return n > 0;
}

/** A batch that failed on its last attempt: its remaining accounts are FAILED with the reason. */
export async function failRemainingAccounts(db: PrismaClient, scanId: string, accountIds: string[], reason: string): Promise<void> {
  const scan = await db.scan.findUnique({ where: { id: scanId }, select: { organizationId: true } });
  if (!scan) return;
  const now = new Date();
  await recordResults(
    db,
    scanId,
    scan.organizationId,
    accountIds.map((accountId) => ({ accountId, takenAt: now, ok: false, errorCode: "BatchFailed", errorMessage: reason })),
  );
  await finishScanIfDone(db, scanId);
}
