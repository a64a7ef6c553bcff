// S3 bucket policies and SQS queue policies through the real SDK, including locked resources and the two unlock tasks.
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, ListBucketsCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { isBucketLocked, isQueueLocked, type SimBucket, type SimQueue } from "./state";
import { control, errorOf, managementClients, rootSession } from "./test-helpers";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 120, seed: "s3sqs" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const lockedBucket = (): SimBucket => [...sim.state.buckets.values()].find((b) => isBucketLocked(b) && sim.state.accounts.get(b.accountId)!.state === "ACTIVE" && b.accountId !== sim.managementAccountId)!;
const lockedQueue = (): SimQueue => [...sim.state.queues.values()].find((q) => isQueueLocked(q) && sim.state.accounts.get(q.accountId)!.state === "ACTIVE" && q.accountId !== sim.managementAccountId)!;
const mgmtBucket = (): SimBucket => {
  const account = sim.state.accounts.get(sim.managementAccountId)!;
  if (account.bucketNames.length === 0) throw new Error("seed must give the management account a bucket");
  return sim.state.buckets.get(account.bucketNames[0]!)!;
};
const policyDoc = (bucket: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] });

describe("S3", () => {
  it("lists the caller's own buckets", async () => {
    const out = await managementClients(sim).s3.send(new ListBucketsCommand({}));
    expect(out.Buckets!.map((b) => b.Name).sort()).toEqual([...sim.state.accounts.get(sim.managementAccountId)!.bucketNames].sort());
    expect(out.Buckets![0]!.CreationDate).toBeInstanceOf(Date);
  });

  it("pages ListBuckets with MaxBuckets and ContinuationToken, and refuses a bad MaxBuckets or token", async () => {
    const { s3 } = managementClients(sim);
    const account = sim.state.accounts.get(sim.managementAccountId)!;
    for (let i = 0; i < 3; i++) {
      const name = `extra-bucket-${i}-${account.id}`;
      sim.state.buckets.set(name, { name, accountId: account.id, region: sim.region, creationDate: Date.now(), policy: null });
      account.bucketNames.push(name);
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: token }));
      names.push(...out.Buckets!.map((b) => b.Name!));
      token = out.ContinuationToken;
      pages++;
    } while (token);
    expect(names).toEqual(account.bucketNames);
    expect(pages).toBe(Math.ceil(account.bucketNames.length / 2));
    expect((await s3.send(new ListBucketsCommand({}))).ContinuationToken).toBeUndefined();
    expect((await errorOf(s3.send(new ListBucketsCommand({ MaxBuckets: 0 })))).name).toBe("InvalidArgument");
    expect((await errorOf(s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: "bogus" })))).name).toBe("InvalidArgument");
  });

  it("gets, puts and deletes a bucket policy; NoSuchBucketPolicy and NoSuchBucket", async () => {
    const { s3 } = managementClients(sim);
    const bucket = mgmtBucket().name;
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    const missing = await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })));
    expect([missing.name, missing.$metadata.httpStatusCode]).toEqual(["NoSuchBucketPolicy", 404]);
    const put = await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policyDoc(bucket) }));
    expect(put.$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(policyDoc(bucket));
    expect((await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
    const noBucket = await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: "no-such-bucket-anywhere" })));
    expect([noBucket.name, noBucket.$metadata.httpStatusCode]).toEqual(["NoSuchBucket", 404]);
    const malformed = await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: "not json" })));
    expect(malformed.name).toBe("MalformedPolicy");
  });

  it("denies non-root callers on a locked bucket, even in their own account", async () => {
    const bucket = mgmtBucket().name;
    expect((await control(sim, "POST", `/_sim/buckets/${bucket}/policy`, { locked: true })).status).toBe(200);
    const { s3 } = managementClients(sim);
    for (const call of [
      () => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
      () => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policyDoc(bucket) })),
      () => s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })),
    ]) {
      const err = await errorOf(call());
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(["AccessDenied", 403]);
    }
    expect((await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: lockedBucket().name })))).name).toBe("AccessDenied");
  });

  it("lets the owner's root (S3UnlockBucketPolicy) read, replace and delete a locked policy", async () => {
    const bucket = lockedBucket();
    const { s3 } = await rootSession(sim, bucket.accountId, "S3UnlockBucketPolicy");
    expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toContain(bucket.name);
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket.name }))).Policy!).Statement[0].Effect).toBe("Deny");
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket.name, Policy: policyDoc(bucket.name) }));
    expect(isBucketLocked(sim.state.buckets.get(bucket.name)!)).toBe(false);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket.name }));
    expect(sim.state.buckets.get(bucket.name)!.policy).toBeNull();
  });

  it("keeps an unlock session to its own account and its own task", async () => {
    const bucket = lockedBucket();
    const other = [...sim.state.buckets.values()].find((b) => b.accountId !== bucket.accountId && sim.state.accounts.get(b.accountId)!.state === "ACTIVE" && b.accountId !== sim.managementAccountId)!;
    const session = await rootSession(sim, bucket.accountId, "S3UnlockBucketPolicy");
    expect((await errorOf(session.s3.send(new GetBucketPolicyCommand({ Bucket: other.name })))).name).toBe("AccessDenied");
    expect((await errorOf(session.iam.send(new ListAccessKeysCommand({})))).name).toBe("AccessDenied");
    expect((await errorOf(session.sqs.send(new ListQueuesCommand({})))).name).toBe("AccessDenied");
    const audit = await rootSession(sim, bucket.accountId, "IAMAuditRootUserCredentials");
    expect((await errorOf(audit.s3.send(new GetBucketPolicyCommand({ Bucket: bucket.name })))).name).toBe("AccessDenied");
  });
});

