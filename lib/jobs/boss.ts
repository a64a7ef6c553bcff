// pg-boss (the job queue, in Postgres) set-up: queue names and options, and the per-process client
// used to enqueue jobs from processes that do not run workers (web requests, scripts).
import { PgBoss } from "pg-boss";

export const QUEUES = {
  /** One job = one batch of accounts of one scan. */
  scanBatch: "inventory-scan-batch",
  /** Cron tick that starts the scheduled full scan when one is due. */
  scheduledScan: "inventory-scheduled-scan",
  /** Cron tick that repairs scans whose accounts no live job covers any more (see recover-scans.ts). */
  scanRecovery: "inventory-scan-recovery",
} as const;

/** pg-boss's schema: recovery reads its job table to see which batches are still live. */
export const BOSS_SCHEMA = "pgboss";

/**
 * A batch whose worker died is retried once its expiry passes; accounts already finished are not
 * audited again (their ScanAccount row is no longer PENDING). Finished and failed jobs stay in the
 * job table for pg-boss's default 7 days, which is what recovery reads to count its rounds.
 */
export const SCAN_BATCH_JOB = { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 } as const;

/** `round`: 0 for the batches startScan queues, n for the n-th time recovery queued these accounts again. */
export type TScanBatchJob = { scanId: string; accountIds: string[]; round?: number };

export type TBossOptions = {
  databaseUrl: string;
  /** Workers supervise (expiry -> retry, clean-up) and run cron; a send-only client does neither. */
  role: "worker" | "client";
  poolSize?: number;
};

export async function createBoss(options: TBossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: BOSS_SCHEMA,
    max: options.poolSize ?? (options.role === "worker" ? 10 : 3),
    application_name: `rootwarden-${options.role}`,
    supervise: options.role === "worker",
    schedule: options.role === "worker",
    migrate: true,
    // Expired batches (a dead worker's) are found by the supervisor's monitor pass; once a minute.
    superviseIntervalSeconds: 60,
    monitorIntervalSeconds: 60,
  });
  // pg-boss reports background failures as events; an unhandled 'error' event would crash the process.
  boss.on("error", (err: Error) => console.error(`[jobs] ${err.message}`));
  // Slow queries, a handler that outlived its expiry, clock skew...: worth a line in the log.
  boss.on("warning", (warning) => console.warn(`[jobs] ${warning.message}`));
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.scanBatch, { ...SCAN_BATCH_JOB });
  // A tick that cannot run now is worthless later: no retries, short expiry.
  await boss.createQueue(QUEUES.scheduledScan, { retryLimit: 0, expireInSeconds: 30 * 60 });
  await boss.createQueue(QUEUES.scanRecovery, { retryLimit: 0, expireInSeconds: 10 * 60 });
}

const globalForJobs = globalThis as unknown as { rootwardenJobClient?: Promise<PgBoss> };

/** The process's send-only client on DATABASE_URL, started on first use. */
export function getJobClient(): Promise<PgBoss> {
  const url = process.env.DATABASE_URL;
  if (!url) return Promise.reject(new Error("DATABASE_URL is not set; the job queue lives in Postgres."));
  globalForJobs.rootwardenJobClient ??= createBoss({ databaseUrl: url, role: "client" }).catch((err) => {
    globalForJobs.rootwardenJobClient = undefined;
    throw err;
  });
  return globalForJobs.rootwardenJobClient;
}

/** Lets a script exit: closes the send-only client's connections. */
export async function stopJobClient(): Promise<void> {
  const client = globalForJobs.rootwardenJobClient;
  globalForJobs.rootwardenJobClient = undefined;
  if (client) await (await client).stop({ graceful: false, close: true });
}
