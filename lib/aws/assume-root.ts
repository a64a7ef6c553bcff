// sts:AssumeRoot for one member account and one task policy. The temporary root credentials exist
// only inside withRootSession: they are never returned, stored, logged or put into an error.
import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRootCommand } from "@aws-sdk/client-sts";
import type { TAwsContext } from "./context";
import { AwsCallError, redactSecrets, toAwsCallError } from "./errors";

export const TASK_POLICIES = {
  IAMAuditRootUserCredentials: "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials",
  IAMCreateRootUserPassword: "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword",
  IAMDeleteRootUserCredentials: "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
  S3UnlockBucketPolicy: "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy",
  SQSUnlockQueuePolicy: "arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy",
} as const;
export type TTaskPolicy = keyof typeof TASK_POLICIES;

/** AssumeRoot accepts 0..900 seconds (default 900); more fails. */
export const MAX_ROOT_SESSION_SECONDS = 900;

export type TRootSession = {
  /** IAM client signed with the root session; valid only until the callback returns. */
  iam: IAMClient;
  /** S3 and SQS clients signed with the same session, created on first use; same lifetime as iam. */
  s3: () => S3Client;
  sqs: () => SQSClient;
  /** The AssumeRoot request id ($metadata.requestId), to match the session with CloudTrail. Not a secret. */
  assumeRootRequestId: string | null;
  /**
   * Every secret of this session, for redacting error text built inside the callback
   * (toAwsCallError(err, op, session.secrets)). Never put it anywhere else.
   */
  secrets: readonly string[];
};

export async function withRootSession<T>(
  aws: TAwsContext,
  options: { accountId: string; taskPolicy: TTaskPolicy; durationSeconds: number; signal?: AbortSignal },
  fn: (session: TRootSession) => Promise<T>,
): Promise<T> {
  if (!/^\d{12}$/.test(options.accountId)) {
    throw new AwsCallError("InvalidInput", "The target must be a 12-digit AWS account id.", "sts:AssumeRoot", "The target must be a 12-digit AWS account id.");
  }
  const durationSeconds = Math.min(MAX_ROOT_SESSION_SECONDS, Math.max(0, Math.ceil(options.durationSeconds)));
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  let assumeRootRequestId: string | null;
  try {
    const out = await aws.sts.send(
      new AssumeRootCommand({
        TargetPrincipal: options.accountId,
        TaskPolicyArn: { arn: TASK_POLICIES[options.taskPolicy] },
        DurationSeconds: durationSeconds,
      }),
      { abortSignal: options.signal },
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new AwsCallError("InvalidResponse", "AssumeRoot returned no usable credentials.", "sts:AssumeRoot");
    }
    credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    assumeRootRequestId = out.$metadata?.requestId ?? null;
  } catch (err) {
    throw toAwsCallError(err, "sts:AssumeRoot");
  }
  const secrets = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken];
  try {
    const iam = await aws.createSessionIamClient(credentials);
    let s3: S3Client | undefined;
    let sqs: SQSClient | undefined;
    return await fn({
      iam,
      s3: () => (s3 ??= aws.createSessionS3Client(credentials)),
      sqs: () => (sqs ??= aws.createSessionSqsClient(credentials)),
      assumeRootRequestId,
      secrets,
    });
  } catch (err) {
    // Whatever escapes is rebuilt from code + redacted message; the original (and its cause chain) stays here.
    if (err instanceof AwsCallError) throw new AwsCallError(err.code, redactSecrets(err.message, secrets), err.operation, err.publicMessage);
    throw toAwsCallError(err, "root session", secrets);
  }
}
