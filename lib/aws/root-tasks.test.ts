// The privileged root tasks against the simulator through the real SDK: happy paths, precondition
// failures, already-done re-runs and partial states, each counted in the simulator's call log; and a
// canary: no secret of any issued root session (nor any full root access key id) appears in an
// outcome or a thrown error.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import type { SimAccount } from "@/sim/aws/state";
import { activeMembers, control } from "@/sim/aws/test-helpers";
import { shortenKeyId } from "./audit-root-credentials";
import { createAwsContext, type TAwsContext } from "./context";
import { AwsCallError } from "./errors";
import {
  allowPasswordRecovery,
  deleteRootCredentials,
  listBucketsWithPolicies,
  listQueuesWithPolicies,
  readBucketPolicy,
  readQueuePolicy,
  unlockBucketPolicy,
  unlockQueuePolicy,
  type TDeletionPlan,
} from "./root-tasks";

const MUTATING = new Set([
  "DeleteLoginProfile", "DeleteAccessKey", "DeleteSigningCertificate", "DeactivateMFADevice", "DeleteVirtualMFADevice",
  "CreateLoginProfile", "PutBucketPolicy", "DeleteBucketPolicy", "SetQueueAttributes",
]);

let sim: AwsSim;
let aws: TAwsContext;
let proxy: http.Server;
const issued = new Set<string>();
/** Everything the functions returned or threw, for the canary at the end. */
const seen: unknown[] = [];

