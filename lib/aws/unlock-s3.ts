// S3UnlockBucketPolicy sessions: list the account's buckets with their policies (List and Get calls
// only), read one policy, and delete or replace one bucket policy with re-check and read-back.
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, ListBucketsCommand, PutBucketPolicyCommand, type S3Client } from "@aws-sdk/client-s3";
import { withRootSession } from "./assume-root";
import type { TAwsContext } from "./context";
import { isAwsError, toAwsCallError } from "./errors";
import { mapConcurrent } from "./limit";
import { policyDeniesEveryone, ZBucketName } from "./resource-policy";
import { invalidInput, itemError, TASK_SESSION_SECONDS, taskSignal } from "./root-task-common";
import { checkAction, notFound, unlockPolicy, type TPolicyAction, type TPolicyUnlockOutcome } from "./unlock-policy";

export const MAX_LISTED_BUCKETS = 1000;
const READ_CONCURRENCY = 8;

export type TBucketWithPolicy = {
  name: string;
  policy: string | null;
  deniesEveryone: boolean;
  /** Set when this bucket's policy could not be read (the others are still listed). */
  readError: { errorCode: string; message: string } | null;
};
export type TBucketListing = { accountId: string; assumeRootRequestId: string | null; buckets: TBucketWithPolicy[]; truncated: boolean };
export type TUnlockBucketOutcome = TPolicyUnlockOutcome & { accountId: string; bucket: string };

export async function listBucketsWithPolicies(aws: TAwsContext, options: { accountId: string; signal?: AbortSignal }): Promise<TBucketListing> {
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId: options.accountId, taskPolicy: "S3UnlockBucketPolicy", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ s3, secrets, assumeRootRequestId }) => {
      const client = s3();
      const names: string[] = [];
      let token: string | undefined;
      let truncated = false;
      try {
        do {
          const out = await client.send(new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: MAX_LISTED_BUCKETS }), { abortSignal: signal });
          names.push(...(out.Buckets ?? []).flatMap((b) => (b.Name ? [b.Name] : [])));
          token = out.ContinuationToken;
        } while (token && names.length < MAX_LISTED_BUCKETS);
      } catch (err) {
        throw toAwsCallError(err, "s3:ListBuckets", secrets);
      }
      if (token || names.length > MAX_LISTED_BUCKETS) truncated = true;
      const buckets = await mapConcurrent(names.slice(0, MAX_LISTED_BUCKETS), READ_CONCURRENCY, async (name): Promise<TBucketWithPolicy> => {
        try {
          const policy = await getPolicy(client, name, signal);
          return { name, policy, deniesEveryone: policy !== null && policyDeniesEveryone(policy), readError: null };
        } catch (err) {
          return { name, policy: null, deniesEveryone: false, readError: itemError(err, "s3:GetBucketPolicy", secrets) };
        }
      });
      return { accountId: options.accountId, assumeRootRequestId, buckets, truncated };
    },
  );
}

export async function readBucketPolicy(
  aws: TAwsContext,
  options: { accountId: string; bucket: string; signal?: AbortSignal },
): Promise<{ assumeRootRequestId: string | null; policy: string | null }> {
  checkBucketName(options.bucket);
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId: options.accountId, taskPolicy: "S3UnlockBucketPolicy", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ s3, secrets, assumeRootRequestId }) => ({
      assumeRootRequestId,
      policy: await readOrThrow(s3(), options.accountId, options.bucket, signal, secrets),
    }),
  );
}

/** Throws AwsCallError for bad input, when AssumeRoot fails, or when the bucket cannot be read (nothing changed). */
export async function unlockBucketPolicy(
  aws: TAwsContext,
  options: { accountId: string; bucket: string; expectedPolicy: string | null; action: TPolicyAction; signal?: AbortSignal },
): Promise<TUnlockBucketOutcome> {
  const { accountId, bucket, action } = options;
  checkBucketName(bucket);
  checkAction(action, "s3", "s3:PutBucketPolicy");
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId, taskPolicy: "S3UnlockBucketPolicy", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ s3, secrets, assumeRootRequestId }) => {
      const client = s3();
      const send = { abortSignal: signal };
      const outcome = await unlockPolicy({
        what: "bucket",
        expectedPolicy: options.expectedPolicy,
        action,
        assumeRootRequestId,
        secrets,
        writeOperation: action.kind === "DELETE" ? "s3:DeleteBucketPolicy" : "s3:PutBucketPolicy",
        read: () => readOrThrow(client, accountId, bucket, signal, secrets),
        write: async (policy) => {
          if (policy === null) await client.send(new DeleteBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }), send);
          else await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy, ExpectedBucketOwner: accountId }), send);
        },
      });
      return { accountId, bucket, ...outcome };
    },
  );
}

async function getPolicy(client: S3Client, bucket: string, signal: AbortSignal, expectedOwner?: string): Promise<string | null> {
  try {
    const out = await client.send(new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: expectedOwner }), { abortSignal: signal });
    return out.Policy ?? null;
  } catch (err) {
    if (isAwsError(err, "NoSuchBucketPolicy")) return null;
    throw err;
  }
}

async function readOrThrow(client: S3Client, accountId: string, bucket: string, signal: AbortSignal, secrets: readonly string[]): Promise<string | null> {
  try {
    return await getPolicy(client, bucket, signal, accountId);
  } catch (err) {
    if (isAwsError(err, "NoSuchBucket")) throw notFound("NoSuchBucket", `There is no bucket named "${bucket}". Check the name.`, "s3:GetBucketPolicy");
    if (isAwsError(err, "AccessDenied")) {
      throw notFound("AccessDenied", `AWS denied access to bucket "${bucket}" from account ${accountId}'s root session; the bucket probably belongs to another account. Check the name and the account.`, "s3:GetBucketPolicy");
    }
    throw toAwsCallError(err, "s3:GetBucketPolicy", secrets);
  }
}

function checkBucketName(bucket: string): void {
  const parsed = ZBucketName.safeParse(bucket);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? "Invalid bucket name.", "s3:GetBucketPolicy");
}
