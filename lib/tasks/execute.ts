// Runs approved requests: APPROVED -> EXECUTING, then batches of targets, each claimed (a guarded
// UPDATE naming the job) before any AWS call, re-checked against its frozen plan, changed, verified
// by reading back, and recorded with its evidence and audit event in one transaction (targets of a
// batch that finish while another's result is being recorded share the next one); the last batch
// to finish closes the request. A retried batch (a dead worker, kill -9) claims its own targets again
// and finds what was already done by re-reading AWS, so no change is applied twice.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { appendAuditEvent } from "@/lib/audit/append";
import { SYSTEM, type TCaller } from "@/lib/auth/actor";
import type { TAwsContext } from "@/lib/aws/context";
import { AwsCallError } from "@/lib/aws/errors";
import { allowPasswordRecovery, deleteRootCredentials, unlockBucketPolicy, unlockQueuePolicy } from "@/lib/aws/root-tasks";
import type { PrismaClient, TaskTarget } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { TASKS, ZTaskType, type TTargetStatus } from "./catalogue";
import { notifyRequest } from "./notify-request";
import { recordOrgSetupChange, runOrgSetupTarget } from "./org-setup-target";
import type { TTargetPreview } from "./plan";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * Targets per batch job: small enough that a retried batch redoes little, large enough to keep jobs
 * few, and a multiple of the worker's 8 targets at once (lib/jobs/task-jobs.ts), so a batch does not
 * end with one target running and seven lanes idle (`npm run bench:tasks`: 25 took ~40% longer).
 */
export const TASK_BATCH_SIZE = 32;
/** A claimed target belongs to its job this long; a dead worker's targets are free again after it. */
export const TARGET_LEASE_SECONDS = 15 * 60;
/** Recording a result waits its turn for the audit trail's lock under load (Prisma's defaults: 2 s and 5 s). */
export const RECORD_TRANSACTION = { maxWait: 20_000, timeout: 60_000 } as const;

export type TExecutionDeps = {
  actor: TCaller;
  db: PrismaClient;
  /** The caller's clock (read at each step). */
  clock?: () => Date;
};

/**
 * APPROVED -> EXECUTING (or nothing, when another worker got there first or it is no longer
 * approved). Returns the target ids still to run, in batches, for the caller to queue.
 */
