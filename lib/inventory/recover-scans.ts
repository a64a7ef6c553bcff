// Repairs scans that would otherwise never finish: PENDING accounts that no live pg-boss job covers
// (a worker died during a batch's last attempt, or the process died between creating the scan and
// queueing its jobs) are queued again, at most maxRounds times, then recorded as FAILED with the reason.
// Run by the workers' periodic recovery job; safe to run repeatedly and from several workers at once.
import type { JobInsert, PgBoss } from "pg-boss";
import { Prisma, type PrismaClient } from "@/lib/db/generated/client";
import { BOSS_SCHEMA, QUEUES, SCAN_BATCH_JOB, type TScanBatchJob } from "@/lib/jobs/boss";
import { failRemainingAccounts, finishScanIfDone } from "./scan-batch";

/** Times recovery queues the same accounts again before it gives up on them. */
export const MAX_RECOVERY_ROUNDS = 2;
/**
 * Scans younger than this are left alone: startScan commits the scan first and queues its jobs right
 * after, so a brand-new scan briefly has PENDING accounts and no jobs.
 */
export const RECOVERY_GRACE_SECONDS = 120;

export type TRecoveryOutcome = {
  /** QUEUED/RUNNING scans older than the grace period that were looked at. */
  scans: number;
  requeued: number;
  failed: number;
  /** Scans this run closed (nothing left PENDING). */
  finished: number;
};

export type TRecoverOptions = {
  db: PrismaClient;
  boss: PgBoss;
  batchSize: number;
  graceSeconds?: number;
  maxRounds?: number;
  now?: Date;
};

// pg-boss job states in which a job will still run (or is running).
const LIVE_STATES = ["created", "retry", "active"];

export async function recoverStalledScans(options: TRecoverOptions): Promise<TRecoveryOutcome> {
  const { db, boss, batchSize } = options;
  const maxRounds = options.maxRounds ?? MAX_RECOVERY_ROUNDS;
  const cutoff = new Date((options.now ?? new Date()).getTime() - (options.graceSeconds ?? RECOVERY_GRACE_SECONDS) * 1000);
  const outcome: TRecoveryOutcome = { scans: 0, requeued: 0, failed: 0, finished: 0 };

  await db.$transaction(
    async (tx) => {
      // One recovery at a time across all workers, so two cannot queue the same accounts twice.
      const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext('rootwarden.scan-recovery')) AS ok`;
      if (!lock?.ok) return;

      const scans = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id"::text AS id FROM "Scan" WHERE "status" IN ('QUEUED', 'RUNNING') AND "createdAt" < ${cutoff}::timestamptz`;
      outcome.scans = scans.length;
      if (scans.length === 0) return;
      const scanIds = scans.map((s) => s.id);

      const job = Prisma.raw(`"${BOSS_SCHEMA}"."job"`);
      // Per PENDING account: is any job covering it still live, and which recovery round covered it last.
      const orphans = await tx.$queryRaw<{ scanId: string; accountId: string; round: number | null }[]>`
        WITH jobs AS (
          SELECT j.data, j.state::text AS state FROM ${job} j
          WHERE j.name = ${QUEUES.scanBatch} AND j.data->>'scanId' = ANY(${scanIds}::text[])
        ),
        covered AS (
          SELECT jobs.data->>'scanId' AS scan_id, acc.account_id,
                 bool_or(jobs.state = ANY(${LIVE_STATES}::text[])) AS live,
                 max(COALESCE((jobs.data->>'round')::int, 0)) AS round
          FROM jobs CROSS JOIN LATERAL jsonb_array_elements_text(jobs.data->'accountIds') AS acc(account_id)
          GROUP BY 1, 2
        )
        SELECT sa."scanId"::text AS "scanId", sa."accountId", c.round
        FROM "ScanAccount" sa
        LEFT JOIN covered c ON c.scan_id = sa."scanId"::text AND c.account_id = sa."accountId"
        WHERE sa."scanId" = ANY(${scanIds}::uuid[]) AND sa."status" = 'PENDING' AND COALESCE(c.live, false) = false
        ORDER BY sa."scanId", sa."accountId"`;

      // Grouped by scan and next round: each group becomes batches (or, past the limit, failures).
      const groups = new Map<string, { scanId: string; round: number; accountIds: string[] }>();
      for (const o of orphans) {
        const round = (o.round ?? 0) + 1;
        const key = `${o.scanId}:${round}`;
        const group = groups.get(key) ?? { scanId: o.scanId, round, accountIds: [] };
        group.accountIds.push(o.accountId);
        groups.set(key, group);
      }
      const jobs: JobInsert<TScanBatchJob>[] = [];
      for (const g of groups.values()) {
        if (g.round > maxRounds) {
          await failRemainingAccounts(db, g.scanId, g.accountIds, {
            code: "WorkerStopped",
            message:
              `The scan's worker stopped (crashed, was killed or lost its database) on every attempt at these accounts, ` +
              `${maxRounds + 1} times ${SCAN_BATCH_JOB.retryLimit + 1} attempts; the next scan will try them again.`,
          });
          outcome.failed += g.accountIds.length;
          continue;
        }
        for (let i = 0; i < g.accountIds.length; i += batchSize) {
          jobs.push({
            data: { scanId: g.scanId, accountIds: g.accountIds.slice(i, i + batchSize), round: g.round },
            ...SCAN_BATCH_JOB,
          });
        }
        outcome.requeued += g.accountIds.length;
      }
      // Committed by pg-boss's own connection while the lock is held, so the next run sees these jobs.
      if (jobs.length > 0) await boss.insert(QUEUES.scanBatch, jobs);

      // Also closes scans whose last results were committed by a worker that died before closing them.
      for (const id of scanIds) if ((await finishScanIfDone(db, id)).closed) outcome.finished++;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  return outcome;
}
