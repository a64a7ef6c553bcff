// Task settings (Settings page, admin): ticket and comment requirements, break-glass, expiry windows,
// and approval rules per task type and OU subtree. Every change is audited in its transaction.
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor, type TCaller } from "@/lib/auth/actor";
import { assertFreshAuthForSettings } from "@/lib/auth/fresh-auth";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { ZTaskType, isOrgTaskType, type TTaskType } from "./catalogue";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
type TDb = PrismaClient | TTx;

export const ZTaskSettings = z
  .object({
    /** A ticket reference is required on every request. */
    requireTicket: z.boolean(),
    /** Approvers must write a comment when they approve or reject. */
    requireApproverComment: z.boolean(),
    /** Admins may run a task without approval (mandatory reason, reviewed afterwards). */
    breakGlassEnabled: z.boolean(),
    /** A pending request expires after this many hours. */
    pendingExpiryHours: z.number().int().min(1).max(24 * 14),
    /** An approved request must start within this many minutes. */
    approvedStartMinutes: z.number().int().min(5).max(24 * 60),
  })
  .strict();
export type TTaskSettings = z.infer<typeof ZTaskSettings>;

export const DEFAULT_TASK_SETTINGS: TTaskSettings = {
  requireTicket: false,
  requireApproverComment: false,
  breakGlassEnabled: false,
  pendingExpiryHours: 24,
  approvedStartMinutes: 60,
};

const SETTINGS_KEY = "tasks";

/** Read by the task code itself (any caller); the Settings page uses getTaskSettings. */
export async function readTaskSettings(db: TDb): Promise<TTaskSettings> {
  const row = await db.appSetting.findUnique({ where: { key: SETTINGS_KEY } });
  const parsed = ZTaskSettings.partial().safeParse(row?.value ?? {});
  return { ...DEFAULT_TASK_SETTINGS, ...(parsed.success ? parsed.data : {}) };
}

export async function getTaskSettings(options: { actor: TCaller | null; db?: PrismaClient }): Promise<TTaskSettings> {
  if (options.actor !== "system") assertPermission(options.actor, "settings.read");
  return readTaskSettings(options.db ?? defaultDb);
}

export async function updateTaskSettings(options: {
  actor: TActor | null;
  patch: unknown;
  db?: PrismaClient;
  now?: Date;
}): Promise<TTaskSettings> {
  assertPermission(options.actor, "settings.write");
  const actor = options.actor;
  const parsed = ZTaskSettings.partial().safeParse(options.patch);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `Invalid task settings: ${parsed.error.issues.map((i) => `${i.path.join(".") || "settings"} ${i.message}`).join("; ")}`);
  }
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  assertFreshAuthForSettings(actor, now);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('rootwarden.settings.tasks'))`;
    const before = await readTaskSettings(tx);
    const after = { ...before, ...parsed.data };
    await tx.appSetting.upsert({
      where: { key: SETTINGS_KEY },
      create: { key: SETTINGS_KEY, value: after, updatedAt: now, updatedById: actor.userId },
      update: { value: after, updatedAt: now, updatedById: actor.userId },
    });
    for (const key of Object.keys(parsed.data) as (keyof TTaskSettings)[]) {
      if (before[key] === after[key]) continue;
      await appendAuditEvent(tx, { type: "settings.changed", actor, payload: { setting: `tasks.${key}`, from: before[key], to: after[key] }, time: now });
    }
    return after;
  });
}

// ---------- approval rules ----------

export type TApprovalRule = { id: string; taskType: TTaskType; ouId: string | null; ouName: string | null; approvalsRequired: number; updatedAt: Date };

export const ZApprovalRuleInput = z
  .object({
    taskType: ZTaskType,
    ouId: z
      .string()
      .regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, { message: "must be an OU id (ou-...) or root id (r-...)" })
      .nullable()
      .default(null),
    approvalsRequired: z.number().int().min(1, { message: "must be at least 1" }).max(5, { message: "must be at most 5" }),
  })
  .strict();

export async function listApprovalRules(options: { actor: TCaller | null; organizationId: string; db?: PrismaClient }): Promise<TApprovalRule[]> {
  if (options.actor !== "system") assertPermission(options.actor, "settings.read");
  const db = options.db ?? defaultDb;
  const rules = await db.approvalRule.findMany({ where: { organizationId: options.organizationId }, orderBy: [{ taskType: "asc" }, { ouId: "asc" }] });
  const ous = await db.ou.findMany({ where: { id: { in: rules.flatMap((r) => (r.ouId ? [r.ouId] : [])) } }, select: { id: true, name: true } });
  const names = new Map(ous.map((o) => [o.id, o.name]));
  return rules.map((r) => ({
    id: r.id,
    taskType: ZTaskType.parse(r.taskType),
    ouId: r.ouId,
    ouName: r.ouId ? (names.get(r.ouId) ?? null) : null,
    approvalsRequired: r.approvalsRequired,
    updatedAt: r.updatedAt,
  }));
}

/** Creates or changes the rule for (task type, OU or whole organization). */
export async function saveApprovalRule(options: {
  actor: TActor | null;
  organizationId: string;
  input: unknown;
  db?: PrismaClient;
  now?: Date;
}): Promise<TApprovalRule> {
  assertPermission(options.actor, "settings.write");
  const actor = options.actor;
  const parsed = ZApprovalRuleInput.safeParse(options.input);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `Invalid approval rule: ${parsed.error.issues.map((i) => `${i.path.join(".") || "rule"} ${i.message}`).join("; ")}`);
  }
  const { taskType, ouId, approvalsRequired } = parsed.data;
  if (ouId && isOrgTaskType(taskType)) throw new AppError("BAD_REQUEST", "Organization set-up tasks change the whole organization; their approval rule has no OU. Leave the OU empty.");
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  assertFreshAuthForSettings(actor, now);
  const ou = ouId ? await db.ou.findFirst({ where: { id: ouId, organizationId: options.organizationId }, select: { id: true, name: true } }) : null;
  if (ouId && !ou) throw new AppError("BAD_REQUEST", `OU ${ouId} is not in the organization. Pick an OU from the tree.`);
  return db.$transaction(async (tx) => {
    // Two saves of the same rule at once (a double click) wait for each other instead of both creating it.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('rootwarden.settings.approvalRules'))`;
    const existing = await tx.approvalRule.findFirst({ where: { organizationId: options.organizationId, taskType, ouId } });
    const rule = existing
      ? await tx.approvalRule.update({ where: { id: existing.id }, data: { approvalsRequired, updatedAt: now } })
      : await tx.approvalRule.create({ data: { organizationId: options.organizationId, taskType, ouId, approvalsRequired, createdAt: now, updatedAt: now } });
    await appendAuditEvent(tx, {
      type: "settings.changed",
      actor,
      organizationId: options.organizationId,
      payload: { setting: `approvalRule.${taskType}.${ouId ?? "organization"}`, from: existing?.approvalsRequired ?? null, to: approvalsRequired },
      time: now,
    });
    return { id: rule.id, taskType, ouId, ouName: ou?.name ?? null, approvalsRequired, updatedAt: rule.updatedAt };
  });
}

