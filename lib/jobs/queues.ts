// Every pg-boss queue Rootwarden uses, with its options, in one table: createBoss creates them all
// once when a process starts its boss (worker or send-only client), so sending a job never has to
// create its queue first (createQueue is a statement under an advisory lock plus a cache reload).
import type { Queue } from "pg-boss";

export const QUEUES = {
  /** One job = one batch of accounts of one scan. */
  scanBatch: "inventory-scan-batch",
  /** Cron tick that starts the scheduled full scan when one is due. */
  scheduledScan: "inventory-scheduled-scan",
  /** Cron tick that repairs scans whose accounts no live job covers any more (see recover-scans.ts). */
  scanRecovery: "inventory-scan-recovery",
} as const;

export const TASK_QUEUES = {
  start: "task-start",
  batch: "task-batch",
  tick: "task-tick",
} as const;

export const AUDIT_COPY_QUEUE = "audit-checkpoint-copy";
export const NOTIFY_QUEUE = "notify-deliver";
export const ORG_SYNC_QUEUE = "org-sync";
export const AWS_READ_QUEUE = "aws-read";

/**
 * A batch whose worker died is retried once its expiry passes; accounts already finished are not
 * audited again (their ScanAccount row is no longer PENDING). Finished and failed jobs stay in the
 * job table for pg-boss's default 7 days, which is what recovery reads to count its rounds.
 */
export const SCAN_BATCH_JOB = { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 } as const;

/** A dead worker's batch is retried after its expiry; its targets' claims carry the job id, so the retry takes them back. */
export const TASK_BATCH_JOB = { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 14 * 60 } as const;

export const QUEUE_OPTIONS: Record<string, Omit<Queue, "name">> = {
  [QUEUES.scanBatch]: { ...SCAN_BATCH_JOB },
  // A tick that cannot run now is worthless later: no retries, short expiry.
  [QUEUES.scheduledScan]: { retryLimit: 0, expireInSeconds: 30 * 60 },
  [QUEUES.scanRecovery]: { retryLimit: 0, expireInSeconds: 10 * 60 },
  [TASK_QUEUES.start]: { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 5 * 60 },
  [TASK_QUEUES.batch]: { ...TASK_BATCH_JOB },
  [TASK_QUEUES.tick]: { retryLimit: 0, expireInSeconds: 5 * 60 },
  [AUDIT_COPY_QUEUE]: { retryLimit: 2, retryDelay: 5, expireInSeconds: 5 * 60 },
  // The rows carry their own retry state; a round that fails is simply followed by the next one.
  // "short": at most one queued job per singleton key, so a burst of changes coalesces into one
  // round, while a round already running does not swallow a request made after its claim.
  [NOTIFY_QUEUE]: { policy: "short", retryLimit: 0, expireInSeconds: 5 * 60 },
  [ORG_SYNC_QUEUE]: { retryLimit: 2, retryDelay: 10, retryBackoff: true, expireInSeconds: 15 * 60 },
  // A web request waits for the answer; an old read is of no use to anyone.
  [AWS_READ_QUEUE]: { retryLimit: 0, expireInSeconds: 60, retentionSeconds: 3600 },
};
