// Runs one batch job of a scan: audits each still-PENDING account (bounded by the process-wide
// limiter) and records results in chunks. Safe to run twice: only PENDING -> DONE/FAILED counts.
import { randomUUID } from "node:crypto";
import { appendAuditEvent, type TAuditTx } from "@/lib/audit/append";
import { SYSTEM } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { auditRootCredentials, type TRootCredentialAudit } from "@/lib/aws/audit-root-credentials";
import type { TAwsContext } from "@/lib/aws/context";
import { AwsCallError, redactSecrets } from "@/lib/aws/errors";
import type { TLimiter } from "@/lib/aws/limit";
import { getConfig } from "@/lib/config";
import { enqueueNotification } from "@/lib/notify/enqueue-notification";
import { evaluateAccount } from "./compliance";
import { detectAccountDrift, type TDriftFacts } from "./detect-drift";
import { notifyPendingDrift, recordDrift, type TDriftToRecord } from "./record-drift";
import { rollUpComplianceDays, TREND_DAYS } from "./roll-up-compliance-days";
import { checkOrgFeatures } from "./sync-organization";

export type TScanResult =
  | { accountId: string; takenAt: Date; ok: true; audit: TRootCredentialAudit }
  /** errorMessage is stored and shown to viewers: written for people, never AWS, driver or worker text. */
  | { accountId: string; takenAt: Date; ok: false; errorCode: string; errorMessage: string };

/** Why accounts failed without an audit result: a code and a message for people (details are logged). */
export type TScanFailure = { code: string; message: string };

export function batchFailure(attempts: number): TScanFailure {
  return {
    code: "BatchFailed",
    message: `The scan batch failed ${attempts} times; the next scan will try again. If it keeps failing, an administrator can find the cause in the server log.`,
  };
}

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

/** `notified`: something was written to the notification outbox (the caller asks for a delivery). */
export async function runScanBatch(ctx: TScanBatchContext, job: { scanId: string; accountIds: string[] }): Promise<{ notified: boolean }> {
  const { db } = ctx;
  const scan = await db.scan.findUnique({ where: { id: job.scanId }, select: { status: true, organizationId: true, scopeType: true, trigger: true } });
  if (!scan || !["QUEUED", "RUNNING"].includes(scan.status)) return { notified: false };
  let notified = false;
  const started = await db.scan.updateMany({ where: { id: job.scanId, status: "QUEUED" }, data: { status: "RUNNING", startedAt: new Date() } });
  // The batch that starts a manual full scan reads the org features too (a scheduled one synced
  // just before it started), so a feature turned off is drift found by this scan.
  if (started.count === 1 && scan.scopeType === "ORG" && scan.trigger === "MANUAL") {
    notified = await checkFeaturesAtScanStart(ctx, job.scanId, scan.organizationId);
  }

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
    writing = writing.then(async () => {
      if (chunk.length === 0) return;
      const recorded = await recordResults(db, job.scanId, scan.organizationId, chunk, ctx.signal);
      notified ||= recorded.notified;
    });
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
  const closed = await finishScanIfDone(db, job.scanId);
  await rollUpTrend(db, scan.organizationId, earliest);
  return { notified: notified || closed.notified };
}

