// Builds a request's frozen plan: which accounts (and bucket or queue) it touches and, per target,
// exactly what will be removed or replaced, captured now from the latest scan or from AWS. Approvers
// approve this plan, and the executor applies only it (lib/tasks/execute.ts).
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { z } from "zod";
import { policyDeniesEveryone, validateReplacementPolicy, ZBucketName, ZQueueName } from "@/lib/aws/root-tasks";
import { appendAuditEvent } from "@/lib/audit/append";
import type { TActor } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { staleBefore } from "@/lib/inventory/compliance";
import type { TAwsReader, TPolicyRead } from "./aws-reads";
import { TASKS, TASK_PARAMS, ZTaskType, isOrgTaskType, type TCredentialKindName, type TDeleteParams, type TTaskType } from "./catalogue";
import { planOrgSetup, type TOrgSetupPreview } from "./plan-org-setup";

const ZAccountId = z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" });
const ZOuId = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, { message: "must be an OU id (ou-...) or root id (r-...)" });

export const MAX_TARGETS = 20_000;

export const ZTaskScope = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ACCOUNT"), accountId: ZAccountId }).strict(),
  z
    .object({
      type: z.literal("ACCOUNTS"),
      accountIds: z.array(ZAccountId).min(1, { message: "select at least one account" }).max(MAX_TARGETS, { message: `select at most ${MAX_TARGETS} accounts` }),
    })
    .strict(),
  z.object({ type: z.literal("OU"), ouId: ZOuId }).strict(),
  /** Organization set-up task types only: the organization itself. */
  z.object({ type: z.literal("ORG") }).strict(),
]);
export type TTaskScope = z.infer<typeof ZTaskScope>;

/** Root credentials as the plan names them (access key ids shortened as the inventory stores them). */
export type TPlannedCredentials = {
  password: boolean;
  accessKeyIds: string[];
  certificateIds: string[];
  mfaDevices: { serialNumber: string; type: "virtual" | "hardware" }[];
};

export type TTargetPreview =
  | {
      kind: "DELETE_ROOT_CREDENTIALS";
      kinds: TCredentialKindName[];
      deleteVirtualMfa: boolean;
      snapshotId: string;
      snapshotTakenAt: string;
      /** Exactly what will be removed: the chosen kinds only. */
      remove: TPlannedCredentials;
      count: number;
    }
  | { kind: "ALLOW_PASSWORD_RECOVERY"; snapshotId: string; snapshotTakenAt: string }
  | {
      kind: "UNLOCK_S3_BUCKET_POLICY" | "UNLOCK_SQS_QUEUE_POLICY";
      action: "DELETE" | "REPLACE";
      /** The policy read in a root session when the request was made (null: none). */
      currentPolicy: string | null;
      currentDeniesEveryone: boolean;
      newPolicy: string | null;
      readAt: string;
    }
  | TOrgSetupPreview;

export type TPlannedTarget = {
  accountId: string;
  accountName: string;
  ouIdPath: string | null;
  resourceType: "BUCKET" | "QUEUE" | "ORG" | null;
  resourceName: string | null;
  preview: TTargetPreview;
};

export type TExcludedAccount = { accountId: string; accountName: string; reason: string };

export type TPlan = {
  taskType: TTaskType;
  scope: TTaskScope;
  scopeLabel: string;
  scopeOuId: string | null;
  params: Record<string, unknown>;
  targets: TPlannedTarget[];
  excluded: TExcludedAccount[];
  totals: { accounts: number; credentials: number; byKind: Record<TCredentialKindName, number> };
  planSha256: string;
  /** Said loudly before anyone approves: what a disabling change breaks (organization set-up). */
  warning?: string | null;
};

export type TPlanContext = {
  db: PrismaClient;
  /** AWS reads (the policy an unlock freezes): through a worker for web requests. */
  awsRead: TAwsReader;
  organizationId: string;
  freshnessHours: number;
  now: Date;
  actor: TActor;
};