beforeAll(async () => {
  sim = await startAwsSim({ accounts: 40, seed: "root-tasks" });
  const p = await startRecordingProxy(sim.endpoint, issued);
  proxy = p.server;
  aws = createAwsContext({ endpoint: p.endpoint, region: sim.region, credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }, maxAttempts: 1 });
});
afterAll(async () => {
  aws?.destroy();
  await sim?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

const keep = <T,>(value: T): T => (seen.push(value), value);
const caught = async (promise: Promise<unknown>): Promise<AwsCallError> => {
  const err = await promise.then(
    () => new Error("expected a failure"),
    (e: unknown) => e,
  );
  seen.push(err, (err as Error).message, (err as Error).stack);
  expect(err).toBeInstanceOf(AwsCallError);
  return err as AwsCallError;
};

let nextMember = 0;
/** A fresh ACTIVE member account per test, so tests do not see each other's changes. */
function freshAccount(): SimAccount {
  const members = activeMembers(sim);
  const account = members[nextMember++];
  if (!account) throw new Error("the simulated org has too few accounts for these tests");
  return account;
}

async function seed(accountId: string, body: Record<string, unknown>): Promise<void> {
  expect((await control(sim, "POST", `/_sim/accounts/${accountId}/credentials`, { clean: true, ...body })).status).toBe(200);
}

async function lastSeq(): Promise<number> {
  const { json } = await control(sim, "GET", "/_sim/calls?limit=1");
  return (json as { calls: { seq: number }[] }).calls[0]?.seq ?? 0;
}

/** Mutating calls for the account since `since`, from GET /_sim/calls. */
async function mutatingCallsSince(accountId: string, since: number): Promise<{ operation: string; taskPolicy: string | null }[]> {
  const { json } = await control(sim, "GET", `/_sim/calls?accountId=${accountId}&since=${since}`);
  return (json as { calls: { operation: string; taskPolicy: string | null }[] }).calls.filter((c) => MUTATING.has(c.operation));
}

function planOf(account: SimAccount, deleteVirtualMfa = true): TDeletionPlan {
  const r = account.root;
  return {
    password: r.loginProfile !== null,
    accessKeyIds: r.accessKeys.map((k) => shortenKeyId(k.accessKeyId)),
    certificateIds: r.signingCertificates.map((c) => c.certificateId),
    mfaSerials: r.mfaDevices.filter((d) => d.assigned).map((d) => d.serialNumber),
    deleteVirtualMfa,
    kinds: ["password", "accessKeys", "signingCertificates", "mfaDevices"],
  };
}

describe("deleteRootCredentials", () => {
  it("deletes every approved credential with one call each, verifies, and does nothing on a second run", async () => {
    const account = freshAccount();
    await seed(account.id, { password: true, mfa: ["hardware"], accessKeys: 2, signingCertificates: 2 });
    const plan = planOf(account);
    const since = await lastSeq();
    const out = keep(await deleteRootCredentials(aws, { accountId: account.id, plan }));
    expect(out.precondition).toEqual({ ok: true, differences: [] });
    expect(out.items.map((i) => i.result)).toEqual(Array(6).fill("DELETED"));
    expect(out.before).toEqual({ passwordPresent: true, accessKeyIds: plan.accessKeyIds, certificateIds: plan.certificateIds, mfaSerials: plan.mfaSerials });
    expect(out.after).toEqual({ passwordPresent: false, accessKeyIds: [], certificateIds: [], mfaSerials: [] });
    expect(out.verified).toBe(true);
    expect(out.assumeRootRequestId).toMatch(/\S+/);
    const calls = await mutatingCallsSince(account.id, since);
    // Six credentials removed, six mutating calls, all in a session of the deletion task policy.
    expect(out.mutatingCalls).toBe(6);
    expect(calls).toHaveLength(6);
    expect(new Set(calls.map((c) => c.taskPolicy))).toEqual(new Set(["IAMDeleteRootUserCredentials"]));
    expect(JSON.stringify(out)).not.toContain(account.root.accessKeys[0]?.accessKeyId ?? "no-key-left");

    const again = await lastSeq();
    const second = keep(await deleteRootCredentials(aws, { accountId: account.id, plan }));
    expect(second.items.map((i) => i.result)).toEqual(Array(6).fill("ALREADY_DONE"));
    expect(second.mutatingCalls).toBe(0);
    expect(second.verified).toBe(true);
    expect(await mutatingCallsSince(account.id, again)).toHaveLength(0);
  });

  it("deactivates and then deletes a virtual MFA device when asked, and only deactivates when not", async () => {
    const a = freshAccount();
    await seed(a.id, { password: true, mfa: ["virtual"] });
    const out = keep(await deleteRootCredentials(aws, { accountId: a.id, plan: planOf(a, true) }));
    expect(out.items.find((i) => i.kind === "mfaDevices")).toMatchObject({ result: "DELETED", calls: 2 });
    expect(sim.state.accounts.get(a.id)!.root.mfaDevices).toEqual([]);

    const b = freshAccount();
    await seed(b.id, { mfa: ["virtual"] });
    const since = await lastSeq();
    const kept = keep(await deleteRootCredentials(aws, { accountId: b.id, plan: planOf(b, false) }));
    expect(kept.mutatingCalls).toBe(1);
    expect((await mutatingCallsSince(b.id, since)).map((c) => c.operation)).toEqual(["DeactivateMFADevice"]);
    expect(sim.state.accounts.get(b.id)!.root.mfaDevices).toMatchObject([{ assigned: false }]);
  });

  it("makes no mutating call when a credential appeared after the plan was made", async () => {
    const account = freshAccount();
    await seed(account.id, { password: true });
    const plan = planOf(account);
    await control(sim, "POST", `/_sim/accounts/${account.id}/credentials`, { accessKeys: 1 });
    const newKey = shortenKeyId(sim.state.accounts.get(account.id)!.root.accessKeys[0]!.accessKeyId);
    const since = await lastSeq();
    const out = keep(await deleteRootCredentials(aws, { accountId: account.id, plan }));
    expect(out.precondition).toEqual({ ok: false, differences: [`access key ${newKey} appeared`] });
    expect(out).toMatchObject({ items: [], mutatingCalls: 0, after: null, verified: false });
    expect(await mutatingCallsSince(account.id, since)).toHaveLength(0);
    expect(sim.state.accounts.get(account.id)!.root.loginProfile).not.toBeNull();
  });

  it("refuses two current keys that shorten alike, and leaves kinds outside the plan alone", async () => {
    const account = freshAccount();
    await seed(account.id, { password: true, accessKeys: 1 });
    const root = sim.state.accounts.get(account.id)!.root;
    const plan = planOf(account);
    const original = root.accessKeys[0]!.accessKeyId;
    root.accessKeys.push({ ...root.accessKeys[0]!, accessKeyId: `${original.slice(0, 4)}ZZZZZZZZ${original.slice(-8)}` });
    const twin = keep(await deleteRootCredentials(aws, { accountId: account.id, plan }));
    expect(twin.precondition.ok).toBe(false);
    expect(twin.precondition.differences[0]).toMatch(/^2 access keys now match AKIA…/);
    expect(twin.mutatingCalls).toBe(0);

    // Only the password chosen: the keys are neither compared nor touched.
    const since = await lastSeq();
    const passwordOnly = keep(
      await deleteRootCredentials(aws, { accountId: account.id, plan: { password: true, accessKeyIds: [], certificateIds: [], mfaSerials: [], deleteVirtualMfa: false } }),
    );
    expect(passwordOnly.precondition.ok).toBe(true);
    expect(passwordOnly.items).toEqual([{ kind: "password", id: "password", result: "DELETED", calls: 1 }]);
    expect((await mutatingCallsSince(account.id, since)).map((c) => c.operation)).toEqual(["DeleteLoginProfile"]);
    expect(sim.state.accounts.get(account.id)!.root.accessKeys).toHaveLength(2);
  });

  it("records credentials deleted out-of-band as already done and deletes the rest", async () => {
    const account = freshAccount();
    await seed(account.id, { password: true, accessKeys: 2, signingCertificates: 1 });
    const plan = planOf(account);
    const root = sim.state.accounts.get(account.id)!.root;
    root.loginProfile = null;
    root.accessKeys.splice(0, 1);
    const since = await lastSeq();
    const out = keep(await deleteRootCredentials(aws, { accountId: account.id, plan }));
    expect(out.items.map((i) => [i.kind, i.result])).toEqual([
      ["password", "ALREADY_DONE"],
      ["accessKeys", "ALREADY_DONE"],
      ["accessKeys", "DELETED"],
      ["signingCertificates", "DELETED"],
    ]);
    expect(out.mutatingCalls).toBe(2);
    expect(await mutatingCallsSince(account.id, since)).toHaveLength(2);
    expect(out.verified).toBe(true);
  });

  it("two runs at once remove each credential once: the loser's NoSuchEntity is already done", async () => {
    const account = freshAccount();
    await seed(account.id, { password: true, accessKeys: 1 });
    const plan = planOf(account);
    const since = await lastSeq();
    const runs = keep(await Promise.all([0, 1].map(() => deleteRootCredentials(aws, { accountId: account.id, plan }))));
    for (const kind of ["password", "accessKeys"]) {
      const results = runs.map((r) => r.items.find((i) => i.kind === kind)!.result).sort();
      expect(results).toEqual(["ALREADY_DONE", "DELETED"]);
    }
    expect(runs.every((r) => r.verified)).toBe(true);
    const { json } = await control(sim, "GET", `/_sim/calls?accountId=${account.id}&since=${since}&outcome=ok`);
    const applied = (json as { calls: { operation: string }[] }).calls.filter((c) => MUTATING.has(c.operation));
    expect(applied.map((c) => c.operation).sort()).toEqual(["DeleteAccessKey", "DeleteLoginProfile"]);
  });

  it("carries on after one delete fails, and reports it", async () => {
    const account = freshAccount();
    await seed(account.id, { accessKeys: 2, signingCertificates: 1 });
    const plan = planOf(account);
    sim.setFaults({ rateLimits: { DeleteAccessKey: 1 } });
    try {
      const out = keep(await deleteRootCredentials(aws, { accountId: account.id, plan }));
      expect(out.items.map((i) => i.result)).toEqual(["DELETED", "FAILED", "DELETED"]);
      expect(out.items[1]).toMatchObject({ errorCode: "Throttling", message: expect.stringMatching(/^iam:DeleteAccessKey failed \(Throttling\)/) });
      expect(out.verified).toBe(false);
      expect(out.after?.accessKeyIds).toEqual([plan.accessKeyIds[1]]);
    } finally {
      sim.setFaults({});
    }
  });

  it("throws a safe AwsCallError when AssumeRoot is refused", async () => {
    const err = await caught(deleteRootCredentials(aws, { accountId: sim.managementAccountId, plan: { password: true, accessKeyIds: [], certificateIds: [], mfaSerials: [], deleteVirtualMfa: false } }));
    expect(err).toMatchObject({ code: "AccessDenied", operation: "sts:AssumeRoot" });
  });
});

describe("allowPasswordRecovery", () => {
  it("creates a login profile without a password once, then reports it already done", async () => {
    const account = freshAccount();
    await seed(account.id, {});
    const since = await lastSeq();
    const out = keep(await allowPasswordRecovery(aws, { accountId: account.id }));
    expect(out).toMatchObject({ result: "DONE", before: { passwordPresent: false }, after: { passwordPresent: true }, mutatingCalls: 1, verified: true });
    const calls = await mutatingCallsSince(account.id, since);
    expect(calls).toEqual([expect.objectContaining({ operation: "CreateLoginProfile", taskPolicy: "IAMCreateRootUserPassword" })]);
    const again = await lastSeq();
    expect(keep(await allowPasswordRecovery(aws, { accountId: account.id }))).toMatchObject({ result: "ALREADY_DONE", mutatingCalls: 0 });
    expect(await mutatingCallsSince(account.id, again)).toHaveLength(0);
  });
});

describe("S3 bucket policy unlock", () => {
  const bucketOf = (accountId: string) => {
    const account = sim.state.accounts.get(accountId)!;
    if (account.bucketNames.length === 0) return null;
    return sim.state.buckets.get(account.bucketNames[0]!)!;
  };
  const withBucket = () => {
    for (;;) {
      const a = freshAccount();
      const b = bucketOf(a.id);
      if (b) return b;
    }
  };
  const allow = (bucket: string) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] });

  it("lists buckets with their policies in a List/Get-only session and marks the locked ones", async () => {
    const bucket = withBucket();
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { locked: true });
    const since = await lastSeq();
    const out = keep(await listBucketsWithPolicies(aws, { accountId: bucket.accountId }));
    expect(out.truncated).toBe(false);
    expect(out.buckets.map((b) => b.name).sort()).toEqual([...sim.state.accounts.get(bucket.accountId)!.bucketNames].sort());
    expect(out.buckets.find((b) => b.name === bucket.name)).toMatchObject({ deniesEveryone: true, policy: bucket.policy, readError: null });
    const { json } = await control(sim, "GET", `/_sim/calls?accountId=${bucket.accountId}&since=${since}`);
    const ops = new Set((json as { calls: { operation: string }[] }).calls.map((c) => c.operation));
    expect([...ops].every((op) => ["AssumeRoot", "ListBuckets", "GetBucketPolicy"].includes(op))).toBe(true);
    expect(keep(await readBucketPolicy(aws, { accountId: bucket.accountId, bucket: bucket.name })).policy).toBe(bucket.policy);
  });

  it("lists at most 1,000 buckets and says so", async () => {
    const account = freshAccount();
    for (let i = account.bucketNames.length; i < 1002; i++) {
      const name = `many-${i}-${account.id}`;
      sim.state.buckets.set(name, { name, accountId: account.id, region: sim.region, creationDate: Date.now(), policy: null });
      account.bucketNames.push(name);
    }
    const out = keep(await listBucketsWithPolicies(aws, { accountId: account.id }));
    expect(out.truncated).toBe(true);
    expect(out.buckets).toHaveLength(1000);
  });

  it("deletes a locked policy once, then finds it already done", async () => {
    const bucket = withBucket();
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { locked: true });
    const locked = sim.state.buckets.get(bucket.name)!.policy;
    const expected = JSON.stringify(JSON.parse(locked!), null, 2); // reformatted: still the same policy
    const since = await lastSeq();
    const out = keep(await unlockBucketPolicy(aws, { accountId: bucket.accountId, bucket: bucket.name, expectedPolicy: expected, action: { kind: "DELETE" } }));
    expect(out).toMatchObject({ result: "DONE", differences: [], after: { policy: null }, mutatingCalls: 1, verified: true });
    expect(out.before.policy).toBe(locked);
    expect(sim.state.buckets.get(bucket.name)!.policy).toBeNull();
    expect((await mutatingCallsSince(bucket.accountId, since)).map((c) => c.operation)).toEqual(["DeleteBucketPolicy"]);
    const again = await lastSeq();
    const second = keep(await unlockBucketPolicy(aws, { accountId: bucket.accountId, bucket: bucket.name, expectedPolicy: expected, action: { kind: "DELETE" } }));
    expect(second).toMatchObject({ result: "ALREADY_DONE", mutatingCalls: 0 });
    expect(await mutatingCallsSince(bucket.accountId, again)).toHaveLength(0);
  });

  it("replaces a policy and verifies it; refuses when the policy changed since the request", async () => {
    const bucket = withBucket();
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { locked: true });
    const locked = sim.state.buckets.get(bucket.name)!.policy;
    const out = keep(await unlockBucketPolicy(aws, { accountId: bucket.accountId, bucket: bucket.name, expectedPolicy: locked, action: { kind: "REPLACE", policy: allow(bucket.name) } }));
    expect(out).toMatchObject({ result: "DONE", after: { policy: allow(bucket.name) }, verified: true, mutatingCalls: 1 });

    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { locked: true });
    const changed = JSON.stringify({ ...JSON.parse(allow(bucket.name)), Id: "changed" });
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { policy: changed });
    const since = await lastSeq();
    const refused = keep(await unlockBucketPolicy(aws, { accountId: bucket.accountId, bucket: bucket.name, expectedPolicy: locked, action: { kind: "DELETE" } }));
    expect(refused.result).toBe("PRECONDITION_FAILED");
    expect(refused.differences.length).toBeGreaterThan(0);
    expect(refused.mutatingCalls).toBe(0);
    expect(await mutatingCallsSince(bucket.accountId, since)).toHaveLength(0);
    expect(sim.state.buckets.get(bucket.name)!.policy).toBe(changed);
  });

  it("answers a missing bucket, another account's bucket and a locking replacement with safe errors", async () => {
    const bucket = withBucket();
    const other = withBucket();
    expect(await caught(readBucketPolicy(aws, { accountId: bucket.accountId, bucket: "no-such-bucket-here" }))).toMatchObject({ code: "NoSuchBucket" });
    expect(await caught(readBucketPolicy(aws, { accountId: bucket.accountId, bucket: other.name }))).toMatchObject({ code: "AccessDenied" });
    const locking = JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" } });
    const since = await lastSeq();
    const err = await caught(unlockBucketPolicy(aws, { accountId: bucket.accountId, bucket: bucket.name, expectedPolicy: null, action: { kind: "REPLACE", policy: locking } }));
    expect(err.code).toBe("InvalidInput");
    expect((await control(sim, "GET", `/_sim/calls?since=${since}`)).json).toMatchObject({ calls: [] });
    expect(await caught(readBucketPolicy(aws, { accountId: bucket.accountId, bucket: "Bad_Name" }))).toMatchObject({ code: "InvalidInput" });
  });
});

