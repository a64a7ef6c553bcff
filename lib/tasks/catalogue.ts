// The privileged task catalogue: every task type Rootwarden can run, the one root-task policy it
// uses, the targets it accepts and its parameters (zod). Nothing runs that is not listed here.
import { z } from "zod";
import type { TTaskPolicy } from "@/lib/aws/assume-root";
import type { TOrgSetupStep } from "@/lib/aws/org-setup";
import type { TPermission } from "@/lib/auth/permissions";

export const TASK_TYPES = [
  "DELETE_ROOT_CREDENTIALS",
  "ALLOW_PASSWORD_RECOVERY",
  "UNLOCK_S3_BUCKET_POLICY",
  "UNLOCK_SQS_QUEUE_POLICY",
  // Organization set-up (org.setup): the organization itself is the one target.
  "ORG_ENABLE_TRUSTED_ACCESS",
  "ORG_DISABLE_TRUSTED_ACCESS",
  "ORG_ENABLE_ROOT_CREDENTIALS_MANAGEMENT",
  "ORG_DISABLE_ROOT_CREDENTIALS_MANAGEMENT",
  "ORG_ENABLE_ROOT_SESSIONS",
  "ORG_DISABLE_ROOT_SESSIONS",
  "ORG_REGISTER_DELEGATED_ADMIN",
  "ORG_DEREGISTER_DELEGATED_ADMIN",
] as const;
export const ZTaskType = z.enum(TASK_TYPES);
export type TTaskType = z.infer<typeof ZTaskType>;

export const CREDENTIAL_KINDS = ["password", "accessKeys", "signingCertificates", "mfaDevices"] as const;
export const ZCredentialKind = z.enum(CREDENTIAL_KINDS);
export type TCredentialKindName = z.infer<typeof ZCredentialKind>;

export const CREDENTIAL_KIND_LABELS: Record<TCredentialKindName, string> = {
  password: "password",
  accessKeys: "access keys",
  signingCertificates: "signing certificates",
  mfaDevices: "MFA devices",
};

export type TTaskSpec = {
  label: string;
  /** The only root-task policy its sessions are opened with; null: no root session (organization set-up). */
  taskPolicy: TTaskPolicy | null;
  /** Which request scopes it accepts. */
  scopes: readonly ("ACCOUNT" | "ACCOUNTS" | "OU" | "ORG")[];
  /** The permission needed to request it (approving is tasks.approve for every type). */
  permission: TPermission;
  /** Organization set-up: the step it changes and in which direction. */
  orgSetup?: { step: TOrgSetupStep; enable: boolean };
  /** One line for the request dialog. */
  description: string;
  /** Whether the account is re-scanned after the task (the inventory shows root credentials only). */
  rescan: boolean;
};