describe("SQS", () => {
  it("lists queues with URLs pointing at the simulator, and resolves names to URLs", async () => {
    const { sqs } = managementClients(sim);
    const names = sim.state.accounts.get(sim.managementAccountId)!.queueNames;
    const urls = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    expect(urls).toEqual(names.map((n) => `${sim.endpoint}/${sim.managementAccountId}/${n}`));
    if (names.length) expect((await sqs.send(new GetQueueUrlCommand({ QueueName: names[0]! }))).QueueUrl).toBe(urls[0]);
    const missing = await errorOf(sqs.send(new GetQueueUrlCommand({ QueueName: "no-such-queue" })));
    expect([missing.name, missing.$metadata.httpStatusCode, missing.Code]).toEqual(["QueueDoesNotExist", 400, "AWS.SimpleQueueService.NonExistentQueue"]);
  });

  it("pages ListQueues when MaxResults is given", async () => {
    const queue = lockedQueue();
    const session = await rootSession(sim, queue.accountId, "SQSUnlockQueuePolicy");
    await control(sim, "POST", `/_sim/queues/${queue.accountId}/${queue.name}/policy`, { policy: null });
    const all = sim.state.accounts.get(queue.accountId)!.queueNames;
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await session.sqs.send(new ListQueuesCommand({ MaxResults: 1, NextToken: token }));
      seen.push(...(page.QueueUrls ?? []));
      token = page.NextToken;
    } while (token);
    expect(seen).toHaveLength(all.length);
  });

  it("reads and removes a locked queue policy only as the owner's root with SQSUnlockQueuePolicy", async () => {
    const queue = lockedQueue();
    const { sqs } = await rootSession(sim, queue.accountId, "SQSUnlockQueuePolicy");
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }))).QueueUrl!;
    expect(url).toBe(`${sim.endpoint}/${queue.accountId}/${queue.name}`);
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Policy"] }))).Attributes!;
    expect(Object.keys(attrs)).toEqual(["Policy"]);
    expect(isQueueLocked({ ...queue, policy: attrs.Policy! })).toBe(true);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: "" } }));
    expect(sim.state.queues.get(`${queue.accountId}/${queue.name}`)!.policy).toBeNull();
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Policy"] }))).Attributes).toBeUndefined();
  });

  it("denies non-root callers on a locked queue and unlock sessions on other accounts' queues", async () => {
    const mgmtQueueName = sim.state.accounts.get(sim.managementAccountId)!.queueNames[0];
    const { sqs } = managementClients(sim);
    if (mgmtQueueName) {
      await control(sim, "POST", `/_sim/queues/${sim.managementAccountId}/${mgmtQueueName}/policy`, { locked: true });
      const url = `${sim.endpoint}/${sim.managementAccountId}/${mgmtQueueName}`;
      const err = await errorOf(sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Policy"] })));
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(["AccessDenied", 403]);
      expect((await errorOf(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: "" } })))).name).toBe("AccessDenied");
    }
    const queue = lockedQueue();
    const otherAccount = sim.state.accountIds.find((id) => id !== queue.accountId && id !== sim.managementAccountId && sim.state.accounts.get(id)!.state === "ACTIVE")!;
    const foreign = await rootSession(sim, otherAccount, "SQSUnlockQueuePolicy");
    const err = await errorOf(foreign.sqs.send(new GetQueueAttributesCommand({ QueueUrl: `${sim.endpoint}/${queue.accountId}/${queue.name}`, AttributeNames: ["Policy"] })));
    expect(err.name).toBe("AccessDenied");
  });

  it("rejects an invalid policy and unknown attribute names", async () => {
    const queue = lockedQueue();
    const { sqs } = await rootSession(sim, queue.accountId, "SQSUnlockQueuePolicy");
    const url = `${sim.endpoint}/${queue.accountId}/${queue.name}`;
    expect((await errorOf(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: "{nope" } })))).name).toBe("InvalidAttributeValue");
    expect((await errorOf(sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Bogus" as "Policy"] })))).name).toBe("InvalidAttributeName");
  });
});