describe("SQS queue policy unlock", () => {
  const withQueue = () => {
    for (;;) {
      const a = freshAccount();
      const name = sim.state.accounts.get(a.id)!.queueNames[0];
      if (name) return sim.state.queues.get(`${a.id}/${name}`)!;
    }
  };
  const allow = (accountId: string, name: string) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${sim.region}:${accountId}:${name}` }] });

  it("lists queues with policies, reads one, removes a locked policy once and then finds it already done", async () => {
    const queue = withQueue();
    await control(sim, "POST", `/_sim/queues/${queue.accountId}/${queue.name}/policy`, { locked: true });
    const listing = keep(await listQueuesWithPolicies(aws, { accountId: queue.accountId }));
    expect(listing.queues.map((q) => q.name).sort()).toEqual([...sim.state.accounts.get(queue.accountId)!.queueNames].sort());
    expect(listing.queues.find((q) => q.name === queue.name)).toMatchObject({ deniesEveryone: true, readError: null });
    const { policy } = keep(await readQueuePolicy(aws, { accountId: queue.accountId, queueName: queue.name }));
    expect(policy).toBe(sim.state.queues.get(`${queue.accountId}/${queue.name}`)!.policy);

    const since = await lastSeq();
    const out = keep(await unlockQueuePolicy(aws, { accountId: queue.accountId, queueName: queue.name, expectedPolicy: policy, action: { kind: "DELETE" } }));
    expect(out).toMatchObject({ result: "DONE", after: { policy: null }, mutatingCalls: 1, verified: true });
    const calls = await mutatingCallsSince(queue.accountId, since);
    expect(calls).toEqual([expect.objectContaining({ operation: "SetQueueAttributes", taskPolicy: "SQSUnlockQueuePolicy" })]);
    const again = await lastSeq();
    expect(keep(await unlockQueuePolicy(aws, { accountId: queue.accountId, queueName: queue.name, expectedPolicy: policy, action: { kind: "DELETE" } }))).toMatchObject({
      result: "ALREADY_DONE",
      mutatingCalls: 0,
    });
    expect(await mutatingCallsSince(queue.accountId, again)).toHaveLength(0);
  });

  it("replaces a policy, refuses a changed one, and names a missing queue", async () => {
    const queue = withQueue();
    await control(sim, "POST", `/_sim/queues/${queue.accountId}/${queue.name}/policy`, { locked: true });
    const locked = sim.state.queues.get(`${queue.accountId}/${queue.name}`)!.policy;
    const replacement = allow(queue.accountId, queue.name);
    const out = keep(await unlockQueuePolicy(aws, { accountId: queue.accountId, queueName: queue.name, expectedPolicy: locked, action: { kind: "REPLACE", policy: replacement } }));
    expect(out).toMatchObject({ result: "DONE", after: { policy: replacement }, verified: true });

    const since = await lastSeq();
    const refused = keep(await unlockQueuePolicy(aws, { accountId: queue.accountId, queueName: queue.name, expectedPolicy: locked, action: { kind: "DELETE" } }));
    expect(refused).toMatchObject({ result: "PRECONDITION_FAILED", mutatingCalls: 0 });
    expect(refused.differences[0]).toMatch(/queue policy changed since the request was made/);
    expect(await mutatingCallsSince(queue.accountId, since)).toHaveLength(0);

    const err = await caught(readQueuePolicy(aws, { accountId: queue.accountId, queueName: "no-such-queue" }));
    expect(err).toMatchObject({ code: "QueueDoesNotExist" });
    expect(err.publicMessage).toContain("no-such-queue");
  });
});

describe("endpoint from the environment", () => {
  it("reaches S3 (path style) and SQS when only AWS_ENDPOINT_URL names the simulator, as the app runs", async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    // A host name, not an IP: the SDK goes path style by itself only for IP endpoints.
    process.env.AWS_ENDPOINT_URL = sim.endpoint.replace("127.0.0.1", "localhost");
    const envAws = createAwsContext({ region: sim.region, credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }, maxAttempts: 1 });
    try {
      const owner = activeMembers(sim, (a) => a.bucketNames.length > 0 && a.queueNames.length > 0)[0]!;
      const buckets = await listBucketsWithPolicies(envAws, { accountId: owner.id });
      expect(buckets.buckets.map((b) => b.readError)).toEqual(owner.bucketNames.map(() => null));
      const queues = await listQueuesWithPolicies(envAws, { accountId: owner.id });
      expect(queues.queues.map((q) => q.name).sort()).toEqual([...owner.queueNames].sort());
    } finally {
      envAws.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});

describe("canary", () => {
  it("finds no secret of any issued root session in what the tasks returned or threw", async () => {
    // A failure inside a session (throttled read) goes through the error path too.
    const account = freshAccount();
    sim.setFaults({ rateLimits: { ListSigningCertificates: 0.001 } });
    try {
      await caught(deleteRootCredentials(aws, { accountId: account.id, plan: planOf(account) }));
      await caught(deleteRootCredentials(aws, { accountId: account.id, plan: planOf(account) }));
    } finally {
      sim.setFaults({});
    }
    expect(issued.size).toBeGreaterThanOrEqual(3 * 15);
    const text = JSON.stringify(seen, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v));
    const leaks = [...issued].flatMap((s) => [s, encodeURIComponent(s)]).filter((s) => text.includes(s));
    expect(leaks).toEqual([]);
  });
});

/** Forwards everything to the simulator and records the credentials in AssumeRoot responses. */
async function startRecordingProxy(target: string, secrets: Set<string>): Promise<{ server: http.Server; endpoint: string }> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (up) => {
        const parts: Buffer[] = [];
        up.on("data", (c: Buffer) => parts.push(c));
        up.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          for (const tag of ["AccessKeyId", "SecretAccessKey", "SessionToken"]) {
            for (const m of text.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, "g"))) secrets.add(m[1]!);
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(parts));
        });
      });
      out.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