export const TASKS: Record<TTaskType, TTaskSpec> = {
  DELETE_ROOT_CREDENTIALS: {
    label: "Delete root credentials",
    taskPolicy: "IAMDeleteRootUserCredentials",
    permission: "tasks.request",
    scopes: ["ACCOUNT", "ACCOUNTS", "OU"],
    description: "Remove the root user's password, access keys, signing certificates and MFA devices (all, or the kinds chosen).",
    rescan: true,
  },
  ALLOW_PASSWORD_RECOVERY: {
    label: "Allow password recovery",
    taskPolicy: "IAMCreateRootUserPassword",
    permission: "tasks.request",
    scopes: ["ACCOUNT"],
    description: "Let the owner of the root e-mail address reset the root password (CreateLoginProfile with no password).",
    rescan: true,
  },
  UNLOCK_S3_BUCKET_POLICY: {
    label: "Unlock S3 bucket policy",
    taskPolicy: "S3UnlockBucketPolicy",
    permission: "tasks.request",
    scopes: ["ACCOUNT"],
    description: "Delete a bucket policy that locks everyone out, or replace it with a policy you supply.",
    rescan: false,
  },
  UNLOCK_SQS_QUEUE_POLICY: {
    label: "Unlock SQS queue policy",
    taskPolicy: "SQSUnlockQueuePolicy",
    permission: "tasks.request",
    scopes: ["ACCOUNT"],
    description: "Remove a queue policy that locks everyone out, or replace it with a policy you supply.",
    rescan: false,
  },
  ORG_ENABLE_TRUSTED_ACCESS: orgTask("Enable trusted access for IAM", "TRUSTED_ACCESS", true, "organizations:EnableAWSServiceAccess for iam.amazonaws.com: lets IAM manage root access for the organization (set-up step 2)."),
  ORG_DISABLE_TRUSTED_ACCESS: orgTask("Disable trusted access for IAM", "TRUSTED_ACCESS", false, "organizations:DisableAWSServiceAccess for iam.amazonaws.com: both root-access features stop working."),
  ORG_ENABLE_ROOT_CREDENTIALS_MANAGEMENT: orgTask("Enable RootCredentialsManagement", "ROOT_CREDENTIALS_MANAGEMENT", true, "Lets the organization remove member accounts' root credentials; new accounts get none (set-up step 3)."),
  ORG_DISABLE_ROOT_CREDENTIALS_MANAGEMENT: orgTask("Disable RootCredentialsManagement", "ROOT_CREDENTIALS_MANAGEMENT", false, "Root credentials can no longer be managed centrally."),
  ORG_ENABLE_ROOT_SESSIONS: orgTask("Enable RootSessions", "ROOT_SESSIONS", true, "Allows sts:AssumeRoot: short, task-scoped root sessions in member accounts (set-up step 4)."),
  ORG_DISABLE_ROOT_SESSIONS: orgTask("Disable RootSessions", "ROOT_SESSIONS", false, "Stops sts:AssumeRoot: every scan and privileged task fails until it is enabled again."),
  ORG_REGISTER_DELEGATED_ADMIN: orgTask("Register IAM delegated administrator", "DELEGATED_ADMIN", true, "Lets a member account (e.g. security tooling) manage root access instead of the management account (optional step 5)."),
  ORG_DEREGISTER_DELEGATED_ADMIN: orgTask("Deregister IAM delegated administrator", "DELEGATED_ADMIN", false, "The account stops being IAM's delegated administrator; Rootwarden running there loses access."),
};

function orgTask(label: string, step: TOrgSetupStep, enable: boolean, description: string): TTaskSpec {
  return { label, taskPolicy: null, scopes: ["ORG"], permission: "org.setup", orgSetup: { step, enable }, description, rescan: false };
}

export type TOrgTaskType = Extract<TTaskType, `ORG_${string}`>;
export const ORG_TASK_TYPES = TASK_TYPES.filter((t): t is TOrgTaskType => t.startsWith("ORG_"));

export function isOrgTaskType(value: unknown): value is TOrgTaskType {
  return typeof value === "string" && (ORG_TASK_TYPES as readonly string[]).includes(value);
}

/** The task type that moves a set-up step in a direction. */
export function orgTaskTypeFor(step: TOrgSetupStep, enable: boolean): TOrgTaskType {
  return ORG_TASK_TYPES.find((t) => TASKS[t].orgSetup?.step === step && TASKS[t].orgSetup.enable === enable)!;
}

/** The permission to request a task of this (unparsed) type; unknown types fall back to tasks.request and fail later. */
export function requestPermission(taskType: unknown): TPermission {
  const parsed = ZTaskType.safeParse(taskType);
  return parsed.success ? TASKS[parsed.data].permission : "tasks.request";
}

export const ZDeleteParams = z
  .object({
    kinds: z.array(ZCredentialKind).min(1, { message: "choose at least one kind of credential to delete" }).max(4),
    /** After deactivating a virtual MFA device, delete it too (AWS's own procedure only deactivates). */
    deleteVirtualMfa: z.boolean().default(false),
  })
  .strict();
