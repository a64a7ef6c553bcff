// Throttling, injected errors, slow accounts and latency, as the SDK sees them (maxAttempts 1).
import { GetCallerIdentityCommand, AssumeRootCommand } from "@aws-sdk/client-sts";
import { GetAccountSummaryCommand } from "@aws-sdk/client-iam";
import { ListRootsCommand } from "@aws-sdk/client-organizations";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { ListQueuesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { taskPolicyArn } from "./task-policies";
import { activeMembers, control, errorOf, managementClients } from "./test-helpers";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 30, seed: "faults" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

// The SDK's own retry classifier; a throttling error must be recognised as one.
const THROTTLING = ["Throttling", "TooManyRequestsException", "SlowDown", "RequestThrottled"];

describe("rate limits", () => {
  it("answer with each protocol's real throttling error once the per-operation budget is spent", async () => {
    sim.setFaults({ rateLimits: { GetCallerIdentity: 1, GetAccountSummary: 1, ListRoots: 1, ListBuckets: 1, ListQueues: 1 } });
    const c = managementClients(sim);
    const calls = [
      { call: () => c.sts.send(new GetCallerIdentityCommand({})), name: "Throttling", status: 400, message: "Rate exceeded" },
      { call: () => c.iam.send(new GetAccountSummaryCommand({})), name: "Throttling", status: 400, message: "Rate exceeded" },
      { call: () => c.orgs.send(new ListRootsCommand({})), name: "TooManyRequestsException", status: 400 },
      { call: () => c.s3.send(new ListBucketsCommand({})), name: "SlowDown", status: 503 },
      { call: () => c.sqs.send(new ListQueuesCommand({})), name: "RequestThrottled", status: 403 },
    ];
    for (const { call, name, status, message } of calls) {
      await call();
      const err = await errorOf(call());
      expect([err.name, err.$metadata.httpStatusCode]).toEqual([name, status]);
      if (message) expect(err.message).toBe(message);
      expect(THROTTLING).toContain(err.name);
    }
  });

  it("refills the budget over time", async () => {
    sim.setFaults({ rateLimits: { GetCallerIdentity: 20 } });
    const { sts } = managementClients(sim);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => sts.send(new GetCallerIdentityCommand({}))));
    expect(results.filter((r) => r.status === "rejected").length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
  });

  it("retries throttled calls when the SDK is allowed to", async () => {
    sim.setFaults({ rateLimits: { GetCallerIdentity: 5 } });
    const { STSClient } = await import("@aws-sdk/client-sts");
    const sts = new STSClient({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey }, maxAttempts: 6 });
    const out = await Promise.all(Array.from({ length: 8 }, () => sts.send(new GetCallerIdentityCommand({}))));
    expect(out.some((o) => (o.$metadata.attempts ?? 1) > 1)).toBe(true);
  });
});

describe("injected faults", () => {
  it("errorRate 1 fails every call with a throttling, internal or unavailable error", async () => {
    sim.setFaults({ errorRate: 1 });
    const { sts } = managementClients(sim);
    const names = new Set<string>();
    for (let i = 0; i < 30; i++) names.add((await errorOf(sts.send(new GetCallerIdentityCommand({})))).name);
    expect([...names].sort()).toEqual(["InternalFailure", "ServiceUnavailable", "Throttling"]);
  });

  it("slows down calls for chosen accounts and adds fixed latency", async () => {
    const member = activeMembers(sim)[0]!.id;
    sim.setFaults({ slowAccounts: [member], slowMs: 150 });
    const { sts } = managementClients(sim);
    let t = performance.now();
    await sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: taskPolicyArn("IAMAuditRootUserCredentials") } }));
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    sim.setFaults({ latencyMs: 80 });
    t = performance.now();
    await sts.send(new GetCallerIdentityCommand({}));
    expect(performance.now() - t).toBeGreaterThanOrEqual(75);
  });

  it("takes the same config over POST /_sim/faults and rejects bad input without changing anything", async () => {
    const ok = await control(sim, "POST", "/_sim/faults", { rateLimits: { AssumeRoot: 50 }, latencyMs: 5 });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ rateLimits: { AssumeRoot: 50 }, latencyMs: 5, errorRate: 0 });
    for (const bad of [{ errorRate: 2 }, { failAccounts: ["abc"] }, { nonsense: true }, "not json"]) {
      const res = await control(sim, "POST", "/_sim/faults", bad);
      expect(res.status).toBe(400);
      expect((res.json as { message: string }).message).toBeTruthy();
    }
    expect((await control(sim, "GET", "/_sim/faults")).json).toMatchObject({ rateLimits: { AssumeRoot: 50 }, latencyMs: 5 });
  });
});