export async function deleteApprovalRule(options: { actor: TActor | null; organizationId: string; ruleId: string; db?: PrismaClient; now?: Date }): Promise<void> {
  assertPermission(options.actor, "settings.write");
  const actor = options.actor;
  if (!z.string().uuid().safeParse(options.ruleId).success) throw new AppError("BAD_REQUEST", "The rule id must be a UUID.");
  const db = options.db ?? defaultDb;
  assertFreshAuthForSettings(actor, options.now ?? new Date());
  await db.$transaction(async (tx) => {
    const rule = await tx.approvalRule.findFirst({ where: { id: options.ruleId, organizationId: options.organizationId } });
    if (!rule) throw new AppError("NOT_FOUND", "No such approval rule (it may have been deleted already).");
    await tx.approvalRule.delete({ where: { id: rule.id } });
    await appendAuditEvent(tx, {
      type: "settings.changed",
      actor,
      organizationId: options.organizationId,
      payload: { setting: `approvalRule.${rule.taskType}.${rule.ouId ?? "organization"}`, from: rule.approvalsRequired, to: null },
      time: options.now,
    });
  });
}

/**
 * Approvals a request needs: for each target account, the rule of the deepest OU on its path (then
 * the organization-wide rule, then 1); the request needs the largest of those.
 */
export async function requiredApprovals(
  db: TDb,
  options: { organizationId: string; taskType: TTaskType; ouIdPaths: readonly (string | null)[] },
): Promise<{ approvals: number; ruleId: string | null }> {
  const rules = await db.approvalRule.findMany({ where: { organizationId: options.organizationId, taskType: options.taskType } });
  if (rules.length === 0) return { approvals: 1, ruleId: null };
  const orgRule = rules.find((r) => r.ouId === null) ?? null;
  const ouRules = rules.filter((r) => r.ouId !== null);
  let best: { approvals: number; ruleId: string | null } = { approvals: 0, ruleId: null };
  for (const path of new Set(options.ouIdPaths)) {
    // ouIdPath is "r-xxxx/ou-a/ou-b/" style: the ids from the root down (see sync-organization.ts).
    const ids = (path ?? "").split("/").filter(Boolean);
    let chosen = orgRule;
    let depth = -1;
    for (const rule of ouRules) {
      const at = ids.indexOf(rule.ouId!);
      if (at > depth) {
        depth = at;
        chosen = rule;
      }
    }
    const approvals = chosen?.approvalsRequired ?? 1;
    if (approvals > best.approvals) best = { approvals, ruleId: chosen?.id ?? null };
  }
  return best.approvals === 0 ? { approvals: orgRule?.approvalsRequired ?? 1, ruleId: orgRule?.id ?? null } : best;
}