/** Never fails the batch: a features read that AWS refuses is stored as unknown, any other failure is logged. */
async function checkFeaturesAtScanStart(ctx: TScanBatchContext, scanId: string, organizationId: string): Promise<boolean> {
  try {
    const out = await checkOrgFeatures({ actor: SYSTEM, db: ctx.db, aws: ctx.aws, organizationId, scanId, now: new Date(), signal: ctx.signal });
    return out.notified;
  } catch (err) {
    console.warn(`[scan] reading the organization features at the start of scan ${scanId} failed: ${redactSecrets(errorText(err))}`);
    return false;
  }
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

/**
 * One account audit; never throws: a failure becomes a result with a code and a message for people,
 * and AWS's own (redacted) text goes to the server log only.
 */
export async function scanOneAccount(aws: TAwsContext, accountId: string, signal?: AbortSignal): Promise<TScanResult> {
  try {
    const audit = await auditRootCredentials(aws, accountId, { signal });
    return { accountId, takenAt: new Date(), ok: true, audit };
  } catch (err) {
    if (!(err instanceof AwsCallError)) {
      // Not an AWS answer: a bug or a local failure. Its text is for the log, never for viewers.
      console.error(`[scan] audit of account ${accountId} failed inside Rootwarden: ${redactSecrets(errorText(err))}`);
      const message = "The audit failed inside Rootwarden; the next scan will try again. If it keeps failing, an administrator can find the cause in the server log.";
      return { accountId, takenAt: new Date(), ok: false, errorCode: "AuditFailed", errorMessage: message };
    }
    console.error(`[scan] audit of account ${accountId} failed: ${err.code}: ${err.message}`);
    return { accountId, takenAt: new Date(), ok: false, errorCode: err.code, errorMessage: err.publicMessage };
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
): Promise<{ drifts: number; notified: boolean }> {
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
  // One statement for the writes: the guarded transition decides which rows count, and every other
  // write joins on exactly those rows. It returns, for the rows that moved and succeeded, what drift
  // detection compares: the previous successful snapshot (the statement sees the table as it was
  // before its own insert) and whether the account joined after the organization's first inventory.
  return db.$transaction(async (tx) => {
    const compared = await tx.$queryRaw<TComparedRow[]>`
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
        SET "status" = t.scan_status, "snapshotId" = t.sid, "reason" = t.reason, "reasonCode" = t.error_code, "finishedAt" = t.at
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
            "statusReasonCode" = kept.error_code,
            "lastScannedAt" = kept.at, "latestSnapshotId" = kept.sid
        FROM kept
        WHERE a."id" = kept.aid AND (a."lastScannedAt" IS NULL OR a."lastScannedAt" <= kept.at)
      ),
      counted AS (
        UPDATE "Scan"
        SET "done" = "done" + (SELECT count(*) FROM kept),
            "failed" = "failed" + (SELECT count(*) FROM kept WHERE kept.error_code IS NOT NULL)
        WHERE "id" = ${scanId}::uuid
      )
      SELECT kept.aid AS "accountId", a."name" AS "accountName",
        COALESCE(a."firstSyncedAt" > o."firstSyncedAt", false) AS "joinedAfterInventory",
        p."id" IS NOT NULL AS "hasPrevious", p."passwordPresent", p."passwordCreatedAt", p."accessKeys", p."signingCertificates",
        p."mfaDevices", p."status", p."failingRules"
      FROM kept
      JOIN "Account" a ON a."id" = kept.aid
      JOIN "Organization" o ON o."id" = a."organizationId"
      LEFT JOIN LATERAL (
        SELECT s."id", s."passwordPresent", s."passwordCreatedAt", s."accessKeys", s."signingCertificates", s."mfaDevices",
               s."status", s."failingRules"
        FROM "CredentialSnapshot" s
        WHERE s."accountId" = kept.aid AND s."errorCode" IS NULL AND s."takenAt" < kept.at
        ORDER BY s."takenAt" DESC LIMIT 1
      ) p ON true
      WHERE kept.error_code IS NULL`;
    return recordScanDrift(tx, scanId, organizationId, rows, compared);
  }, { timeout: 60_000, maxWait: 30_000 });
}

type TComparedRow = {
  accountId: string;
  accountName: string;
  joinedAfterInventory: boolean;
  hasPrevious: boolean;
  passwordPresent: boolean | null;
  passwordCreatedAt: Date | null;
  accessKeys: { accessKeyId: string }[] | null;
  signingCertificates: { certificateId: string }[] | null;
  mfaDevices: { serialNumber: string }[] | null;
  status: string | null;
  failingRules: string[] | null;
};

/**
 * Drift of the chunk's successful results against each account's previous successful snapshot.
 * The first chunk of a scan that finds drift notifies at once (the guarded UPDATE of the scan row,
 * locked by this transaction's counter update already, lets exactly one chunk do so); later drift
 * waits for the one summary the scan's close sends (notifyPendingDrift).
 */
async function recordScanDrift(
  tx: TAuditTx & { $queryRaw: PrismaClient["$queryRaw"] },
  scanId: string,
  organizationId: string,
  rows: { r: TScanResult; status: string; failingRules: string[] }[],
  compared: TComparedRow[],
): Promise<{ drifts: number; notified: boolean }> {
  const byAccount = new Map(rows.map((x) => [x.r.accountId, x]));
  const drifts: TDriftToRecord[] = [];
  for (const c of compared) {
    const x = byAccount.get(c.accountId);
    if (!x || !x.r.ok) continue;
    const current: TDriftFacts = { ...x.r.audit, status: x.status, failingRules: x.failingRules };
    const previous: TDriftFacts | null = c.hasPrevious
      ? { passwordPresent: c.passwordPresent, passwordCreatedAt: c.passwordCreatedAt, accessKeys: c.accessKeys, signingCertificates: c.signingCertificates, mfaDevices: c.mfaDevices, status: c.status ?? "UNKNOWN", failingRules: c.failingRules ?? [] }
      : null;
    const drift = detectAccountDrift({ accountId: c.accountId, previous, current, joinedAfterInventory: c.joinedAfterInventory });
    if (drift) drifts.push({ ...drift, accountName: c.accountName });
  }
  if (drifts.length === 0) return { drifts: 0, notified: false };
  const now = new Date();
  const claimed = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Scan" SET "driftNotifiedAt" = ${now} WHERE "id" = ${scanId}::uuid AND "driftNotifiedAt" IS NULL RETURNING "id"::text AS id`;
  const recorded = await recordDrift(tx, { organizationId, scanId, drifts, detectedAt: now, notify: claimed.length > 0 });
  return { drifts: drifts.length, notified: recorded.notified };
}

/**
 * Closes the scan once no account is PENDING; whoever commits the last results closes it (and records
 * it). `notified`: the close wrote notifications (drift summary, scan.failed).
 */
export async function finishScanIfDone(db: PrismaClient, scanId: string, now: Date = new Date()): Promise<{ closed: boolean; notified: boolean }> {
  return db.$transaction(async (tx) => {
    const [closed] = await tx.$queryRaw<TFinishedScan[]>`
      UPDATE "Scan" SET "status" = 'SUCCEEDED', "finishedAt" = ${now}
      WHERE "id" = ${scanId}::uuid AND "status" IN ('QUEUED', 'RUNNING')
        AND NOT EXISTS (SELECT 1 FROM "ScanAccount" WHERE "scanId" = ${scanId}::uuid AND "status" = 'PENDING')
      RETURNING "id"::text AS id, "organizationId", "status", "total", "done", "failed", "skipped", "error", "scopeLabel"`;
    if (!closed) return { closed: false, notified: false };
    const finished = await appendScanFinished(tx, closed, now);
    return { closed: true, notified: finished.notified };
  });
}

type TFinishedScan = {
  id: string;
  organizationId: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  error: string | null;
  scopeLabel?: string;
};

/**
 * The scan.finished event, written by whoever closes the scan, in the transaction that closes it;
 * with it the scan's drift summary (drift no chunk's message covered) and, for a FAILED scan or
 * one with failed accounts, the scan.failed notification.
 */
export async function appendScanFinished(tx: TAuditTx, scan: TFinishedScan, now: Date = new Date()): Promise<{ notified: boolean }> {
  await appendAuditEvent(tx, {
    type: "scan.finished",
    actor: SYSTEM,
    organizationId: scan.organizationId,
    target: { type: "SCAN", id: scan.id },
    payload: {
      scanId: scan.id,
      status: scan.status === "FAILED" ? "FAILED" : "SUCCEEDED",
      total: scan.total,
      done: scan.done,
      failed: scan.failed,
      skipped: scan.skipped,
      error: scan.error,
    },
  });
  const drift = await notifyPendingDrift(tx, scan, now);
  const failed = await notifyScanFailed(tx, scan, now);
  return { notified: drift || failed };
}

/** scan.failed: the scan FAILED, or finished with accounts whose audit failed. */
async function notifyScanFailed(tx: TAuditTx, scan: TFinishedScan, now: Date): Promise<boolean> {
  if (scan.status !== "FAILED" && scan.failed === 0) return false;
  const scope = scan.scopeLabel ? ` of ${scan.scopeLabel}` : "";
  const title =
    scan.status === "FAILED"
      ? `Scan${scope} failed`
      : `Scan${scope} finished with ${scan.failed} failed account${scan.failed === 1 ? "" : "s"}`;
  const text =
    scan.status === "FAILED"
      ? `${sentence(scan.error ?? "The scan failed")} ${scan.done} of ${scan.total} accounts were finished.`
      : `${scan.failed} of ${scan.total} accounts could not be audited; each shows why on the Accounts page (status Error). The next scan tries them again.`;
  await enqueueNotification(tx, {
    event: "scan.failed",
    organizationId: scan.organizationId,
    idempotencyKey: `scan.failed:${scan.id}`,
    title: title.slice(0, 200),
    text: text.slice(0, 3000),
    link: scan.status === "FAILED" ? "/overview" : "/accounts?status=ERROR",
    audience: "everyone",
    subject: { type: "SCAN", id: scan.id },
    data: { scanId: scan.id, status: scan.status, total: scan.total, done: scan.done, failed: scan.failed, skipped: scan.skipped },
    time: now,
  });
  return true;
}

/** A batch that failed on its last attempt: its remaining accounts are FAILED with the reason. */
export async function failRemainingAccounts(db: PrismaClient, scanId: string, accountIds: string[], failure: TScanFailure): Promise<{ notified: boolean }> {
  const scan = await db.scan.findUnique({ where: { id: scanId }, select: { organizationId: true } });
  if (!scan) return { notified: false };
  const now = new Date();
  await recordResults(
    db,
    scanId,
    scan.organizationId,
    accountIds.map((accountId) => ({ accountId, takenAt: now, ok: false, errorCode: failure.code, errorMessage: failure.message })),
  );
  return { notified: (await finishScanIfDone(db, scanId, now)).notified };
}

/** Scan.error is a sentence without its full stop in some places ("Could not queue the scan's jobs (...)"). */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
