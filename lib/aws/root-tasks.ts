// The privileged root tasks of lib/aws in one place: each runs in a session of exactly one task policy.
export { CREDENTIAL_KINDS, deleteRootCredentials, preconditionDifferences } from "./delete-root-credentials";
export type { TCredentialKind, TCurrentRootCredentials, TDeletionItem, TDeletionOutcome, TDeletionPlan } from "./delete-root-credentials";
export { allowPasswordRecovery, type TPasswordRecoveryOutcome } from "./password-recovery";
export { MAX_POLICY_BYTES, policyDeniesEveryone, samePolicy, describePolicyDifferences, validateReplacementPolicy, ZBucketName, ZQueueName } from "./resource-policy";
export type { TPolicyValidation } from "./resource-policy";
export { TASK_DEADLINE_SECONDS, TASK_SESSION_SECONDS } from "./root-task-common";
export type { TPolicyAction, TPolicyUnlockOutcome, TUnlockResult } from "./unlock-policy";
export { listBucketsWithPolicies, MAX_LISTED_BUCKETS, readBucketPolicy, unlockBucketPolicy } from "./unlock-s3";
export type { TBucketListing, TBucketWithPolicy, TUnlockBucketOutcome } from "./unlock-s3";
export { listQueuesWithPolicies, MAX_LISTED_QUEUES, readQueuePolicy, unlockQueuePolicy } from "./unlock-sqs";
export type { TQueueListing, TQueueWithPolicy, TUnlockQueueOutcome } from "./unlock-sqs";
