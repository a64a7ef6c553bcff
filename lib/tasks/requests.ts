// The request/approval state machine (catalogue.ts TRANSITIONS): create, vote (approve or reject),
// cancel, break-glass, review, expire. Each transition is a guarded UPDATE on the request row, in one
// transaction with its audit event; jobs are queued after the commit (and re-queued by the tick).
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, describeActor, SYSTEM, type TActor, type TCaller } from "@/lib/auth/actor";
import { assertFreshAuth } from "@/lib/auth/fresh-auth";
import type { TAwsContext } from "@/lib/aws/context";
import { getAwsContext } from "@/lib/aws/context";
import { localAwsReader, type TAwsReader } from "./aws-reads";
import { getConfig } from "@/lib/config";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient, TaskRequest } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { cutText } from "@/lib/validation";
import { TASKS, requestPermission, type TRequestStatus } from "./catalogue";
import { notifyRequest } from "./notify-request";
import { buildPlan, type TPlan } from "./plan";
import { readTaskSettings, requiredApprovals } from "./settings";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export const ZCreateRequestInput = z
  .object({
    taskType: z.unknown(),
    scope: z.unknown(),
    params: z.unknown().optional(),
    reason: z
      .string({ message: "a reason is required" })
      .trim()
      .min(10, { message: "must be at least 10 characters: say why this is needed" })
      .max(2000, { message: "must be at most 2,000 characters" }),
    ticket: z
      .string()
      .trim()
      .max(200, { message: "must be at most 200 characters" })
      .regex(/^[\p{L}\p{N} _.:#/-]*$/u, { message: "may hold letters, digits, spaces and _ . : # / - only" })
      .nullish(),
    /** The dialog's own id for this submission: a double-clicked Submit creates one request. */
    clientRequestId: z.string().uuid({ message: "must be a UUID" }).optional(),
    /** Break-glass: run now without approval (admins, when the setting is on). */
    breakGlass: z.boolean().optional(),
  })
  .strict();

export type TRequestDeps = {
  db?: PrismaClient;
  aws?: () => TAwsContext;
  /** How AWS reads are made; route handlers pass the worker-backed reader (lib/jobs/aws-reads.ts). */
  awsRead?: TAwsReader;
  now?: Date;
  organizationId?: string;
  /** Runs after the commit: queue the execution job (lib/jobs/task-jobs.ts). */
  afterCommit?: (event: TAfterCommit) => Promise<void>;
};
export type TAfterCommit = { kind: "approved" | "created" | "closed"; requestId: string };

function validationError(prefix: string, error: z.ZodError): AppError {
  return new AppError("BAD_REQUEST", `${prefix}: ${error.issues.map((i) => `${i.path.join(".") || "value"} ${i.message}`).join("; ")}`);
}

export async function currentOrganizationId(db: PrismaClient): Promise<string> {
  const org = await db.organization.findFirst({ orderBy: { lastSyncedAt: { sort: "desc", nulls: "last" } }, select: { id: true } });
  if (!org) throw new AppError("CONFLICT", "No AWS Organization has been synced yet. Run an organization sync first.");
  return org.id;
}

function planContext(actor: TActor, deps: TRequestDeps, organizationId: string, now: Date) {
  return {
    db: deps.db ?? defaultDb,
    awsRead: deps.awsRead ?? localAwsReader(deps.aws ?? getAwsContext),
    organizationId,
    freshnessHours: getConfig().COMPLIANCE_FRESHNESS_HOURS,
    now,
    actor,
  };
}

/** The plan a request would freeze, without creating it (the dialog's preview step). */
export async function previewTaskRequest(options: { actor: TActor | null; input: unknown } & TRequestDeps): Promise<TPlan> {
  // Per task type: root tasks need tasks.request, organization set-up needs org.setup.
  assertPermission(options.actor, requestPermission((options.input as { taskType?: unknown } | null)?.taskType));
  const input = z.object({ taskType: z.unknown(), scope: z.unknown(), params: z.unknown().optional() }).passthrough().safeParse(options.input);
  if (!input.success) throw validationError("Invalid request", input.error);
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const organizationId = options.organizationId ?? (await currentOrganizationId(db));
  return buildPlan(planContext(options.actor, options, organizationId, now), { taskType: input.data.taskType, scope: input.data.scope, params: input.data.params });
}

export type TCreatedRequest = { request: TaskRequest; plan: TPlan | null; isNew: boolean };

export async function createTaskRequest(options: { actor: TActor | null; input: unknown; retryOfId?: string | null } & TRequestDeps): Promise<TCreatedRequest> {
  // Per task type: root tasks need tasks.request, organization set-up needs org.setup.
  assertPermission(options.actor, requestPermission((options.input as { taskType?: unknown } | null)?.taskType));
  const actor = options.actor;
  const parsed = ZCreateRequestInput.safeParse(options.input);
  if (!parsed.success) throw validationError("Invalid request", parsed.error);
  const input = parsed.data;
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const settings = await readTaskSettings(db);
  const ticket = input.ticket ? input.ticket : null;
  if (settings.requireTicket && !ticket) throw new AppError("BAD_REQUEST", "A ticket reference is required (Settings: tasks need a ticket). Add the change ticket's id.");

  if (input.clientRequestId) {
    const same = await db.taskRequest.findUnique({ where: { requestedById_clientRequestId: { requestedById: actor.userId, clientRequestId: input.clientRequestId } } });
    if (same) return { request: same, plan: null, isNew: false };
  }
  if (input.breakGlass) {
    assertPermission(actor, "tasks.breakglass");
    if (!settings.breakGlassEnabled) throw new AppError("FORBIDDEN", "Break-glass is off. An admin can turn it on in Settings for an outage.", { reason: "break-glass-off" });
    assertFreshAuth(actor, { now, maxAgeMinutes: getConfig().REAUTH_MAX_AGE_MINUTES, action: "Running a task without approval" });
  }

  const organizationId = options.organizationId ?? (await currentOrganizationId(db));
  const plan = await buildPlan(planContext(actor, options, organizationId, now), { taskType: input.taskType, scope: input.scope, params: input.params });
  const rule = await requiredApprovals(db, { organizationId, taskType: plan.taskType, ouIdPaths: plan.targets.map((t) => t.ouIdPath) });
  const breakGlass = input.breakGlass === true;

  const outcome = await db
    .$transaction(
      async (tx) => {
        // One open request per target and task: a second one would be approved against the same plan.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`rootwarden.task-request.${organizationId}.${plan.taskType}`}))`;
        if (input.clientRequestId) {
          // The same dialog submitted twice at once: the second waited for the lock and returns the first.
          const same = await tx.taskRequest.findUnique({ where: { requestedById_clientRequestId: { requestedById: actor.userId, clientRequestId: input.clientRequestId } } });
          if (same) return { request: same, isNew: false };
        }
        const overlapping = await tx.$queryRaw<{ number: number; accountId: string }[]>`
          SELECT DISTINCT r."number", t."accountId" FROM "TaskTarget" t JOIN "TaskRequest" r ON r."id" = t."requestId"
          WHERE r."organizationId" = ${organizationId} AND r."taskType" = ${plan.taskType} AND r."status" IN ('PENDING', 'APPROVED', 'EXECUTING')
            AND (t."accountId", coalesce(t."resourceName", '')) IN (SELECT * FROM unnest(${plan.targets.map((t) => t.accountId)}::text[], ${plan.targets.map((t) => t.resourceName ?? "")}::text[]))
          ORDER BY r."number" LIMIT 20`;
        if (overlapping.length > 0) {
          const numbers = [...new Set(overlapping.map((o) => `#${o.number}`))].join(", ");
          throw new AppError(
            "CONFLICT",
            `Open request ${numbers} already covers ${overlapping.length === 1 ? `account ${overlapping[0]!.accountId}` : `${overlapping.length}+ of these targets`} for this task. Wait for it to finish, or cancel it, before requesting again.`,
            { reason: "OPEN_REQUEST", requests: [...new Set(overlapping.map((o) => o.number))] },
          );
        }
        const request = await tx.taskRequest.create({
          data: {
            organizationId,
            taskType: plan.taskType,
            status: breakGlass ? "APPROVED" : "PENDING",
            scopeType: plan.scope.type,
            scopeOuId: plan.scopeOuId,
            scopeLabel: plan.scopeLabel,
            params: plan.params as object,
            reason: input.reason,
            ticket,
            requestedById: actor.userId,
            requestedByLabel: describeActor(actor),
            clientRequestId: input.clientRequestId ?? null,
            requiredApprovals: breakGlass ? 0 : rule.approvals,
            approvalRuleId: rule.ruleId,
            breakGlass,
            breakGlassReason: breakGlass ? input.reason : null,
            retryOfId: options.retryOfId ?? null,
            targetCount: plan.targets.length,
            createdAt: now,
            expiresAt: new Date(now.getTime() + settings.pendingExpiryHours * 3_600_000),
            approvedAt: breakGlass ? now : null,
            startBy: breakGlass ? new Date(now.getTime() + settings.approvedStartMinutes * 60_000) : null,
          },
        });
        await tx.taskTarget.createMany({
          data: plan.targets.map((t) => ({
            requestId: request.id,
            accountId: t.accountId,
            accountName: t.accountName,
            resourceType: t.resourceType,
            resourceName: t.resourceName,
            preview: t.preview as object,
            status: "PENDING",
          })),
        });
        await appendAuditEvent(tx, {
          type: "request.created",
          actor,
          organizationId,
          target: { type: "REQUEST", id: request.id },
          payload: {
            requestId: request.id,
            number: request.number,
            taskType: plan.taskType,
            scopeLabel: plan.scopeLabel,
            targets: plan.targets.length,
            requiredApprovals: request.requiredApprovals,
            reason: input.reason,
            ticket,
            planSha256: plan.planSha256,
            retryOf: options.retryOfId ?? null,
          },
          time: now,
        });
        if (!breakGlass) await notifyRequest(tx, request, "request.created", { title: `needs ${request.requiredApprovals} approval${request.requiredApprovals === 1 ? "" : "s"}`, time: now });
        if (breakGlass) {
          await notifyRequest(tx, request, "break_glass.used", { title: `break-glass execution by ${request.requestedByLabel}, review it`, time: now });
          await appendAuditEvent(tx, {
            type: "request.break_glass",
            actor,
            organizationId,
            target: { type: "REQUEST", id: request.id },
            payload: { requestId: request.id, reason: input.reason, authTime: actor.authTime?.toISOString() ?? null },
            time: now,
          });
        }
        return { request, isNew: true };
      },
      { timeout: 60_000, maxWait: 30_000 },
    )
    .catch(async (err: unknown) => {
      // Two submissions with one clientRequestId at the same instant: the loser returns the winner's.
      if ((err as { code?: string }).code === "P2002" && input.clientRequestId) {
        const same = await db.taskRequest.findUnique({ where: { requestedById_clientRequestId: { requestedById: actor.userId, clientRequestId: input.clientRequestId } } });
        if (same) return { request: same, isNew: false };
      }
      throw err;
    });
  if (!outcome.isNew) return { request: outcome.request, plan: null, isNew: false };
  await options.afterCommit?.({ kind: breakGlass ? "approved" : "created", requestId: outcome.request.id });
  return { request: outcome.request, plan, isNew: true };
}

const ZRequestId = z.string().uuid({ message: "must be a request id (UUID)" });
const ZComment = z.string().trim().max(2000, { message: "must be at most 2,000 characters" }).nullish();

async function lockRequest(tx: TTx, requestId: string): Promise<TaskRequest> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id"::text FROM "TaskRequest" WHERE "id" = ${requestId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new AppError("NOT_FOUND", "No such request. It may be in another organization, or the link is wrong.");
  return tx.taskRequest.findUniqueOrThrow({ where: { id: requestId } });
}

/** The guarded UPDATE every transition uses: changes nothing unless the status is still `from`. */
async function transition(tx: TTx, requestId: string, from: TRequestStatus, data: Parameters<TTx["taskRequest"]["updateMany"]>[0]["data"]): Promise<boolean> {
  const { count } = await tx.taskRequest.updateMany({ where: { id: requestId, status: from }, data });
  return count === 1;
}

function closedMessage(request: TaskRequest): string {
  return `Request #${request.number} is ${request.status.toLowerCase().replace("_", " ")} now, so it can no longer be changed.`;
}

export type TVoteResult = { request: TaskRequest; approved: boolean };

/** An approver's approve or reject. The requester cannot vote; nobody votes twice; one rejection rejects. */
export async function voteOnTaskRequest(options: {
  actor: TActor | null;
  requestId: unknown;
  decision: "APPROVE" | "REJECT";
  comment?: unknown;
} & TRequestDeps): Promise<TVoteResult> {
  assertPermission(options.actor, "tasks.approve");
  const actor = options.actor;
  const requestId = ZRequestId.safeParse(options.requestId);
  if (!requestId.success) throw validationError("Invalid request id", requestId.error);
  const commentParsed = ZComment.safeParse(options.comment);
  if (!commentParsed.success) throw validationError("Invalid comment", commentParsed.error);
  const comment = commentParsed.data ? commentParsed.data : null;
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const settings = await readTaskSettings(db);
  if (settings.requireApproverComment && !comment) throw new AppError("BAD_REQUEST", "A comment is required with every decision (Settings). Say what you checked.");
  assertFreshAuth(actor, { now, maxAgeMinutes: getConfig().REAUTH_MAX_AGE_MINUTES, action: options.decision === "APPROVE" ? "Approving" : "Rejecting" });

  const result = await db.$transaction(async (tx) => {
    const request = await lockRequest(tx, requestId.data);
    if (request.requestedById === actor.userId) {
      throw new AppError("FORBIDDEN", "You cannot approve or reject your own request, even as an approver. Ask another approver.", { reason: "self-approval" });
    }
    const earlier = await tx.taskVote.findUnique({ where: { requestId_voterId: { requestId: request.id, voterId: actor.userId } } });
    if (earlier) throw new AppError("CONFLICT", `You already ${earlier.decision === "APPROVE" ? "approved" : "rejected"} request #${request.number}; each approver votes once.`, { reason: "double-vote" });
    await assertAnotherPerson(tx, request, actor, "vote");
    if (request.status !== "PENDING") throw new AppError("CONFLICT", closedMessage(request));
    if (request.expiresAt.getTime() <= now.getTime()) {
      throw new AppError("CONFLICT", `Request #${request.number} expired at ${request.expiresAt.toISOString()}; it can no longer be approved. Ask for a new request.`);
    }
    const approvals = request.approvals + (options.decision === "APPROVE" ? 1 : 0);
    await tx.taskVote.create({
      data: { requestId: request.id, voterId: actor.userId, voterLabel: describeActor(actor), decision: options.decision, comment, authTime: actor.authTime ?? null, createdAt: now },
    });
    await appendAuditEvent(tx, {
      type: "request.voted",
      actor,
      organizationId: request.organizationId,
      target: { type: "REQUEST", id: request.id },
      payload: { requestId: request.id, decision: options.decision, comment, authTime: actor.authTime?.toISOString() ?? null, approvals, requiredApprovals: request.requiredApprovals },
      time: now,
    });
    if (options.decision === "REJECT") {
      const ok = await transition(tx, request.id, "PENDING", { status: "REJECTED", closedById: actor.userId, statusReason: comment, finishedAt: now });
      if (!ok) throw new AppError("CONFLICT", closedMessage(request));
      await tx.taskTarget.updateMany({ where: { requestId: request.id, status: "PENDING" }, data: { status: "CANCELLED", finishedAt: now, message: "The request was rejected." } });
      await appendAuditEvent(tx, { type: "request.rejected", actor, organizationId: request.organizationId, target: { type: "REQUEST", id: request.id }, payload: { requestId: request.id, comment }, time: now });
      await notifyRequest(tx, request, "request.rejected", { title: `rejected by ${describeActor(actor)}`, text: comment ? `Comment: ${comment}` : undefined, time: now, actorUserId: actor.userId });
      return { request: await tx.taskRequest.findUniqueOrThrow({ where: { id: request.id } }), approved: false };
    }
    if (approvals < request.requiredApprovals) {
      await tx.taskRequest.update({ where: { id: request.id }, data: { approvals } });
      return { request: await tx.taskRequest.findUniqueOrThrow({ where: { id: request.id } }), approved: false };
    }
    const startBy = new Date(now.getTime() + settings.approvedStartMinutes * 60_000);
    const ok = await transition(tx, request.id, "PENDING", { status: "APPROVED", approvals, approvedAt: now, startBy });
    if (!ok) throw new AppError("CONFLICT", closedMessage(request));
    await appendAuditEvent(tx, {
      type: "request.approved",
      actor,
      organizationId: request.organizationId,
      target: { type: "REQUEST", id: request.id },
      payload: { requestId: request.id, approvals, startBy: startBy.toISOString() },
      time: now,
    });
    await notifyRequest(tx, request, "request.approved", { title: `approved; it starts now`, text: comment ? `Comment from ${describeActor(actor)}: ${comment}` : undefined, time: now, actorUserId: actor.userId });
    return { request: await tx.taskRequest.findUniqueOrThrow({ where: { id: request.id } }), approved: true };
  });
  await options.afterCommit?.({ kind: result.approved ? "approved" : "closed", requestId: result.request.id });
  return result;
}

/** The requester (or an admin) withdraws a request that has not started. */
export async function cancelTaskRequest(options: { actor: TActor | null; requestId: unknown } & TRequestDeps): Promise<TaskRequest> {
  assertPermission(options.actor, "tasks.request");
  const actor = options.actor;
  const requestId = ZRequestId.safeParse(options.requestId);
  if (!requestId.success) throw validationError("Invalid request id", requestId.error);
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const request = await db.$transaction(async (tx) => {
    const request = await lockRequest(tx, requestId.data);
    if (request.requestedById !== actor.userId && !actor.roles.includes("admin")) {
      throw new AppError("FORBIDDEN", `Only the requester (${request.requestedByLabel}) or an admin can cancel request #${request.number}.`);
    }
    if (request.status !== "PENDING" && request.status !== "APPROVED") {
      throw new AppError("CONFLICT", request.status === "EXECUTING" ? `Request #${request.number} is already running; it cannot be cancelled now.` : closedMessage(request));
    }
    const from = request.status as TRequestStatus;
    const ok = await transition(tx, request.id, from, { status: "CANCELLED", closedById: actor.userId, finishedAt: now, statusReason: `Cancelled by ${describeActor(actor)}.` });
    if (!ok) throw new AppError("CONFLICT", closedMessage(request));
    await tx.taskTarget.updateMany({ where: { requestId: request.id, status: "PENDING" }, data: { status: "CANCELLED", finishedAt: now, message: "The request was cancelled." } });
    await appendAuditEvent(tx, { type: "request.cancelled", actor, organizationId: request.organizationId, target: { type: "REQUEST", id: request.id }, payload: { requestId: request.id, from }, time: now });
    await notifyRequest(tx, request, "request.cancelled", { title: `cancelled by ${describeActor(actor)}`, time: now, actorUserId: actor.userId });
    return tx.taskRequest.findUniqueOrThrow({ where: { id: request.id } });
  });
  await options.afterCommit?.({ kind: "closed", requestId: request.id });
  return request;
}

/** An approver acknowledges a break-glass execution (it leaves the Approvals page's review list). */
export async function reviewBreakGlass(options: { actor: TActor | null; requestId: unknown; comment?: unknown } & TRequestDeps): Promise<TaskRequest> {
  assertPermission(options.actor, "tasks.approve");
  const actor = options.actor;
  const requestId = ZRequestId.safeParse(options.requestId);
  if (!requestId.success) throw validationError("Invalid request id", requestId.error);
  const commentParsed = ZComment.safeParse(options.comment);
  if (!commentParsed.success) throw validationError("Invalid comment", commentParsed.error);
  const comment = commentParsed.data ? commentParsed.data : null;
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const request = await lockRequest(tx, requestId.data);
    if (!request.breakGlass) throw new AppError("CONFLICT", `Request #${request.number} was not a break-glass execution; there is nothing to review.`);
    if (request.requestedById === actor.userId) throw new AppError("FORBIDDEN", "You cannot review your own break-glass execution. Ask another approver.", { reason: "self-approval" });
    await assertAnotherPerson(tx, request, actor, "review");
    if (request.reviewedAt) throw new AppError("CONFLICT", `Request #${request.number} was already reviewed.`);
    await tx.taskRequest.update({ where: { id: request.id }, data: { reviewedById: actor.userId, reviewedAt: now } });
    await appendAuditEvent(tx, { type: "request.reviewed", actor, organizationId: request.organizationId, target: { type: "REQUEST", id: request.id }, payload: { requestId: request.id, comment }, time: now });
    return tx.taskRequest.findUniqueOrThrow({ where: { id: request.id } });
  });
}