export async function startTaskExecution(deps: TExecutionDeps & { requestId: string }): Promise<{ started: boolean; batches: string[][] }> {
  if (deps.actor !== SYSTEM) throw new AppError("FORBIDDEN", "Only the task worker runs requests.");
  const clock = deps.clock ?? (() => new Date());
  const now = clock();
  const state = await deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: string; startBy: Date | null; organizationId: string; targetCount: number }[]>`
      SELECT "status", "startBy", "organizationId", "targetCount" FROM "TaskRequest" WHERE "id" = ${deps.requestId}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) return "missing" as const;
    if (row.status === "EXECUTING") return "running" as const;
    if (row.status !== "APPROVED") return "closed" as const;
    if (row.startBy && row.startBy.getTime() <= now.getTime()) return "late" as const; // the tick expires it
    const { count } = await tx.taskRequest.updateMany({ where: { id: deps.requestId, status: "APPROVED" }, data: { status: "EXECUTING", startedAt: now } });
    if (count !== 1) return "closed" as const;
    await appendAuditEvent(tx, {
      type: "task.started",
      actor: SYSTEM,
      organizationId: row.organizationId,
      target: { type: "REQUEST", id: deps.requestId },
      payload: { requestId: deps.requestId, targets: row.targetCount },
      time: now,
    });
    return "started" as const;
  });
  if (state !== "started" && state !== "running") return { started: false, batches: [] };
  const open = await deps.db.taskTarget.findMany({ where: { requestId: deps.requestId, status: { in: ["PENDING", "RUNNING"] } }, select: { id: true }, orderBy: { id: "asc" } });
  const batches: string[][] = [];
  for (let i = 0; i < open.length; i += TASK_BATCH_SIZE) batches.push(open.slice(i, i + TASK_BATCH_SIZE).map((t) => t.id));
  if (open.length === 0) await finishTaskRequest({ ...deps, requestId: deps.requestId });
  return { started: state === "started", batches };
}

export type TTargetResult = {
  status: Exclude<TTargetStatus, "PENDING" | "RUNNING" | "CANCELLED">;
  assumeRootRequestId: string | null;
  mutatingCalls: number;
  items: { kind: string; id: string; result: string }[];
  differences: string[];
  errorCode: string | null;
  message: string | null;
  evidence: Record<string, unknown>;
};

export type TBatchOptions = TExecutionDeps & {
  aws: TAwsContext;
  requestId: string;
  targetIds: readonly string[];
  /** The job's id: a retry of the same job may take back its own claims at once. */
  claimToken: string;
  /** Targets of this batch in flight at once (default 8). */
  concurrency?: number;
  leaseSeconds?: number;
  /** Re-scan these accounts so the inventory is right at once (lib/inventory/start-scan.ts). */
  rescan?: (accountIds: string[]) => Promise<void>;
  signal?: AbortSignal;
};

export async function runTaskBatch(options: TBatchOptions): Promise<{ ran: number; results: Record<string, TTargetResult["status"]> }> {
  if (options.actor !== SYSTEM) throw new AppError("FORBIDDEN", "Only the task worker runs requests.");
  const clock = options.clock ?? (() => new Date());
  const request = await options.db.taskRequest.findUnique({ where: { id: options.requestId } });
  if (!request || request.status !== "EXECUTING") return { ran: 0, results: {} };
  const taskType = ZTaskType.parse(request.taskType);
  const lease = options.leaseSeconds ?? TARGET_LEASE_SECONDS;
  const results: Record<string, TTargetResult["status"]> = {};
  const touched = new Set<string>();
  const record = groupRecorder(options.db, { request, token: options.claimToken });
  const queue = [...options.targetIds];
  let failure: { err: unknown } | null = null;
  // Each lane takes the batch's next target once its previous one's result is committed. After a
  // failure no lane starts another, and the batch fails once every started target has stopped.
  const lanes = Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined && !failure && !options.signal?.aborted; id = queue.shift()) {
      try {
        const target = await claimTarget(options.db, { requestId: request.id, targetId: id, token: options.claimToken, now: clock(), leaseSeconds: lease });
        if (!target) continue;
        const result = await runTarget(options.aws, taskType, target, options.signal);
        const recorded = await record({ target, result, now: clock() });
        if (recorded) results[target.id] = result.status;
        touched.add(target.accountId);
      } catch (err) {
        failure ??= { err };
      }
    }
  });
  await Promise.all(lanes);
  if (failure) throw (failure as { err: unknown }).err;
  if (TASKS[taskType].rescan && touched.size > 0 && options.rescan) {
    // The inventory catches up now; a failure here leaves the next scheduled scan to do it.
    await options.rescan([...touched]).catch((err: unknown) => console.error(`[tasks] re-scan after request ${request.id} failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  await finishTaskRequest({ ...options, requestId: request.id });
  return { ran: Object.keys(results).length, results };
}

async function claimTarget(
  db: PrismaClient,
  o: { requestId: string; targetId: string; token: string; now: Date; leaseSeconds: number },
): Promise<TaskTarget | null> {
  const until = new Date(o.now.getTime() + o.leaseSeconds * 1000);
  // The claimed row comes back with the claim: no second read per target.
  const rows = await db.$queryRaw<TaskTarget[]>`
    UPDATE "TaskTarget" t SET "status" = 'RUNNING', "claimToken" = ${o.token}, "claimedUntil" = ${until}, "attempts" = t."attempts" + 1
    WHERE t."id" = ${o.targetId}::uuid AND t."requestId" = ${o.requestId}::uuid
      AND (t."status" = 'PENDING' OR (t."status" = 'RUNNING' AND (t."claimToken" = ${o.token} OR t."claimedUntil" < ${o.now})))
      AND EXISTS (SELECT 1 FROM "TaskRequest" r WHERE r."id" = t."requestId" AND r."status" = 'EXECUTING')
    RETURNING t."id"::text AS "id", t."requestId"::text AS "requestId", t."accountId", t."accountName", t."resourceType",
      t."resourceName", t."preview", t."status", t."claimToken", t."claimedUntil", t."attempts", t."evidence", t."errorCode",
      t."message", t."finishedAt"`;
  return rows[0] ?? null;
}

