// pg-boss queues of the privileged tasks: "start" (APPROVED -> EXECUTING, then one batch job per
// TASK_BATCH_SIZE targets), "batch" (run those targets) and a one-minute tick that expires requests,
// starts approved ones whose start job was lost, and re-queues targets whose worker died.
import type { JobWithMetadata, PgBoss } from "pg-boss";
import { SYSTEM } from "@/lib/auth/actor";
import type { TAwsContext } from "@/lib/aws/context";
import { redactSecrets } from "@/lib/aws/errors";
import type { PrismaClient } from "@/lib/db/generated/client";
import { startScan } from "@/lib/inventory/start-scan";
import { TASK_BATCH_SIZE, findOrphanedTargets, runTaskBatch, startTaskExecution } from "@/lib/tasks/execute";
import { expireTaskRequests } from "@/lib/tasks/requests";
import { requestAuditCopy } from "./audit-jobs";
import { getJobClient } from "./boss";
import { requestNotificationDelivery } from "./notify-jobs";
import { TASK_BATCH_JOB, TASK_QUEUES } from "./queues";

export { TASK_BATCH_JOB, TASK_QUEUES } from "./queues";

export type TTaskStartJob = { requestId: string };
export type TTaskBatchJob = { requestId: string; targetIds: string[] };

/** Queues the start of an approved request (after the approving transaction committed). */
export async function queueTaskStart(boss: PgBoss, requestId: string): Promise<void> {
  await boss.send(TASK_QUEUES.start, { requestId } satisfies TTaskStartJob, { singletonKey: requestId });
}

/** The afterCommit hook route handlers pass to lib/tasks: approved requests start right away. */
export async function afterTaskCommit(event: { kind: string; requestId: string }): Promise<void> {
  const boss = await getJobClient();
  if (event.kind === "approved") await queueTaskStart(boss, event.requestId);
  await requestAuditCopy(boss);
  await requestNotificationDelivery(boss);
}

async function queueBatches(boss: PgBoss, requestId: string, batches: string[][]): Promise<void> {
  if (batches.length === 0) return;
  await boss.insert(
    TASK_QUEUES.batch,
    batches.map((targetIds) => ({ data: { requestId, targetIds } satisfies TTaskBatchJob, ...TASK_BATCH_JOB })),
  );
}

/**
 * Batches run at once per process, and targets at once per batch (TASK_BATCH_SIZE is a multiple of
 * it): 32 targets in flight. More is not faster while each result waits its turn for the audit
 * trail's lock, which is held longer the busier the worker's event loop is (`npm run bench:tasks`:
 * 8 x 8 took longer than 4 x 8).
 */
export const TASK_BATCH_POLLERS = 4;
export const TASK_TARGET_CONCURRENCY = 8;

export type TTaskWorkerOptions = {
  db: PrismaClient;
  aws: () => TAwsContext;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Batches run at once per process, and targets at once per batch (TASK_BATCH_POLLERS, TASK_TARGET_CONCURRENCY). */
  batchPollers?: number;
  targetConcurrency?: number;
  clock?: () => Date;
};

export async function registerTaskJobs(boss: PgBoss, o: TTaskWorkerOptions): Promise<void> {
  const clock = o.clock ?? (() => new Date());
  // Batches finishing while a re-scan is being started share the next one: one scan (one start
  // transaction, one scan.started and scan.finished in the audit trail) for several batches.
  const rescan = coalesced(async (accountIds: string[]) => {
    await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds }, trigger: "MANUAL", db: o.db, boss });
  });

  await boss.work<TTaskStartJob>(TASK_QUEUES.start, { pollingIntervalSeconds: 1 }, async ([job]) => {
    const { batches } = await startTaskExecution({ actor: SYSTEM, db: o.db, clock, requestId: job!.data.requestId });
    await queueBatches(boss, job!.data.requestId, batches);
    if (batches.length > 0) o.log(`request ${job!.data.requestId}: ${batches.length} batch(es) queued`);
  });

  await boss.work(
    TASK_QUEUES.batch,
    { batchSize: 1, localConcurrency: o.batchPollers ?? TASK_BATCH_POLLERS, pollingIntervalSeconds: 0.5, includeMetadata: true },
    async ([job]: JobWithMetadata<TTaskBatchJob>[]) => {
      try {
        const out = await runTaskBatch({
          actor: SYSTEM,
          db: o.db,
          aws: o.aws(),
          clock,
          requestId: job!.data.requestId,
          targetIds: job!.data.targetIds,
          claimToken: job!.id,
          concurrency: o.targetConcurrency ?? TASK_TARGET_CONCURRENCY,
          rescan,
          signal: o.signal,
        });
        await requestAuditCopy(boss);
        await requestNotificationDelivery(boss);
        o.log(`request ${job!.data.requestId}: batch ran ${out.ran} target(s)`);
      } catch (err) {
        // pg-boss keeps a thrown error in the job row: only a redacted message goes there.
        const message = redactSecrets(err instanceof Error ? err.message : String(err));
        o.log(`request ${job!.data.requestId}: batch attempt ${job!.retryCount + 1} failed: ${message}`);
        throw new Error(message);
      }
    },
  );

  await boss.work(TASK_QUEUES.tick, { pollingIntervalSeconds: 5 }, async () => {
    try {
      const now = clock();
      const expired = await expireTaskRequests({ actor: SYSTEM, db: o.db, now });
      if (expired.length > 0) o.log(`tasks: ${expired.length} request(s) expired`);
      // Approved requests whose start job was lost (queueing after the commit failed).
      const approved = await o.db.taskRequest.findMany({ where: { status: "APPROVED", startBy: { gt: now } }, select: { id: true }, take: 100 });
      for (const r of approved) await queueTaskStart(boss, r.id);
      for (const orphan of await findOrphanedTargets({ actor: SYSTEM, db: o.db, now })) {
        const batches: string[][] = [];
        for (let i = 0; i < orphan.targetIds.length; i += TASK_BATCH_SIZE) batches.push(orphan.targetIds.slice(i, i + TASK_BATCH_SIZE));
        await queueBatches(boss, orphan.requestId, batches);
        o.log(`tasks: request ${orphan.requestId}: ${orphan.targetIds.length} target(s) queued again`);
      }
      if (expired.length > 0) {
        await requestAuditCopy(boss);
        await requestNotificationDelivery(boss);
      }
    } catch (err) {
      o.log(`task tick failed: ${redactSecrets(err instanceof Error ? err.message : String(err))}`);
    }
  });
  await boss.schedule(TASK_QUEUES.tick, "* * * * *");
}

/**
 * Calls `fn` with the ids of every call made while the previous `fn` was still running, as one
 * call; each caller waits for the call that includes its ids (and sees its error).
 */
export function coalesced(fn: (ids: string[]) => Promise<void>): (ids: string[]) => Promise<void> {
  let waiting: { ids: string[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let running = false;
  const drain = async () => {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await fn([...new Set(group.flatMap((g) => g.ids))]);
        for (const g of group) g.resolve();
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    running = false;
  };
  return (ids) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ ids, resolve, reject });
      if (running) return;
      running = true;
      void drain();
    });
}
