// Exactly once across a dead worker: a child process runs a batch (runTaskBatch, as the task-batch
// job does), is killed with SIGKILL right after its first successful mutating call, and the batch is
// retried: with the same claim token (pg-boss retrying the same job id), or with another token once
// the lease has passed (the recovery tick). Counted from the simulator's call log: every credential is
// removed by exactly one successful mutating call, and a target the dead process finished is not run again.
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startInventoryFixture, waitForScan, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { runTaskBatch, startTaskExecution } from "./execute";
import { createTaskRequest, voteOnTaskRequest } from "./requests";
import { testActor } from "./task-test-helpers";

const MUTATING = /^(Create|Delete|Deactivate|Put|Set)/;

describe("a worker killed with kill -9 mid-request, then retried", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  let operator: TActor;
  let approver: TActor;
  let used = 0;
  const children: ChildProcess[] = [];

  const members = () => [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId && a.id !== f.sim.delegatedAdminAccountId);
  const credentialCount = (accountId: string) => {
    const r = f.sim.state.accounts.get(accountId)!.root;
    return (r.loginProfile ? 1 : 0) + r.accessKeys.length + r.signingCertificates.length + r.mfaDevices.filter((m) => m.assigned).length;
  };
  /** Successful mutating calls per account and operation since `since` (the log holds far fewer than 10,000 calls here). */
  const okMutating = (accountId: string, since = 0) => {
    const out: Record<string, number> = {};
    for (const c of f.sim.calls({ accountId, since, outcome: "ok" })) if (MUTATING.test(c.operation)) out[c.operation] = (out[c.operation] ?? 0) + 1;
    return out;
  };

  /** Four accounts, each with a password and two access keys, scanned; an approved request over them, started. */
  async function approvedRequest() {
    const accounts = members().slice(used, used + 4);
    used += 4;
    for (const a of accounts) {
      a.root.loginProfile = { createDate: Date.now(), passwordResetRequired: false };
      a.root.accessKeys = [
        { accessKeyId: `AKIA${a.id}ABCD`, status: "Active", createDate: Date.now(), lastUsed: null },
        { accessKeyId: `AKIA${a.id}WXYZ`, status: "Active", createDate: Date.now(), lastUsed: null },
      ];
      a.root.signingCertificates = [];
      a.root.mfaDevices = [];
    }
    const scan = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) }, db: f.db.prisma, boss: worker.boss });
    await waitForScan(f.db.prisma, scan.id);
    const { request } = await createTaskRequest({
      actor: operator,
      input: {
        taskType: "DELETE_ROOT_CREDENTIALS",
        scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) },
        params: { kinds: ["password", "accessKeys"] },
        reason: "Remove root credentials; the worker will be killed",
      },
      db: f.db.prisma,
      aws: () => f.aws,
    });
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", db: f.db.prisma, aws: () => f.aws });
    const { batches } = await startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: request.id });
    expect(batches).toHaveLength(1);
    const targets = await f.db.prisma.taskTarget.findMany({ where: { requestId: request.id } });
    const byId = new Map(targets.map((t) => [t.id, t]));
    // In claim order (the child runs one target at a time): accountOf[i] is the i-th target's account.
    return { requestId: request.id, targetIds: batches[0]!, accountOf: batches[0]!.map((id) => byId.get(id)!.accountId) };
  }

  /** Runs the batch in a child process and SIGKILLs it right after the first successful mutating call in `killAfterIn`. */
  async function runAndKill(o: { requestId: string; targetIds: string[]; token: string; killAfterIn: string }): Promise<number> {
    const since = f.sim.calls().at(-1)?.seq ?? 0;
    // Node itself with tsx's loader, not the tsx CLI: that one runs the script in a grandchild, which a
    // SIGKILL of the CLI would leave running.
    const child = spawn(process.execPath, ["--import", "tsx", "lib/tasks/fixtures/run-batch-child.ts"], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        DATABASE_URL: f.db.url,
        SIM_ENDPOINT: f.sim.endpoint,
        SIM_REGION: f.sim.region,
        SIM_ACCESS_KEY_ID: f.sim.accessKeyId,
        SIM_SECRET_ACCESS_KEY: f.sim.secretAccessKey,
        REQUEST_ID: o.requestId,
        TARGET_IDS: o.targetIds.join(","),
        CLAIM_TOKEN: o.token,
        TARGET_CONCURRENCY: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
    const deadline = Date.now() + 30_000;
    let killSeq = 0;
    while (killSeq === 0) {
      if (child.exitCode !== null) throw new Error(`the child finished before it was killed: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`no mutating call in ${o.killAfterIn} within 30 s: ${stderr}`);
      const first = f.sim.calls({ accountId: o.killAfterIn, since, outcome: "ok" }).find((c) => MUTATING.test(c.operation));
      if (first) {
        child.kill("SIGKILL");
        killSeq = first.seq;
      } else await new Promise((r) => setTimeout(r, 5));
    }
    expect(await exited).toBe("SIGKILL");
    expect(() => process.kill(child.pid!, 0)).toThrow(); // gone, not orphaned
    // A call in flight when the worker died still lands in AWS (the simulator, too, finishes it): let it.
    await new Promise((r) => setTimeout(r, 600));
    return killSeq;
  }

  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 30, seed: 1010 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 10, intervalHours: 0, tasks: false, log: () => {} });
    operator = await testActor(f.db.prisma, ["operator"]);
    approver = await testActor(f.db.prisma, ["approver"]);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await worker?.stop();
    await f?.close();
  });

  async function expectExactlyOnce(r: { requestId: string; accountOf: string[] }, killSeq: number) {
    const request = await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: r.requestId } });
    expect(request.status).toBe("SUCCEEDED");
    for (const accountId of r.accountOf) {
      expect(credentialCount(accountId)).toBe(0);
      // One password and two keys: each removed by exactly one successful call, over both processes.
      expect(okMutating(accountId)).toEqual({ DeleteLoginProfile: 1, DeleteAccessKey: 2 });
    }
    // The first target was finished (and recorded) by the dead process: the retry made no call at all in its account.
    expect(f.sim.calls({ accountId: r.accountOf[0]!, since: killSeq })).toEqual([]);
    const targets = await f.db.prisma.taskTarget.findMany({ where: { requestId: r.requestId } });
    expect(targets.every((t) => t.status === "SUCCEEDED" || t.status === "ALREADY_DONE")).toBe(true);
    expect(targets.find((t) => t.accountId === r.accountOf[0])!.attempts).toBe(1);
    expect(targets.find((t) => t.accountId === r.accountOf[1])!.attempts).toBe(2);
  }

  it("the retry of the same job (same claim token) takes its claims back and applies nothing twice", async () => {
    const r = await approvedRequest();
    // Deletes take 400 ms, so the kill lands while the second target is half done.
    f.sim.setFaults({ operationLatencyMs: { DeleteLoginProfile: 400, DeleteAccessKey: 400 } });
    try {
      const killSeq = await runAndKill({ requestId: r.requestId, targetIds: r.targetIds, token: "job-1", killAfterIn: r.accountOf[1]! });
      const mid = await f.db.prisma.taskTarget.findMany({ where: { requestId: r.requestId } });
      const status = (i: number) => mid.find((t) => t.accountId === r.accountOf[i])!;
      expect(status(0).status).toBe("SUCCEEDED");
      expect(status(1)).toMatchObject({ status: "RUNNING", claimToken: "job-1" });
      expect(credentialCount(r.accountOf[1]!)).toBeGreaterThan(0); // half done: some credential is still there
      expect(mid.filter((t) => t.status === "PENDING")).toHaveLength(2);
      expect((await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: r.requestId } })).status).toBe("EXECUTING");

      const out = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: r.requestId, targetIds: r.targetIds, claimToken: "job-1" });
      expect(out.ran).toBe(3);
      await expectExactlyOnce(r, killSeq);
    } finally {
      f.sim.setFaults({});
    }
  }, 60_000);

  it("another job takes the dead worker's targets only after their lease has passed (injected clock)", async () => {
    const r = await approvedRequest();
    f.sim.setFaults({ operationLatencyMs: { DeleteLoginProfile: 400, DeleteAccessKey: 400 } });
    try {
      const killSeq = await runAndKill({ requestId: r.requestId, targetIds: r.targetIds, token: "job-2", killAfterIn: r.accountOf[1]! });
      // Before the lease passes, another token may take the PENDING targets but not the dead worker's RUNNING one.
      const settled = f.sim.calls().at(-1)!.seq;
      // Clocks relative to the dead worker's lease as it wrote it (its process has its own clock).
      const { claimedUntil } = await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: r.requestId, accountId: r.accountOf[1]! } });
      const beforeLease = new Date(claimedUntil!.getTime() - 60_000);
      const early = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: r.requestId, targetIds: [r.targetIds[1]!], claimToken: "job-3", clock: () => beforeLease });
      expect(early.ran).toBe(0);
      expect(f.sim.calls({ accountId: r.accountOf[1]!, since: settled })).toEqual([]);
      expect((await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: r.requestId, accountId: r.accountOf[1]! } })).claimToken).toBe("job-2");

      const later = new Date(claimedUntil!.getTime() + 60_000);
      const out = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: r.requestId, targetIds: r.targetIds, claimToken: "job-4", clock: () => later });
      expect(out.ran).toBe(3);
      await expectExactlyOnce(r, killSeq);
      const second = await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: r.requestId, accountId: r.accountOf[1]! } });
      expect(second.claimToken).toBe("job-4");
    } finally {
      f.sim.setFaults({});
    }
  }, 60_000);

  it("a result waits for the audit trail's lock instead of failing after the change was made (RECORD_TRANSACTION)", async () => {
    const r = await approvedRequest();
    // Another transaction blocks audit appends for 6 s, longer than Prisma's default 5 s transaction timeout.
    const holder = new pg.Client({ connectionString: f.db.url });
    await holder.connect();
    await holder.query("BEGIN");
    // Audit appends (INSERTs into AuditPending) wait while this lock is held: a recording transaction stalls.
    await holder.query(`LOCK TABLE "AuditPending" IN SHARE MODE`);
    const release = new Promise<void>((resolve) => setTimeout(() => void holder.query("COMMIT").then(() => holder.end()).then(resolve), 6_000));
    try {
      const out = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: r.requestId, targetIds: [r.targetIds[0]!], claimToken: "job-5" });
      expect(out.results[r.targetIds[0]!]).toBe("SUCCEEDED");
    } finally {
      await release;
    }
    const target = await f.db.prisma.taskTarget.findUniqueOrThrow({ where: { id: r.targetIds[0]! } });
    expect(target).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    expect(okMutating(r.accountOf[0]!)).toEqual({ DeleteLoginProfile: 1, DeleteAccessKey: 2 });
  }, 60_000);
});