/**
 * One person may hold several IdP identities (two accounts with one e-mail address, a guest and a
 * member account, a new issuer after an IdP move): each is its own User row, so comparing user ids
 * alone would let them approve their own request or vote twice. The e-mail address (lower-cased at
 * sign-in) names the person: a voter or reviewer whose address is the requester's, or an earlier
 * voter's, is refused.
 */
async function assertAnotherPerson(tx: TTx, request: TaskRequest, actor: TActor, act: "vote" | "review"): Promise<void> {
  const email = actor.email?.trim().toLowerCase();
  if (!email) return;
  const requester = await tx.user.findUnique({ where: { id: request.requestedById }, select: { email: true } });
  if (requester?.email?.trim().toLowerCase() === email) {
    throw new AppError(
      "FORBIDDEN",
      `You signed in as another identity with the requester's e-mail address (${email}): that is the requester, and nobody may ${act === "vote" ? "approve or reject" : "review"} their own request. Ask another approver.`,
      { reason: "self-approval" },
    );
  }
  if (act === "review") return;
  const voterIds = (await tx.taskVote.findMany({ where: { requestId: request.id }, select: { voterId: true } })).map((v) => v.voterId);
  if (voterIds.length === 0) return;
  const sameEmail = await tx.user.count({ where: { id: { in: voterIds }, email: { equals: email, mode: "insensitive" } } });
  if (sameEmail > 0) {
    throw new AppError("CONFLICT", `Someone with your e-mail address (${email}) already voted on request #${request.number} under another identity; each person votes once.`, { reason: "double-vote" });
  }
}

