// A job worker: runs scan batches (bounded by SCAN_CONCURRENCY audits in flight per process), the
// scheduled-scan tick, notification delivery and the scheduled report. Any number of workers, in any processes, share the same queue in Postgres.
import pg from "pg";
import type { JobWithMetadata, PgBoss } from "pg-boss";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { SYSTEM } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { getAwsContext, type TAwsContext } from "@/lib/aws/context";
import { redactSecrets } from "@/lib/aws/errors";
import { createLimiter } from "@/lib/aws/limit";
import { recoverStalledScans } from "@/lib/inventory/recover-scans";
import { batchFailure, failRemainingAccounts, runScanBatch } from "@/lib/inventory/scan-batch";
import { runScheduledScanIfDue } from "@/lib/inventory/scan-scheduled";
import { startAuditSequencer } from "@/lib/audit/sequence";
import { registerAuditJobs } from "./audit-jobs";
import { registerAwsReadJobs } from "./aws-reads";
import { registerTaskJobs } from "./task-jobs";
import { QUEUES, createBoss, type TScanBatchJob } from "./boss";
import { registerNotifyJobs, requestNotificationDelivery } from "./notify-jobs";
import { registerOrgJobs } from "./org-jobs";
import { registerReportJobs } from "./report-jobs";

export type TWorkerOptions = {
  databaseUrl?: string;
  db?: PrismaClient;
  /** Resolved on first use, so a worker without AWS settings still starts (and says why scans fail). */
  aws?: TAwsContext | (() => TAwsContext);
  concurrency?: number;
  batchSize?: number;
  intervalHours?: number;
  /** How often the scheduled-scan tick checks whether a full scan is due. */
  scheduleCron?: string;
  /** How often stalled scans are repaired (recover-scans.ts). */
  recoveryCron?: string;
  log?: (line: string) => void;
  /** Run the privileged-task queues too (default); tests that drive tasks by hand turn them off. */
  tasks?: boolean;
  /** Task batches run at once in this process, and targets at once per batch (lib/jobs/task-jobs.ts defaults). */
  taskBatchPollers?: number;
  taskTargetConcurrency?: number;
  /** The task queues' clock (claims, leases, expiry, recovery); tests inject one. Default: the system clock. */
  taskClock?: () => Date;
};

export type TWorker = { boss: PgBoss; stop: () => Promise<void> };