function badRequest(prefix: string, error: z.ZodError): AppError {
  return new AppError("BAD_REQUEST", `${prefix}: ${error.issues.map((i) => `${i.path.join(".") || "value"} ${i.message}`).join("; ")}`);
}

/** Reads and checks everything; writes nothing but the audit events of root sessions it opens. */
export async function buildPlan(ctx: TPlanContext, input: { taskType: unknown; scope: unknown; params: unknown }): Promise<TPlan> {
  const taskTypeParsed = ZTaskType.safeParse(input.taskType);
  if (!taskTypeParsed.success) throw new AppError("BAD_REQUEST", `Unknown task type. Choose one of: ${ZTaskType.options.join(", ")}.`);
  const taskType = taskTypeParsed.data;
  const spec = TASKS[taskType];
  const scopeParsed = ZTaskScope.safeParse(input.scope);
  if (!scopeParsed.success) throw badRequest("Invalid target", scopeParsed.error);
  const scope = scopeParsed.data;
  if (!spec.scopes.includes(scope.type)) {
    throw new AppError(
      "BAD_REQUEST",
      spec.scopes.includes("ORG")
        ? `${spec.label} changes the organization itself; send scope {"type": "ORG"}.`
        : `${spec.label} runs on ${spec.scopes.map((s) => s.toLowerCase()).join(" or ")} targets only; choose a single account.`,
    );
  }
  const paramsParsed = TASK_PARAMS[taskType].safeParse(input.params ?? {});
  if (!paramsParsed.success) throw badRequest("Invalid task parameters", paramsParsed.error);
  const params = paramsParsed.data as Record<string, unknown>;
  if (isOrgTaskType(taskType)) {
    const org = await planOrgSetup(ctx, taskType, params);
    const empty = { password: 0, accessKeys: 0, signingCertificates: 0, mfaDevices: 0 };
    const planSha256 = hashPlan(taskType, org.params, [org.target]);
    return { taskType, scope, scopeLabel: org.scopeLabel, scopeOuId: null, params: org.params, targets: [org.target], excluded: [], totals: { accounts: 1, credentials: 0, byKind: empty }, planSha256, warning: org.warning };
  }

  const { accounts, excluded, label, ouId } = await resolveAccounts(ctx, scope);
  let targets: TPlannedTarget[] = [];
  if (taskType === "DELETE_ROOT_CREDENTIALS") {
    targets = await planDeletion(ctx, accounts, params as TDeleteParams, excluded);
    if (targets.length === 0) {
      throw new AppError(
        "BAD_REQUEST",
        accounts.length === 0
          ? "None of the chosen accounts can be changed (see the reasons listed); nothing to request."
          : "The latest scans show none of the chosen credentials in these accounts: there is nothing to delete.",
        { excluded },
      );
    }
  } else if (taskType === "ALLOW_PASSWORD_RECOVERY") {
    targets = await planPasswordRecovery(ctx, accounts);
  } else {
    targets = [await planUnlock(ctx, taskType, accounts[0]!, params)];
  }

  const byKind: Record<TCredentialKindName, number> = { password: 0, accessKeys: 0, signingCertificates: 0, mfaDevices: 0 };
  let credentials = 0;
  for (const t of targets) {
    if (t.preview.kind !== "DELETE_ROOT_CREDENTIALS") continue;
    byKind.password += t.preview.remove.password ? 1 : 0;
    byKind.accessKeys += t.preview.remove.accessKeyIds.length;
    byKind.signingCertificates += t.preview.remove.certificateIds.length;
    byKind.mfaDevices += t.preview.remove.mfaDevices.length;
    credentials += t.preview.count;
  }
  const planSha256 = hashPlan(taskType, params, targets);
  return { taskType, scope, scopeLabel: label, scopeOuId: ouId, params, targets, excluded, totals: { accounts: targets.length, credentials, byKind }, planSha256 };
}

export function hashPlan(taskType: string, params: unknown, targets: readonly Pick<TPlannedTarget, "accountId" | "resourceName" | "preview">[]): string {
  const text = canonicalize({ taskType, params, targets: targets.map((t) => ({ accountId: t.accountId, resource: t.resourceName, preview: t.preview })) }) ?? "";
  return createHash("sha256").update(text).digest("hex");
}