export const ZPolicyAction = z.enum(["DELETE", "REPLACE"]);
export const ZUnlockParams = z
  .object({
    action: ZPolicyAction,
    /** The replacement policy document (JSON text), for REPLACE only. */
    policy: z.string().max(40_000, { message: "must be at most 20 KB" }).optional(),
  })
  .strict();

export const TASK_PARAMS = {
  DELETE_ROOT_CREDENTIALS: ZDeleteParams,
  ALLOW_PASSWORD_RECOVERY: z.object({}).strict(),
  UNLOCK_S3_BUCKET_POLICY: ZUnlockParams.extend({ bucket: z.string() }).strict(),
  UNLOCK_SQS_QUEUE_POLICY: ZUnlockParams.extend({ queueName: z.string() }).strict(),
  ORG_ENABLE_TRUSTED_ACCESS: z.object({}).strict(),
  ORG_DISABLE_TRUSTED_ACCESS: z.object({}).strict(),
  ORG_ENABLE_ROOT_CREDENTIALS_MANAGEMENT: z.object({}).strict(),
  ORG_DISABLE_ROOT_CREDENTIALS_MANAGEMENT: z.object({}).strict(),
  ORG_ENABLE_ROOT_SESSIONS: z.object({}).strict(),
  ORG_DISABLE_ROOT_SESSIONS: z.object({}).strict(),
  /** The member account to register (ACTIVE, not the management account). */
  ORG_REGISTER_DELEGATED_ADMIN: z.object({ accountId: z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }) }).strict(),
  /** The plan names the account registered now. */
  ORG_DEREGISTER_DELEGATED_ADMIN: z.object({}).strict(),
} as const;
export type TDeleteParams = z.infer<typeof ZDeleteParams>;
export type TUnlockS3Params = z.infer<(typeof TASK_PARAMS)["UNLOCK_S3_BUCKET_POLICY"]>;
export type TUnlockSqsParams = z.infer<(typeof TASK_PARAMS)["UNLOCK_SQS_QUEUE_POLICY"]>;

export const REQUEST_STATUSES = [
  "PENDING",
  "APPROVED",
  "EXECUTING",
  "SUCCEEDED",
  "PARTIALLY_SUCCEEDED",
  "FAILED",
  "REJECTED",
  "CANCELLED",
  "EXPIRED",
] as const;
export const ZRequestStatus = z.enum(REQUEST_STATUSES);
export type TRequestStatus = z.infer<typeof ZRequestStatus>;
export const OPEN_STATUSES: readonly TRequestStatus[] = ["PENDING", "APPROVED", "EXECUTING"];

export const TARGET_STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "ALREADY_DONE", "PRECONDITION_FAILED", "FAILED", "CANCELLED"] as const;
export type TTargetStatus = (typeof TARGET_STATUSES)[number];

/**
 * The request state machine. Only these transitions exist; each is a guarded UPDATE
 * (`WHERE status = <from>`) in one transaction with its audit event (lib/tasks/transitions.ts).
 */
export const TRANSITIONS: Record<TRequestStatus, readonly TRequestStatus[]> = {
  PENDING: ["APPROVED", "REJECTED", "CANCELLED", "EXPIRED"],
  APPROVED: ["EXECUTING", "CANCELLED", "EXPIRED"],
  EXECUTING: ["SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED"],
  SUCCEEDED: [],
  PARTIALLY_SUCCEEDED: [],
  FAILED: [],
  REJECTED: [],
  CANCELLED: [],
  EXPIRED: [],
};

export function canTransition(from: TRequestStatus, to: TRequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export const STATUS_LABELS: Record<TRequestStatus, string> = {
  PENDING: "Pending approval",
  APPROVED: "Approved",
  EXECUTING: "Running",
  SUCCEEDED: "Succeeded",
  PARTIALLY_SUCCEEDED: "Partially succeeded",
  FAILED: "Failed",
  REJECTED: "Rejected",
  CANCELLED: "Cancelled",
  EXPIRED: "Expired",
};
