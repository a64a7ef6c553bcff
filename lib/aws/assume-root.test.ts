// withRootSession: the request it sends (task policy ARN, clamped duration) and what escapes it when
// something inside the session fails with the session's secrets in its message or cause.
import type { IAMClient } from "@aws-sdk/client-iam";
import type { AssumeRootCommand } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { MAX_ROOT_SESSION_SECONDS, TASK_POLICIES, withRootSession } from "./assume-root";
import type { TAwsContext } from "./context";
import { AwsCallError } from "./errors";

const creds = {
  AccessKeyId: "ASIAQWERTYUIOPASDFGH",
  SecretAccessKey: "s3cr3t/Key+With=Chars" + "x".repeat(19),
  SessionToken: "IQoJb3JpZ2luX2Vj/+=" + "t".repeat(200),
};

function fakeAws(sent: AssumeRootCommand["input"][], created: string[] = []): TAwsContext {
  return {
    sts: {
      send: async (cmd: AssumeRootCommand) => {
        sent.push(cmd.input);
        return { Credentials: { ...creds, Expiration: new Date() }, $metadata: { requestId: "req-1234" } };
      },
    },
    createSessionIamClient: async () => ({}) as IAMClient,
    createSessionS3Client: () => (created.push("s3"), {}),
    createSessionSqsClient: () => (created.push("sqs"), {}),
  } as unknown as TAwsContext;
}

describe("withRootSession", () => {
  it("asks for the task policy's ARN and a duration within 0..900 seconds", async () => {
    const sent: AssumeRootCommand["input"][] = [];
    await withRootSession(fakeAws(sent), { accountId: "111122223333", taskPolicy: "IAMAuditRootUserCredentials", durationSeconds: 5000 }, async () => 1);
    await withRootSession(fakeAws(sent), { accountId: "111122223333", taskPolicy: "S3UnlockBucketPolicy", durationSeconds: -3 }, async () => 1);
    expect(sent[0]).toEqual({
      TargetPrincipal: "111122223333",
      TaskPolicyArn: { arn: "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials" },
      DurationSeconds: MAX_ROOT_SESSION_SECONDS,
    });
    expect(sent[1]).toMatchObject({ TaskPolicyArn: { arn: TASK_POLICIES.S3UnlockBucketPolicy }, DurationSeconds: 0 });
  });

  it("carries the AssumeRoot request id and creates S3 and SQS clients once, on first use", async () => {
    const created: string[] = [];
    const seen = await withRootSession(fakeAws([], created), { accountId: "111122223333", taskPolicy: "S3UnlockBucketPolicy", durationSeconds: 60 }, async (session) => {
      expect(created).toEqual([]);
      expect(session.s3()).toBe(session.s3());
      return session.assumeRootRequestId;
    });
    expect(seen).toBe("req-1234");
    expect(created).toEqual(["s3"]);
  });

  it("lets no secret out through the message or cause of an error thrown inside the session", async () => {
    const secretText = `${creds.AccessKeyId} ${creds.SecretAccessKey} ${encodeURIComponent(creds.SessionToken)}`;
    for (const thrown of [
      new Error(`signing failed: ${secretText}`, { cause: { credentials: creds } }),
      new AwsCallError("SignatureDoesNotMatch", `bad signature for ${secretText}`, "iam:GetUser"),
    ]) {
      const err = await withRootSession(fakeAws([]), { accountId: "111122223333", taskPolicy: "IAMAuditRootUserCredentials", durationSeconds: 60 }, async () => {
        throw thrown;
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsCallError);
      expect((err as Error).cause).toBeUndefined();
      const text = JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack });
      for (const secret of Object.values(creds)) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(encodeURIComponent(secret));
      }
    }
  });
});
