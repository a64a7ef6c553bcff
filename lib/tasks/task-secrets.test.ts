// Root-session credentials as canaries on every task path: a proxy in front of the simulator records
// every AccessKeyId, SecretAccessKey and SessionToken AssumeRoot issues; then each task type runs
// through the real job path (pg-boss task-start and task-batch jobs, re-scans): delete credentials,
// password recovery, S3 unlock, SQS unlock, the bucket and queue listings of the request dialog, and
// a request whose targets fail (AssumeRoot denied; a call inside a root session throttled). None of
// the issued secrets may appear in any table (TaskTarget.evidence, AuditEvent payloads and pg-boss's
// job tables included), in console/stdout/stderr output, or in what the lib functions return, raw or
// percent-encoded.
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { startInventoryFixture, startRecordingProxy, waitForScan, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { queueTaskStart } from "@/lib/jobs/task-jobs";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { isBucketLocked, isQueueLocked } from "@/sim/aws/state";
import { getTaskRequest, listTaskTargets } from "./list";
import { createTaskRequest, voteOnTaskRequest } from "./requests";
import { listTaskResources } from "./resources";
import { testActor } from "./task-test-helpers";

const FINAL = ["SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED"];

describe("root-session credentials never leak from a task path", () => {
  const issued = new Set<string>();
  let proxy: http.Server;
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  let operator: TActor;
  let approver: TActor;
  const captured: string[] = [];
  const restore: (() => void)[] = [];
  const returned: unknown[] = [];

  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 40, seed: 77 }), {
      maxAttempts: 1,
      endpointFor: async (sim) => startRecordingProxy(sim.endpoint, issued).then((p) => ((proxy = p.server), p.endpoint)),
    });
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = original));
    }
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      const original = console[level];
      console[level] = (...args: unknown[]) => {
        captured.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
        original(...args);
      };
      restore.push(() => (console[level] = original));
    }
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    // The real worker, task queues on: batches run as pg-boss jobs, their payloads are in its tables.
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 10, intervalHours: 0, log: (line) => console.log(`[worker] ${line}`) });
    operator = await testActor(f.db.prisma, ["operator"]);
    approver = await testActor(f.db.prisma, ["approver"]);
  }, 60_000);
  afterAll(async () => {
    for (const r of restore) r();
    await worker?.stop();
    await f?.close();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  const deps = () => ({ db: f.db.prisma, aws: () => f.aws });
  const members = () => [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId);

  async function scan(accountIds: string[]) {
    const s = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds }, db: f.db.prisma, boss: worker.boss });
    returned.push(await waitForScan(f.db.prisma, s.id));
  }

  /** Request, approve (the start job queued after the commit, as afterTaskCommit does), and wait for the end. */
  async function run(input: Record<string, unknown>): Promise<string> {
    const created = await createTaskRequest({ actor: operator, input: { reason: "Canary: check no root secret leaks", ...input }, ...deps() });
    returned.push(created);
    const vote = await voteOnTaskRequest({
      actor: approver,
      requestId: created.request.id,
      decision: "APPROVE",
      ...deps(),
      afterCommit: async (e) => {
        if (e.kind === "approved") await queueTaskStart(worker.boss, e.requestId);
      },
    });
    returned.push(vote);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: created.request.id } });
      if (FINAL.includes(r.status)) break;
      if (Date.now() > deadline) throw new Error(`request ${r.id} still ${r.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    returned.push(await getTaskRequest({ actor: approver, requestId: created.request.id, db: f.db.prisma }));
    returned.push(await listTaskTargets({ actor: approver, requestId: created.request.id, query: {}, db: f.db.prisma }));
    return (await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: created.request.id } })).status;
  }

  it("finds none of the issued secrets in the database, the logs or the lib return values", async () => {
    const bucket = [...f.sim.state.buckets.values()].find((b) => isBucketLocked(b) && members().some((a) => a.id === b.accountId))!;
    const queue = [...f.sim.state.queues.values()].find((q) => isQueueLocked(q) && members().some((a) => a.id === q.accountId))!;
    expect(bucket && queue).toBeTruthy();
    const others = members().filter((a) => a.id !== bucket.accountId && a.id !== queue.accountId && a.id !== f.sim.delegatedAdminAccountId);
    const [del, recovery, denied, throttled] = others;
    for (const a of [del!, denied!, throttled!]) {
      a.root.loginProfile = { createDate: Date.now(), passwordResetRequired: false };
      a.root.accessKeys = [{ accessKeyId: `AKIA${a.id}CNRY`, status: "Active", createDate: Date.now(), lastUsed: null }];
      a.root.signingCertificates = [];
      a.root.mfaDevices = [{ serialNumber: `arn:aws:iam::${a.id}:mfa/root-canary`, kind: "virtual", enableDate: Date.now(), assigned: true }];
    }
    Object.assign(recovery!.root, { loginProfile: null, accessKeys: [], signingCertificates: [], mfaDevices: [] });
    await scan([del!.id, recovery!.id, denied!.id, throttled!.id]);

    // Delete every kind, the virtual MFA device too.
    expect(await run({ taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: del!.id }, params: { kinds: ["password", "accessKeys", "signingCertificates", "mfaDevices"], deleteVirtualMfa: true } })).toBe("SUCCEEDED");
    expect(await run({ taskType: "ALLOW_PASSWORD_RECOVERY", scope: { type: "ACCOUNT", accountId: recovery!.id }, params: {} })).toBe("SUCCEEDED");

    // The dialog's listings (their own short List/Get sessions), then the unlocks.
    returned.push(await listTaskResources({ actor: operator, accountId: bucket.accountId, service: "s3", ...deps() }));
    returned.push(await listTaskResources({ actor: operator, accountId: queue.accountId, service: "sqs", ...deps() }));
    expect(await run({ taskType: "UNLOCK_S3_BUCKET_POLICY", scope: { type: "ACCOUNT", accountId: bucket.accountId }, params: { bucket: bucket.name, action: "DELETE" } })).toBe("SUCCEEDED");
    const replacement = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${queue.accountId}:root` }, Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${queue.region}:${queue.accountId}:${queue.name}` }],
    });
    expect(await run({ taskType: "UNLOCK_SQS_QUEUE_POLICY", scope: { type: "ACCOUNT", accountId: queue.accountId }, params: { queueName: queue.name, action: "REPLACE", policy: replacement } })).toBe("SUCCEEDED");
    expect(bucket.policy).toBeNull();

    // Failing targets: AssumeRoot denied for one; inside the other's session DeleteAccessKey is throttled (no retries).
    f.sim.setFaults({ failAccounts: [denied!.id], rateLimits: { DeleteAccessKey: 0.001 } });
    try {
      expect(await run({ taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNTS", accountIds: [denied!.id, throttled!.id] }, params: { kinds: ["password", "accessKeys"] } })).toBe("FAILED");
    } finally {
      f.sim.setFaults({});
    }
    const failedTargets = await f.db.prisma.taskTarget.findMany({ where: { accountId: { in: [denied!.id, throttled!.id] } } });
    expect(failedTargets.map((t) => t.status)).toEqual(["FAILED", "FAILED"]);
    expect(failedTargets.find((t) => t.accountId === throttled!.id)!.message).toMatch(/DeleteAccessKey failed/);

    // Sessions for every path were issued (deletion, recovery, two listings, two plan reads, two unlocks, one failing session, re-scans).
    expect(issued.size).toBeGreaterThanOrEqual(3 * 9);
    // Let the re-scans queued after the batches finish, so what they write is searched too.
    for (const s of await f.db.prisma.scan.findMany({ where: { status: { in: ["QUEUED", "RUNNING"] } } })) returned.push(await waitForScan(f.db.prisma, s.id));

    const tables = await f.db.prisma.$queryRawUnsafe<{ schema: string; name: string }[]>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["TaskTarget", "AuditEvent", "job"]));
    let dump = "";
    for (const t of tables) {
      const rows = await f.db.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT t::text AS row FROM "${t.schema}"."${t.name}" t`);
      dump += rows.map((r) => r.row).join("\n");
    }
    // What is searched holds the evidence, the audit events and the task jobs.
    expect(dump).toMatch(/task\.target_finished/);
    expect(dump).toContain("task-batch");
    expect(dump).toContain(`AKIA…CNRY`); // the evidence names the deleted key (shortened), never a session key
    const evidence = JSON.stringify((await f.db.prisma.taskTarget.findMany({ select: { evidence: true } })).map((t) => t.evidence));
    expect(evidence).toContain("assumeRootRequestId");

    const logs = captured.join("\n");
    const values = JSON.stringify(returned);
    const leaks = [...issued]
      .flatMap((secret) => [secret, encodeURIComponent(secret)])
      .filter((secret) => dump.includes(secret) || logs.includes(secret) || values.includes(secret));
    expect(leaks).toEqual([]);
  }, 120_000);
});