type TAccountRow = { id: string; name: string; state: string; isManagement: boolean; ouIdPath: string | null; leftOrgAt: Date | null };

function ineligibleReason(a: TAccountRow): string | null {
  if (a.leftOrgAt) return "The account has left the organization.";
  if (a.isManagement) return "This is the management account: AssumeRoot cannot target it. Manage its root user by hand.";
  if (a.state !== "ACTIVE") return `The account is ${a.state}, not ACTIVE.`;
  return null;
}

async function resolveAccounts(
  ctx: TPlanContext,
  scope: TTaskScope,
): Promise<{ accounts: TAccountRow[]; excluded: TExcludedAccount[]; label: string; ouId: string | null }> {
  const select = { id: true, name: true, state: true, isManagement: true, ouIdPath: true, leftOrgAt: true } as const;
  if (scope.type === "ORG") throw new AppError("BAD_REQUEST", "Root tasks run on accounts or OUs; only organization set-up tasks take the ORG scope.");
  if (scope.type === "OU") {
    const ou = await ctx.db.ou.findFirst({ where: { id: scope.ouId, organizationId: ctx.organizationId, removedAt: null }, select: { id: true, path: true, idPath: true } });
    if (!ou) throw new AppError("BAD_REQUEST", `OU ${scope.ouId} is not in the organization. Pick an OU from the tree (or sync the organization).`);
    const rows = await ctx.db.account.findMany({
      where: { organizationId: ctx.organizationId, leftOrgAt: null, ouIdPath: { startsWith: ou.idPath } },
      select,
      orderBy: { id: "asc" },
    });
    if (rows.length > MAX_TARGETS) throw new AppError("BAD_REQUEST", `The OU holds ${rows.length} accounts; a request can cover at most ${MAX_TARGETS}. Choose a smaller OU.`);
    const excluded: TExcludedAccount[] = [];
    const accounts: TAccountRow[] = [];
    for (const r of rows) {
      const why = ineligibleReason(r);
      if (why) excluded.push({ accountId: r.id, accountName: r.name, reason: why });
      else accounts.push(r);
    }
    return { accounts, excluded, label: `OU ${ou.path}`, ouId: ou.id };
  }
  const ids = scope.type === "ACCOUNT" ? [scope.accountId] : [...new Set(scope.accountIds)].sort();
  const rows = await ctx.db.account.findMany({ where: { organizationId: ctx.organizationId, id: { in: ids } }, select });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const problems: string[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) problems.push(`${id}: not in the organization`);
    else {
      const why = ineligibleReason(row);
      if (why) problems.push(`${id} (${row.name}): ${why}`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join("; ");
    throw new AppError("BAD_REQUEST", `These accounts cannot be targeted: ${shown}${problems.length > 10 ? `; and ${problems.length - 10} more` : ""}. Remove them from the selection.`);
  }
  const accounts = ids.map((id) => byId.get(id)!);
  const label = accounts.length === 1 ? `${accounts[0]!.name} (${accounts[0]!.id})` : `${accounts.length} selected accounts`;
  return { accounts, excluded: [], label, ouId: null };
}

const ZSnapshotCreds = z.object({
  accessKeys: z.array(z.object({ accessKeyId: z.string() }).passthrough()).nullish(),
  signingCertificates: z.array(z.object({ certificateId: z.string() }).passthrough()).nullish(),
  mfaDevices: z.array(z.object({ serialNumber: z.string(), type: z.enum(["virtual", "hardware"]).catch("hardware") }).passthrough()).nullish(),
});

type TSnapshotRow = {
  id: string;
  accountId: string;
  takenAt: Date;
  passwordPresent: boolean | null;
  accessKeys: unknown;
  signingCertificates: unknown;
  mfaDevices: unknown;
};

/** Each account's newest successful snapshot; accounts without one, or with one older than the window, are stale. */
async function latestSnapshots(ctx: TPlanContext, accountIds: readonly string[]): Promise<{ fresh: Map<string, TSnapshotRow>; stale: string[] }> {
  const rows = await ctx.db.$queryRaw<TSnapshotRow[]>`
    SELECT DISTINCT ON (s."accountId") s."id"::text AS id, s."accountId", s."takenAt", s."passwordPresent", s."accessKeys", s."signingCertificates", s."mfaDevices"
    FROM "CredentialSnapshot" s
    WHERE s."accountId" = ANY(${accountIds}::text[]) AND s."passwordPresent" IS NOT NULL AND s."takenAt" <= ${ctx.now}
    ORDER BY s."accountId", s."takenAt" DESC`;
  const cutoff = staleBefore(ctx.now, ctx.freshnessHours).getTime();
  const fresh = new Map<string, TSnapshotRow>();
  const stale: string[] = [];
  const byId = new Map(rows.map((r) => [r.accountId, r]));
  for (const id of accountIds) {
    const row = byId.get(id);
    if (row && row.takenAt.getTime() >= cutoff) fresh.set(id, row);
    else stale.push(id);
  }
  return { fresh, stale };
}

function staleError(ctx: TPlanContext, stale: string[]): AppError {
  const shown = stale.slice(0, 5).join(", ");
  return new AppError(
    "CONFLICT",
    `The latest successful scan of ${stale.length === 1 ? "account" : `${stale.length} accounts`} ${shown}${stale.length > 5 ? ", ..." : ""} is missing or older than the ${ctx.freshnessHours} h freshness window, so the plan would not show what is there now. Re-scan ${stale.length === 1 ? "it" : "them"} first, then request again.`,
    { reason: "STALE_SCAN", staleAccountIds: stale.slice(0, 1000) },
  );
}

function snapshotCredentials(row: TSnapshotRow): TPlannedCredentials {
  const parsed = ZSnapshotCreds.safeParse({ accessKeys: row.accessKeys, signingCertificates: row.signingCertificates, mfaDevices: row.mfaDevices });
  const data = parsed.success ? parsed.data : { accessKeys: [], signingCertificates: [], mfaDevices: [] };
  return {
    password: row.passwordPresent === true,
    accessKeyIds: (data.accessKeys ?? []).map((k) => k.accessKeyId),
    certificateIds: (data.signingCertificates ?? []).map((c) => c.certificateId),
    mfaDevices: (data.mfaDevices ?? []).map((m) => ({ serialNumber: m.serialNumber, type: m.type })),
  };
}

async function planDeletion(ctx: TPlanContext, accounts: TAccountRow[], params: TDeleteParams, excluded: TExcludedAccount[]): Promise<TPlannedTarget[]> {
  const { fresh, stale } = await latestSnapshots(ctx, accounts.map((a) => a.id));
  if (stale.length > 0) throw staleError(ctx, stale);
  const kinds = new Set(params.kinds);
  const targets: TPlannedTarget[] = [];
  for (const a of accounts) {
    const snap = fresh.get(a.id)!;
    const all = snapshotCredentials(snap);
    const remove: TPlannedCredentials = {
      password: kinds.has("password") && all.password,
      accessKeyIds: kinds.has("accessKeys") ? all.accessKeyIds : [],
      certificateIds: kinds.has("signingCertificates") ? all.certificateIds : [],
      mfaDevices: kinds.has("mfaDevices") ? all.mfaDevices : [],
    };
    const count = (remove.password ? 1 : 0) + remove.accessKeyIds.length + remove.certificateIds.length + remove.mfaDevices.length;
    if (count === 0) {
      excluded.push({ accountId: a.id, accountName: a.name, reason: "The latest scan shows none of the chosen credentials." });
      continue;
    }
    targets.push({
      accountId: a.id,
      accountName: a.name,
      ouIdPath: a.ouIdPath,
      resourceType: null,
      resourceName: null,
      preview: {
        kind: "DELETE_ROOT_CREDENTIALS",
        kinds: [...params.kinds].sort(),
        deleteVirtualMfa: params.deleteVirtualMfa,
        snapshotId: snap.id,
        snapshotTakenAt: snap.takenAt.toISOString(),
        remove,
        count,
      },
    });
  }
  return targets;
}

async function planPasswordRecovery(ctx: TPlanContext, accounts: TAccountRow[]): Promise<TPlannedTarget[]> {
  const { fresh, stale } = await latestSnapshots(ctx, accounts.map((a) => a.id));
  if (stale.length > 0) throw staleError(ctx, stale);
  return accounts.map((a) => {
    const snap = fresh.get(a.id)!;
    const c = snapshotCredentials(snap);
    if (c.password || c.accessKeyIds.length || c.certificateIds.length || c.mfaDevices.length) {
      throw new AppError(
        "BAD_REQUEST",
        `Password recovery is offered only when the account has no root credentials, and the latest scan of ${a.id} shows some. Delete them first, or let the root e-mail's owner sign in.`,
      );
    }
    return {
      accountId: a.id,
      accountName: a.name,
      ouIdPath: a.ouIdPath,
      resourceType: null,
      resourceName: null,
      preview: { kind: "ALLOW_PASSWORD_RECOVERY" as const, snapshotId: snap.id, snapshotTakenAt: snap.takenAt.toISOString() },
    };
  });
}

async function planUnlock(ctx: TPlanContext, taskType: "UNLOCK_S3_BUCKET_POLICY" | "UNLOCK_SQS_QUEUE_POLICY", account: TAccountRow, params: Record<string, unknown>): Promise<TPlannedTarget> {
  const s3 = taskType === "UNLOCK_S3_BUCKET_POLICY";
  const nameParsed = (s3 ? ZBucketName : ZQueueName).safeParse(s3 ? params.bucket : params.queueName);
  if (!nameParsed.success) throw badRequest(s3 ? "Invalid bucket name" : "Invalid queue name", nameParsed.error);
  const name = nameParsed.data;
  const action = params.action as "DELETE" | "REPLACE";
  let newPolicy: string | null = null;
  if (action === "REPLACE") {
    if (typeof params.policy !== "string" || params.policy.trim() === "") {
      throw new AppError("BAD_REQUEST", "A replacement needs the new policy document (JSON) in params.policy.");
    }
    const checked = validateReplacementPolicy(params.policy, { service: s3 ? "s3" : "sqs" });
    if (!checked.ok) throw new AppError("BAD_REQUEST", `The replacement policy is not usable: ${checked.error}`);
    newPolicy = checked.policy;
  } else if (params.policy !== undefined) {
    throw new AppError("BAD_REQUEST", "A deletion takes no policy; choose REPLACE to supply one.");
  }
  const read = (await ctx.awsRead(s3 ? { op: "s3.readPolicy", accountId: account.id, bucket: name } : { op: "sqs.readPolicy", accountId: account.id, queueName: name })) as TPolicyRead;
  await ctx.db.$transaction(async (tx) => {
    await appendAuditEvent(tx, {
      type: "task.session_read",
      actor: ctx.actor,
      organizationId: ctx.organizationId,
      target: { type: s3 ? "BUCKET" : "QUEUE", id: `${account.id}/${name}` },
      payload: {
        purpose: "read-policy",
        taskPolicy: TASKS[taskType].taskPolicy!,
        accountId: account.id,
        resource: name,
        assumeRootRequestId: read.assumeRootRequestId,
        count: null,
      },
      time: ctx.now,
    });
  });
  if (action === "DELETE" && read.policy === null) {
    throw new AppError("BAD_REQUEST", `${s3 ? "Bucket" : "Queue"} ${name} has no policy now: there is nothing to unlock.`);
  }
  return {
    accountId: account.id,
    accountName: account.name,
    ouIdPath: account.ouIdPath,
    resourceType: s3 ? "BUCKET" : "QUEUE",
    resourceName: name,
    preview: {
      kind: taskType,
      action,
      currentPolicy: read.policy,
      currentDeniesEveryone: read.policy !== null && policyDeniesEveryone(read.policy),
      newPolicy,
      readAt: ctx.now.toISOString(),
    },
  };
}