/**
 * The expiry tick (SYSTEM): PENDING past expiresAt and APPROVED not started by startBy become
 * EXPIRED, each in its own transaction with its audit event. Returns the ids it expired.
 */
export async function expireTaskRequests(options: { actor: TCaller; db?: PrismaClient; now: Date; limit?: number }): Promise<string[]> {
  if (options.actor !== SYSTEM) throw new AppError("FORBIDDEN", "Only the scheduler expires requests.");
  const db = options.db ?? defaultDb;
  const now = options.now;
  const due = await db.taskRequest.findMany({
    where: { OR: [{ status: "PENDING", expiresAt: { lte: now } }, { status: "APPROVED", startBy: { lte: now } }] },
    select: { id: true },
    take: options.limit ?? 500,
    orderBy: { createdAt: "asc" },
  });
  const expired: string[] = [];
  for (const { id } of due) {
    const done = await db.$transaction(async (tx) => {
      const request = await lockRequest(tx, id);
      const from = request.status as TRequestStatus;
      if (from === "PENDING" ? request.expiresAt > now : from === "APPROVED" ? !request.startBy || request.startBy > now : true) return false;
      const why = from === "PENDING" ? "Not approved in time." : "Approved, but not started in time.";
      if (!(await transition(tx, id, from, { status: "EXPIRED", finishedAt: now, statusReason: why }))) return false;
      await tx.taskTarget.updateMany({ where: { requestId: id, status: "PENDING" }, data: { status: "CANCELLED", finishedAt: now, message: `The request expired. ${why}` } });
      await appendAuditEvent(tx, {
        type: "request.expired",
        actor: SYSTEM,
        organizationId: request.organizationId,
        target: { type: "REQUEST", id },
        payload: { requestId: id, from: from as "PENDING" | "APPROVED" },
        time: now,
      });
      await notifyRequest(tx, request, "request.expired", { title: "expired", text: why, time: now });
      return true;
    });
    if (done) expired.push(id);
  }
  return expired;
}

