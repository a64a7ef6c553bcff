// The five AssumeRoot task policies and the actions each leaves usable (deny-only policies: everything else is denied).

export const TASK_POLICY_PREFIX = "arn:aws:iam::aws:policy/root-task/";

export const TASK_POLICIES = {
  IAMAuditRootUserCredentials: [
    "iam:GetAccountSummary", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed",
    "iam:ListSigningCertificates", "iam:ListMFADevices", "iam:GetUser",
  ],
  IAMCreateRootUserPassword: ["iam:CreateLoginProfile", "iam:GetLoginProfile"],
  IAMDeleteRootUserCredentials: [
    "iam:DeleteLoginProfile", "iam:DeleteAccessKey", "iam:DeleteSigningCertificate", "iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice",
    "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:ListSigningCertificates", "iam:ListMFADevices", "iam:GetUser",
  ],
  S3UnlockBucketPolicy: ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:ListAllMyBuckets"],
  SQSUnlockQueuePolicy: ["sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:ListQueues", "sqs:GetQueueUrl"],
} as const satisfies Record<string, readonly string[]>;

export type TaskPolicyName = keyof typeof TASK_POLICIES;

const ALLOWED = new Map<TaskPolicyName, ReadonlySet<string>>(
  (Object.keys(TASK_POLICIES) as TaskPolicyName[]).map((name) => [name, new Set<string>(TASK_POLICIES[name])]),
);

export function parseTaskPolicyArn(arn: string | undefined): TaskPolicyName | null {
  if (!arn || !arn.startsWith(TASK_POLICY_PREFIX)) return null;
  const name = arn.slice(TASK_POLICY_PREFIX.length);
  return Object.hasOwn(TASK_POLICIES, name) ? (name as TaskPolicyName) : null;
}

export function taskPolicyArn(name: TaskPolicyName): string {
  return `${TASK_POLICY_PREFIX}${name}`;
}

// GetCallerIdentity needs no permission and cannot be denied, so every session may call it.
export function isActionAllowedInRootSession(policy: TaskPolicyName, action: string): boolean {
  return action === "sts:GetCallerIdentity" || (ALLOWED.get(policy)?.has(action) ?? false);
}