function failed(code: string, message: string, evidence: Record<string, unknown> = {}): TTargetResult {
  return { status: "FAILED", assumeRootRequestId: null, mutatingCalls: 0, items: [], differences: [], errorCode: code, message, evidence };
}

/** Calls AWS for one target; never throws (every failure becomes a FAILED result with a public message). */
export async function runTarget(aws: TAwsContext, taskType: ReturnType<typeof ZTaskType.parse>, target: TaskTarget, signal?: AbortSignal): Promise<TTargetResult> {
  const preview = target.preview as unknown as TTargetPreview;
  try {
    if (preview.kind === "DELETE_ROOT_CREDENTIALS" && taskType === "DELETE_ROOT_CREDENTIALS") {
      const out = await deleteRootCredentials(aws, {
        accountId: target.accountId,
        plan: {
          kinds: preview.kinds,
          password: preview.remove.password,
          accessKeyIds: preview.remove.accessKeyIds,
          certificateIds: preview.remove.certificateIds,
          mfaSerials: preview.remove.mfaDevices.map((m) => m.serialNumber),
          deleteVirtualMfa: preview.deleteVirtualMfa,
        },
        signal,
      });
      const items = out.items.map((i) => ({ kind: i.kind, id: i.id, result: i.result }));
      const evidence = { before: out.before, after: out.after, items: out.items, verified: out.verified, assumeRootRequestId: out.assumeRootRequestId };
      if (!out.precondition.ok) {
        return { status: "PRECONDITION_FAILED", assumeRootRequestId: out.assumeRootRequestId, mutatingCalls: out.mutatingCalls, items, differences: out.precondition.differences, errorCode: "PreconditionFailed", message: out.precondition.differences.join(" "), evidence };
      }
      const bad = out.items.filter((i) => i.result === "FAILED");
      if (bad.length > 0 || !out.verified) {
        const message = bad.length > 0 ? bad.map((i) => `${i.kind} ${i.id}: ${i.message ?? i.errorCode ?? "failed"}`).join("; ") : "Reading back after the change still shows a credential that was deleted.";
        return { status: "FAILED", assumeRootRequestId: out.assumeRootRequestId, mutatingCalls: out.mutatingCalls, items, differences: [], errorCode: bad[0]?.errorCode ?? "NotVerified", message, evidence };
      }
      const allDone = out.items.every((i) => i.result === "ALREADY_DONE");
      return { status: allDone ? "ALREADY_DONE" : "SUCCEEDED", assumeRootRequestId: out.assumeRootRequestId, mutatingCalls: out.mutatingCalls, items, differences: [], errorCode: null, message: null, evidence };
    }
    if (preview.kind === "ALLOW_PASSWORD_RECOVERY") {
      const out = await allowPasswordRecovery(aws, { accountId: target.accountId, signal });
      const items = [{ kind: "password", id: "login profile", result: out.result }];
      const evidence = { before: out.before, after: out.after, verified: out.verified, assumeRootRequestId: out.assumeRootRequestId };
      if (out.result === "FAILED" || !out.verified) return { ...failed("NotVerified", "The login profile is not there after creating it.", evidence), assumeRootRequestId: out.assumeRootRequestId, mutatingCalls: out.mutatingCalls, items };
      return { status: out.result === "ALREADY_DONE" ? "ALREADY_DONE" : "SUCCEEDED", assumeRootRequestId: out.assumeRootRequestId, mutatingCalls: out.mutatingCalls, items, differences: [], errorCode: null, message: null, evidence };
    }
    if (preview.kind === "UNLOCK_S3_BUCKET_POLICY" || preview.kind === "UNLOCK_SQS_QUEUE_POLICY") {
      const action = preview.action === "DELETE" ? ({ kind: "DELETE" } as const) : ({ kind: "REPLACE", policy: preview.newPolicy ?? "" } as const);
      const out =
        preview.kind === "UNLOCK_S3_BUCKET_POLICY"
          ? await unlockBucketPolicy(aws, { accountId: target.accountId, bucket: target.resourceName ?? "", expectedPolicy: preview.currentPolicy, action, signal })
          : await unlockQueuePolicy(aws, { accountId: target.accountId, queueName: target.resourceName ?? "", expectedPolicy: preview.currentPolicy, action, signal });
      const items = [{ kind: preview.kind === "UNLOCK_S3_BUCKET_POLICY" ? "bucket policy" : "queue policy", id: target.resourceName ?? "", result: out.result }];
      const evidence = { before: out.before, after: out.after, verified: out.verified, assumeRootRequestId: out.assumeRootRequestId };
      const base = { assumeRootRequestId: out.assumeRootRequestId, mutatingCalls: out.mutatingCalls, items, evidence };
      if (out.result === "PRECONDITION_FAILED") return { ...base, status: "PRECONDITION_FAILED", differences: out.differences, errorCode: "PreconditionFailed", message: out.differences.join(" ") };
      if (out.result === "FAILED" || !out.verified) return { ...base, status: "FAILED", differences: out.differences, errorCode: "NotVerified", message: "Reading the policy back does not show the approved state." };
      return { ...base, status: out.result === "ALREADY_DONE" ? "ALREADY_DONE" : "SUCCEEDED", differences: [], errorCode: null, message: null };
    }
    if (preview.kind === "ORG_SETUP" && TASKS[taskType].orgSetup?.step === preview.step) return await runOrgSetupTarget(aws, preview, signal);
    return failed("PlanMismatch", "The target's plan does not match its task type; nothing was done.");
  } catch (err) {
    if (err instanceof AwsCallError) return failed(err.code, err.publicMessage ?? err.message);
    console.error(`[tasks] target ${target.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    return failed("InternalError", "The task failed unexpectedly; nothing more is known here. See the worker's log.");
  }
}

export function evidenceSha256(evidence: unknown): string {
  return createHash("sha256").update(canonicalize(evidence) ?? "").digest("hex");
}

type TRecordItem = { target: TaskTarget; result: TTargetResult; now: Date };

/**
 * Results recorded in one transaction at most: the group holds the audit trail's lock from its first
 * event to its commit, and everyone else's audit events wait that long.
 */
const MAX_RECORD_GROUP = 10;

/**
 * Records one batch's finished targets. While a recording transaction is in flight, results that
 * finish meanwhile wait and go together into the next one: the batch takes the audit trail's lock
 * (and commits) once per group, not once per target, and never has more than one transaction
 * waiting for it. Each target's result, evidence and audit event still commit together. A group
 * that fails is recorded again one target per transaction, so one bad target fails only itself.
 * Resolves true when the target was recorded, false when its claim had passed to another job.
 */
function groupRecorder(db: PrismaClient, o: { request: { id: string; organizationId: string }; token: string }): (item: TRecordItem) => Promise<boolean> {
  let waiting: { item: TRecordItem; resolve: (recorded: boolean) => void; reject: (err: unknown) => void }[] = [];
  let draining = false;
  const drain = async () => {
    while (waiting.length > 0) {
      const group = waiting.slice(0, MAX_RECORD_GROUP);
      waiting = waiting.slice(group.length);
      try {
        const recorded = await recordTargetResults(db, { ...o, items: group.map((g) => g.item) });
        for (const g of group) g.resolve(recorded.has(g.item.target.id));
      } catch (err) {
        if (group.length === 1) {
          group[0]!.reject(err);
          continue;
        }
        for (const g of group) {
          await recordTargetResults(db, { ...o, items: [g.item] }).then((recorded) => g.resolve(recorded.has(g.item.target.id)), g.reject);
        }
      }
    }
    draining = false;
  };
  return (item) =>
    new Promise<boolean>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (draining) return;
      draining = true;
      void drain();
    });
}

/** One transaction: the guarded result rows first, then the audit events, so the audit lock is taken last. */
async function recordTargetResults(
  db: PrismaClient,
  o: { request: { id: string; organizationId: string }; token: string; items: TRecordItem[] },
): Promise<Set<string>> {
  const items = o.items.map((i) => ({ ...i, evidence: JSON.parse(JSON.stringify(i.result.evidence)) as Record<string, unknown> }));
  return db.$transaction(
    async (tx: TTx) => {
      // Only the job holding the claim records; one whose lease ran out and was taken over writes nothing.
      const moved = await tx.$queryRaw<{ id: string }[]>`
        UPDATE "TaskTarget" t
        SET "status" = v.status, "evidence" = v.evidence, "errorCode" = v.code, "message" = v.message, "finishedAt" = v.at, "claimedUntil" = NULL
        FROM unnest(
          ${items.map((i) => i.target.id)}::uuid[], ${items.map((i) => i.result.status)}::text[],
          ${items.map((i) => JSON.stringify(i.evidence))}::jsonb[], ${items.map((i) => i.result.errorCode)}::text[],
          ${items.map((i) => i.result.message)}::text[], ${items.map((i) => i.now.toISOString())}::timestamptz[]
        ) AS v(id, status, evidence, code, message, at)
        WHERE t."id" = v.id AND t."status" = 'RUNNING' AND t."claimToken" = ${o.token}
        RETURNING t."id"::text AS id`;
      const recorded = new Set(moved.map((m) => m.id));
      for (const { target, result, evidence, now } of items) {
        if (!recorded.has(target.id)) continue;
        const resourceType = target.resourceType === "BUCKET" ? "BUCKET" : target.resourceType === "QUEUE" ? "QUEUE" : target.resourceType === "ORG" ? "ORG" : "ACCOUNT";
        await appendAuditEvent(tx, {
          type: "task.target_finished",
          actor: SYSTEM,
          organizationId: o.request.organizationId,
          target:
            resourceType === "ORG"
              ? { type: "ORG", id: o.request.organizationId }
              : { type: resourceType, id: target.resourceName ? `${target.accountId}/${target.resourceName}` : target.accountId },
          payload: {
            requestId: o.request.id,
            targetId: target.id,
            accountId: target.accountId,
            resource: target.resourceName,
            status: result.status,
            assumeRootRequestId: result.assumeRootRequestId,
            mutatingCalls: result.mutatingCalls,
            items: result.items.slice(0, 1000),
            differences: result.differences.slice(0, 100),
            errorCode: result.errorCode,
            evidenceSha256: evidenceSha256(evidence),
          },
          time: now,
        });
        if (resourceType === "ORG") {
          const preview = target.preview as unknown as TTargetPreview;
          if (preview.kind === "ORG_SETUP") await recordOrgSetupChange(tx, { organizationId: o.request.organizationId, requestId: o.request.id, targetId: target.id, preview, result, now });
        }
      }
      return recorded;
    },
    // The AWS change is made: waiting for the serialized audit append beats failing here, which
    // would leave the retry to find it done and record ALREADY_DONE without this run's evidence.
    RECORD_TRANSACTION,
  );
}

/** EXECUTING -> SUCCEEDED | PARTIALLY_SUCCEEDED | FAILED once no target is left to run. */
export async function finishTaskRequest(deps: TExecutionDeps & { requestId: string }): Promise<string | null> {
  const clock = deps.clock ?? (() => new Date());
  return deps.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: string; organizationId: string }[]>`
      SELECT "status", "organizationId" FROM "TaskRequest" WHERE "id" = ${deps.requestId}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row || row.status !== "EXECUTING") return null;
    const counts = await tx.taskTarget.groupBy({ by: ["status"], where: { requestId: deps.requestId }, _count: { _all: true } });
    const n = (s: string) => counts.find((c) => c.status === s)?._count._all ?? 0;
    if (n("PENDING") + n("RUNNING") > 0) return null;
    const succeeded = n("SUCCEEDED");
    const alreadyDone = n("ALREADY_DONE");
    const bad = n("FAILED") + n("PRECONDITION_FAILED");
    const status = bad === 0 ? "SUCCEEDED" : succeeded + alreadyDone === 0 ? "FAILED" : "PARTIALLY_SUCCEEDED";
    const now = clock();
    const { count } = await tx.taskRequest.updateMany({ where: { id: deps.requestId, status: "EXECUTING" }, data: { status, finishedAt: now } });
    if (count !== 1) return null;
    await appendAuditEvent(tx, {
      type: "task.finished",
      actor: SYSTEM,
      organizationId: row.organizationId,
      target: { type: "REQUEST", id: deps.requestId },
      payload: { requestId: deps.requestId, status, succeeded, alreadyDone, preconditionFailed: n("PRECONDITION_FAILED"), failed: n("FAILED") },
      time: now,
    });
    const request = await tx.taskRequest.findUniqueOrThrow({ where: { id: deps.requestId } });
    const summary = `${succeeded} succeeded, ${alreadyDone} already done, ${n("PRECONDITION_FAILED")} left alone (changed since the request), ${n("FAILED")} failed.`;
    await notifyRequest(tx, request, status === "SUCCEEDED" ? "task.succeeded" : "task.failed", {
      title: status === "SUCCEEDED" ? "succeeded" : status === "FAILED" ? "failed" : "partially succeeded",
      text: summary,
      time: now,
      data: { status, succeeded, alreadyDone, preconditionFailed: n("PRECONDITION_FAILED"), failed: n("FAILED") },
    });
    return status;
  }, RECORD_TRANSACTION);
}