export async function startWorker(options: TWorkerOptions = {}): Promise<TWorker> {
  const config = getConfig();
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("DATABASE_URL is not set; the worker needs the Postgres that holds the job queue.");
  const db = options.db ?? defaultDb;
  const concurrency = options.concurrency ?? config.SCAN_CONCURRENCY;
  const batchSize = options.batchSize ?? config.SCAN_BATCH_SIZE;
  const intervalHours = options.intervalHours ?? config.SCAN_INTERVAL_HOURS;
  const log = options.log ?? ((line: string) => console.log(`[worker] ${line}`));
  let aws: TAwsContext | undefined;
  const getAws = () => {
    aws ??= typeof options.aws === "function" ? options.aws() : (options.aws ?? getAwsContext());
    return aws;
  };

  const boss = await createBoss({ databaseUrl, role: "worker" });
  const stopping = new AbortController();
  const limit = createLimiter(concurrency);
  const isCancelled = cancelledCache(db);

  const onBatch = async ([job]: JobWithMetadata<TScanBatchJob>[]) => {
    try {
      const outcome = await runScanBatch({ db, aws: getAws(), limit, signal: stopping.signal, isCancelled }, job.data);
      if (outcome.notified) await requestNotificationDelivery(boss);
    } catch (err) {
      // Only the redacted message goes on: pg-boss stores a thrown error whole (cause included) in the job's output.
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      if (!stopping.signal.aborted && job.retryCount >= job.retryLimit) {
        // Last attempt: record why on each remaining account instead of leaving the scan open forever.
        const failed = await failRemainingAccounts(db, job.data.scanId, job.data.accountIds, batchFailure(job.retryCount + 1));
        if (failed.notified) await requestNotificationDelivery(boss);
        log(`scan ${job.data.scanId}: batch gave up after ${job.retryCount + 1} attempts: ${message}`);
        return;
      }
      log(`scan ${job.data.scanId}: batch attempt ${job.retryCount + 1} failed, will retry: ${message}`);
      throw new Error(message);
    }
  };
  // Enough batches in flight that the limiter always has accounts waiting when one finishes.
  const pollers = Math.max(2, Math.ceil(concurrency / batchSize) + 1);
  await boss.work(QUEUES.scanBatch, { batchSize: 1, localConcurrency: pollers, pollingIntervalSeconds: 0.5, includeMetadata: true }, onBatch);

  await boss.work(QUEUES.scheduledScan, { pollingIntervalSeconds: 5 }, async () => {
    try {
      const outcome = await runScheduledScanIfDue({ actor: SYSTEM, db, aws: getAws(), boss, intervalHours });
      log(outcome.started ? `scheduled full scan ${outcome.scan.id} started` : `scheduled scan: ${outcome.reason}`);
    } catch (err) {
      log(`scheduled scan failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  // A batch whose worker died on its last attempt is never retried by pg-boss: this tick finds such
  // accounts (and scans nobody closed) and queues them again or records why they failed.
  await boss.work(QUEUES.scanRecovery, { pollingIntervalSeconds: 5 }, async () => {
    try {
      const outcome = await recoverStalledScans({ db, boss, batchSize });
      if (outcome.requeued + outcome.failed + outcome.finished > 0) {
        log(`scan recovery: ${outcome.requeued} accounts queued again, ${outcome.failed} recorded as failed, ${outcome.finished} scans closed`);
      }
    } catch (err) {
      log(`scan recovery failed: ${redactSecrets(err instanceof Error ? err.message : String(err))}`);
    }
  });
  await boss.schedule(QUEUES.scanRecovery, options.recoveryCron ?? "*/5 * * * *");
  if (intervalHours > 0) await boss.schedule(QUEUES.scheduledScan, options.scheduleCron ?? "*/10 * * * *");
  else await boss.unschedule(QUEUES.scheduledScan);
  await registerAuditJobs(boss, { db, log });
  // Committed audit events get their seq, hashes and signed checkpoint within a poll interval.
  const sequencer = startAuditSequencer({ db, log: (line) => log(`audit: ${line}`) });
  if (options.tasks !== false) {
    await registerTaskJobs(boss, {
      db,
      aws: getAws,
      log,
      signal: stopping.signal,
      batchPollers: options.taskBatchPollers,
      targetConcurrency: options.taskTargetConcurrency,
      clock: options.taskClock,
    });
  }
  await registerAwsReadJobs(boss, { aws: getAws, log });
  await registerNotifyJobs(boss, { db, log });
  await registerOrgJobs(boss, { db, aws: getAws, log });
  // The scheduled report reads its rows through a server-side cursor on a plain connection.
  const reportPool = new pg.Pool({ connectionString: databaseUrl, max: 2, idleTimeoutMillis: 30_000 });
  reportPool.on("error", (err) => log(`report pool: idle connection lost: ${err.message}`));
  await registerReportJobs(boss, { db, pool: reportPool, s3: () => getAws().s3, freshnessHours: config.COMPLIANCE_FRESHNESS_HOURS, log });

  log(`started: ${concurrency} audits in flight at most, ${pollers} batch pollers, scheduled scans ${intervalHours > 0 ? `every ${intervalHours} h` : "off"}`);
  return {
    boss,
    stop: async () => {
      // Graceful: running batches finish (bounded by pg-boss's timeout); then nothing new starts.
      await boss.stop({ graceful: true, timeout: 30_000 });
      stopping.abort();
      await reportPool.end();
      await sequencer.stop();
    },
  };
}

/** Scan status read at most once a second per scan, so per-account checks cost nothing. */
function cancelledCache(db: PrismaClient): (scanId: string) => Promise<boolean> {
  const cache = new Map<string, { at: number; value: Promise<boolean> }>();
  return (scanId) => {
    const hit = cache.get(scanId);
    if (hit && Date.now() - hit.at < 1000) return hit.value;
    const value = db.scan
      .findUnique({ where: { id: scanId }, select: { status: true } })
      .then((s) => !s || !["QUEUED", "RUNNING"].includes(s.status))
      .catch(() => false);
    cache.set(scanId, { at: Date.now(), value });
    if (cache.size > 1000) cache.delete(cache.keys().next().value!);
    return value;
  };
}
