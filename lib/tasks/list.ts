// Reading requests: the Requests list (mine / all, filtered), one request with its targets, votes and
// timeline (its audit events), and the approver's inbox with the count shown in the navigation.
import { z } from "zod";
import { flushAuditTrail } from "@/lib/audit/sequence";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { Prisma, PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { listNotificationsFor } from "@/lib/notify/list-deliveries";
import { OPEN_STATUSES, REQUEST_STATUSES, TARGET_STATUSES, TASK_TYPES, ZRequestStatus, ZTaskType } from "./catalogue";

export const ZRequestListQuery = z
  .object({
    mine: z.enum(["1", "0", "true", "false"]).optional(),
    status: z.enum([...REQUEST_STATUSES, "OPEN"]).optional(),
    taskType: z.enum(TASK_TYPES).optional(),
    accountId: z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }).optional(),
    requester: z.string().uuid({ message: "must be a user id" }).optional(),
    cursor: z.string().regex(/^\d{1,9}$/, { message: "must be a request number" }).optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();
export type TRequestListQuery = z.infer<typeof ZRequestListQuery>;

export type TRequestSummary = {
  id: string;
  number: number;
  taskType: string;
  status: string;
  scopeLabel: string;
  targetCount: number;
  requestedById: string;
  requestedByLabel: string;
  reason: string;
  ticket: string | null;
  approvals: number;
  requiredApprovals: number;
  breakGlass: boolean;
  reviewedAt: string | null;
  createdAt: string;
  expiresAt: string;
  startBy: string | null;
  finishedAt: string | null;
};

type TRequestRow = Prisma.TaskRequestGetPayload<object>;

export function summarize(r: TRequestRow): TRequestSummary {
  return {
    id: r.id,
    number: r.number,
    taskType: r.taskType,
    status: r.status,
    scopeLabel: r.scopeLabel,
    targetCount: r.targetCount,
    requestedById: r.requestedById,
    requestedByLabel: r.requestedByLabel,
    reason: r.reason,
    ticket: r.ticket,
    approvals: r.approvals,
    requiredApprovals: r.requiredApprovals,
    breakGlass: r.breakGlass,
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    startBy: r.startBy?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export async function listTaskRequests(options: { actor: TActor | null; query: unknown; db?: PrismaClient }): Promise<{ requests: TRequestSummary[]; nextCursor: string | null }> {
  assertPermission(options.actor, "tasks.read");
  const parsed = ZRequestListQuery.safeParse(options.query ?? {});
  if (!parsed.success) throw new AppError("BAD_REQUEST", `Invalid filter: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  const q = parsed.data;
  const db = options.db ?? defaultDb;
  const limit = q.limit ?? 50;
  const where: Prisma.TaskRequestWhereInput = {};
  if (q.mine === "1" || q.mine === "true") where.requestedById = options.actor.userId;
  else if (q.requester) where.requestedById = q.requester;
  if (q.status === "OPEN") where.status = { in: [...OPEN_STATUSES] };
  else if (q.status) where.status = q.status;
  if (q.taskType) where.taskType = q.taskType;
  if (q.accountId) where.targets = { some: { accountId: q.accountId } };
  if (q.cursor) where.number = { lt: Number(q.cursor) };
  const rows = await db.taskRequest.findMany({ where, orderBy: { number: "desc" }, take: limit + 1 });
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return { requests: page.map(summarize), nextCursor: more ? String(page[page.length - 1]!.number) : null };
}

/** Everyone who has made a request, for the Requests page's requester filter. */
export async function listTaskRequesters(options: { actor: TActor | null; db?: PrismaClient }): Promise<{ id: string; label: string }[]> {
  assertPermission(options.actor, "tasks.read");
  const db = options.db ?? defaultDb;
  const rows = await db.taskRequest.findMany({
    distinct: ["requestedById"],
    select: { requestedById: true, requestedByLabel: true },
    orderBy: [{ requestedById: "asc" }, { number: "desc" }],
    take: 500,
  });
  return rows.map((r) => ({ id: r.requestedById, label: r.requestedByLabel })).sort((a, b) => a.label.localeCompare(b.label));
}

export const ZTargetQuery = z
  .object({
    status: z.enum(TARGET_STATUSES).optional(),
    cursor: z.string().uuid({ message: "must be a target id" }).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();

export type TTargetView = {
  id: string;
  accountId: string;
  accountName: string;
  resourceType: string | null;
  resourceName: string | null;
  preview: unknown;
  status: string;
  attempts: number;
  evidence: unknown;
  errorCode: string | null;
  message: string | null;
  finishedAt: string | null;
};

export type TRequestDetail = TRequestSummary & {
  params: unknown;
  breakGlassReason: string | null;
  retryOfId: string | null;
  retries: { id: string; number: number; status: string }[];
  statusReason: string | null;
  approvedAt: string | null;
  startedAt: string | null;
  votes: { voterId: string; voterLabel: string; decision: string; comment: string | null; authTime: string | null; createdAt: string }[];
  targetCounts: Record<string, number>;
  timeline: { seq: number; time: string; type: string; actor: string | null; payload: unknown }[];
  /** Which channels were told about it, per event (newest first). */
  notified: { label: string; event: string; status: string; createdAt: string }[];
  /** What the signed-in user may do with it now. */
  can: { approve: boolean; reject: boolean; cancel: boolean; retry: boolean; review: boolean };
  whyNot: string | null;
};

export async function getTaskRequest(options: { actor: TActor | null; requestId: unknown; db?: PrismaClient; now?: Date }): Promise<TRequestDetail> {
  assertPermission(options.actor, "tasks.read");
  const actor = options.actor;
  const id = z.string().uuid().safeParse(options.requestId);
  if (!id.success) throw new AppError("BAD_REQUEST", "The request id must be a UUID (the link is wrong).");
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const r = await db.taskRequest.findUnique({ where: { id: id.data }, include: { votes: { orderBy: { createdAt: "asc" } } } });
  if (!r) throw new AppError("NOT_FOUND", "No such request. The link may be wrong.");
  const counts = await db.taskTarget.groupBy({ by: ["status"], where: { requestId: r.id }, _count: { _all: true } });
  const retries = await db.taskRequest.findMany({ where: { retryOfId: r.id }, select: { id: true, number: true, status: true }, orderBy: { number: "asc" } });
  await flushAuditTrail(db);
  const events = await db.auditEvent.findMany({
    where: { targetType: "REQUEST", targetId: r.id },
    orderBy: { seq: "asc" },
    take: 200,
    select: { seq: true, time: true, type: true, actorEmail: true, actorType: true, payload: true },
  });
  const notified = await listNotificationsFor(actor, { subjectId: r.id, db });
  const isApprover = actor.roles.includes("approver");
  const mine = r.requestedById === actor.userId;
  const voted = r.votes.some((v) => v.voterId === actor.userId);
  const pending = r.status === "PENDING" && r.expiresAt > now;
  let whyNot: string | null = null;
  if (isApprover && r.status === "PENDING") {
    if (mine) whyNot = "You made this request, so you cannot approve it.";
    else if (voted) whyNot = "You have already voted on this request.";
  }
  const failedTargets = (counts.find((c) => c.status === "FAILED")?._count._all ?? 0) + (counts.find((c) => c.status === "PRECONDITION_FAILED")?._count._all ?? 0);
  return {
    ...summarize(r),
    params: r.params,
    breakGlassReason: r.breakGlassReason,
    retryOfId: r.retryOfId,
    retries,
    statusReason: r.statusReason,
    approvedAt: r.approvedAt?.toISOString() ?? null,
    startedAt: r.startedAt?.toISOString() ?? null,
    votes: r.votes.map((v) => ({ voterId: v.voterId, voterLabel: v.voterLabel, decision: v.decision, comment: v.comment, authTime: v.authTime?.toISOString() ?? null, createdAt: v.createdAt.toISOString() })),
    targetCounts: Object.fromEntries(counts.map((c) => [c.status, c._count._all])),
    notified: notified.map((n) => ({ label: n.label, event: n.event, status: n.status, createdAt: n.createdAt.toISOString() })),
    timeline: events.map((e) => ({ seq: Number(e.seq), time: e.time.toISOString(), type: e.type, actor: e.actorType === "SYSTEM" ? "Rootwarden" : e.actorEmail, payload: e.payload })),
    can: {
      approve: isApprover && pending && !mine && !voted,
      reject: isApprover && pending && !mine && !voted,
      cancel: (mine || actor.roles.includes("admin")) && (r.status === "PENDING" || r.status === "APPROVED") && actor.roles.some((x) => x === "operator" || x === "admin"),
      retry: (mine || actor.roles.includes("admin")) && failedTargets > 0 && ["PARTIALLY_SUCCEEDED", "FAILED"].includes(r.status) && actor.roles.some((x) => x === "operator" || x === "admin"),
      review: isApprover && r.breakGlass && !r.reviewedAt && !mine,
    },
    whyNot,
  };
}

export async function listTaskTargets(options: { actor: TActor | null; requestId: unknown; query: unknown; db?: PrismaClient }): Promise<{ targets: TTargetView[]; nextCursor: string | null }> {
  assertPermission(options.actor, "tasks.read");
  const id = z.string().uuid().safeParse(options.requestId);
  if (!id.success) throw new AppError("BAD_REQUEST", "The request id must be a UUID (the link is wrong).");
  const q = ZTargetQuery.safeParse(options.query ?? {});
  if (!q.success) throw new AppError("BAD_REQUEST", `Invalid filter: ${q.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  const db = options.db ?? defaultDb;
  const limit = q.data.limit ?? 100;
  const rows = await db.taskTarget.findMany({
    where: { requestId: id.data, ...(q.data.status ? { status: q.data.status } : {}), ...(q.data.cursor ? { id: { gt: q.data.cursor } } : {}) },
    orderBy: { id: "asc" },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    targets: page.map((t) => ({
      id: t.id,
      accountId: t.accountId,
      accountName: t.accountName,
      resourceType: t.resourceType,
      resourceName: t.resourceName,
      preview: t.preview,
      status: t.status,
      attempts: t.attempts,
      evidence: t.evidence,
      errorCode: t.errorCode,
      message: t.message,
      finishedAt: t.finishedAt?.toISOString() ?? null,
    })),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

/** The approver's inbox: pending requests they may vote on, and break-glass runs awaiting review. */
export async function getApprovalInbox(options: { actor: TActor | null; db?: PrismaClient; now?: Date }): Promise<{ pending: TRequestSummary[]; toReview: TRequestSummary[]; count: number }> {
  assertPermission(options.actor, "tasks.approve");
  const actor = options.actor;
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const pending = await db.taskRequest.findMany({
    where: { status: "PENDING", expiresAt: { gt: now }, requestedById: { not: actor.userId }, votes: { none: { voterId: actor.userId } } },
    orderBy: { createdAt: "asc" },
    take: 200,
  });
  const toReview = await db.taskRequest.findMany({
    where: { breakGlass: true, reviewedAt: null, requestedById: { not: actor.userId } },
    orderBy: { createdAt: "asc" },
    take: 200,
  });
  return { pending: pending.map(summarize), toReview: toReview.map(summarize), count: pending.length + toReview.length };
}

export { ZRequestStatus, ZTaskType };