export function taskLabel(taskType: string): string {
  return (TASKS as Record<string, { label: string } | undefined>)[taskType]?.label ?? taskType;
}

/**
 * A new request for the failed and precondition-failed targets of a finished one, linked to it
 * (retryOfId). Its plan is captured again now; the targets that succeeded are not touched.
 */
export async function retryTaskRequest(options: { actor: TActor | null; requestId: unknown; input?: unknown } & TRequestDeps): Promise<TCreatedRequest> {
  assertPermission(options.actor, "tasks.request");
  const actor = options.actor;
  const requestId = ZRequestId.safeParse(options.requestId);
  if (!requestId.success) throw validationError("Invalid request id", requestId.error);
  const extra = z
    .object({ reason: z.string().optional(), ticket: z.string().nullish(), clientRequestId: z.string().optional() })
    .strict()
    .safeParse(options.input ?? {});
  if (!extra.success) throw validationError("Invalid retry", extra.error);
  const db = options.db ?? defaultDb;
  const original = await db.taskRequest.findUnique({ where: { id: requestId.data } });
  if (!original) throw new AppError("NOT_FOUND", "No such request. The link may be wrong.");
  if (original.requestedById !== actor.userId && !actor.roles.includes("admin")) {
    throw new AppError("FORBIDDEN", `Only the requester (${original.requestedByLabel}) or an admin can retry request #${original.number}.`);
  }
  if (original.status !== "FAILED" && original.status !== "PARTIALLY_SUCCEEDED") {
    throw new AppError("CONFLICT", `Request #${original.number} is ${original.status.toLowerCase()}; only failed or partially succeeded requests can be retried.`);
  }
  const failedTargets = await db.taskTarget.findMany({ where: { requestId: original.id, status: { in: ["FAILED", "PRECONDITION_FAILED"] } }, select: { accountId: true }, orderBy: { accountId: "asc" } });
  if (failedTargets.length === 0) throw new AppError("CONFLICT", `Request #${original.number} has no failed targets to retry.`);
  const accountIds = [...new Set(failedTargets.map((t) => t.accountId))];
  const scope = accountIds.length === 1 ? { type: "ACCOUNT", accountId: accountIds[0] } : { type: "ACCOUNTS", accountIds };
  return createTaskRequest({
    ...options,
    retryOfId: original.id,
    input: {
      taskType: original.taskType,
      scope,
      params: original.params,
      reason: extra.data.reason && extra.data.reason.trim().length >= 10 ? extra.data.reason : cutText(`Retry of #${original.number} for ${accountIds.length} failed target(s): ${original.reason}`, 2000),
      ticket: extra.data.ticket ?? original.ticket,
      ...(extra.data.clientRequestId ? { clientRequestId: extra.data.clientRequestId } : {}),
    },
  });
}