/**
 * Targets the recovery tick should run again: those of EXECUTING requests still PENDING, or RUNNING
 * with a lapsed claim (their worker died), grouped per request.
 */
export async function findOrphanedTargets(deps: TExecutionDeps & { now: Date; pendingOlderThanSeconds?: number }): Promise<{ requestId: string; targetIds: string[] }[]> {
  if (deps.actor !== SYSTEM) throw new AppError("FORBIDDEN", "Only the task worker runs requests.");
  const pendingBefore = new Date(deps.now.getTime() - (deps.pendingOlderThanSeconds ?? 120) * 1000);
  const rows = await deps.db.$queryRaw<{ requestId: string; id: string }[]>`
    SELECT t."requestId"::text AS "requestId", t."id"::text AS id
    FROM "TaskTarget" t JOIN "TaskRequest" r ON r."id" = t."requestId"
    WHERE r."status" = 'EXECUTING'
      AND ((t."status" = 'RUNNING' AND t."claimedUntil" < ${deps.now})
        -- PENDING targets of a request that has made no progress for a while: their batch job is gone.
        OR (t."status" = 'PENDING' AND r."startedAt" <= ${pendingBefore}
            AND NOT EXISTS (SELECT 1 FROM "TaskTarget" o WHERE o."requestId" = r."id"
                            AND (o."finishedAt" > ${pendingBefore} OR (o."status" = 'RUNNING' AND o."claimedUntil" >= ${deps.now})))))
    ORDER BY t."requestId", t."id" LIMIT 5000`;
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.requestId, [...(out.get(r.requestId) ?? []), r.id]);
  return [...out].map(([requestId, targetIds]) => ({ requestId, targetIds }));
}
