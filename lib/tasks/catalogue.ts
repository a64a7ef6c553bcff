// The privileged task catalogue: every task type Rootwarden can run, the one root-task policy it
// uses, the targets it accepts and its parameters (zod). Nothing runs that is not listed here.
import { z } from "zod";
import type { TTaskPolicy } from "@/lib/aws/assume-root";

export const TASK_TYPES = [
  "DELETE_ROOT_CREDENTIALS",
  "ALLOW_PASSWORD_RECOVERY",
  "UNLOCK_S3_BUCKET_POLICY",
  "UNLOCK_SQS_QUEUE_POLICY",
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
  /** The only root-task policy its sessions are opened with. */
  taskPolicy: TTaskPolicy;
  /** Which request scopes it accepts. */
  scopes: readonly ("ACCOUNT" | "ACCOUNTS" | "OU")[];
  /** One line for the request dialog. */
  description: string;
  /** Whether the account is re-scanned after the task (the inventory shows root credentials only). */
  rescan: boolean;
};

export const TASKS: Record<TTaskType, TTaskSpec> = {
  DELETE_ROOT_CREDENTIALS: {
    label: "Delete root credentials",
    taskPolicy: "IAMDeleteRootUserCredentials",
    scopes: ["ACCOUNT", "ACCOUNTS", "OU"],
    description: "Remove the root user's password, access keys, signing certificates and MFA devices (all, or the kinds chosen).",
    rescan: true,
  },
  ALLOW_PASSWORD_RECOVERY: {
    label: "Allow password recovery",
    taskPolicy: "IAMCreateRootUserPassword",
    scopes: ["ACCOUNT"],
    description: "Let the owner of the root e-mail address reset the root password (CreateLoginProfile with no password).",
    rescan: true,
  },
  UNLOCK_S3_BUCKET_POLICY: {
    label: "Unlock S3 bucket policy",
    taskPolicy: "S3UnlockBucketPolicy",
    scopes: ["ACCOUNT"],
    description: "Delete a bucket policy that locks everyone out, or replace it with a policy you supply.",
    rescan: false,
  },
  UNLOCK_SQS_QUEUE_POLICY: {
    label: "Unlock SQS queue policy",
    taskPolicy: "SQSUnlockQueuePolicy",
    scopes: ["ACCOUNT"],
    description: "Remove a queue policy that locks everyone out, or replace it with a policy you supply.",
    rescan: false,
  },
};

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
