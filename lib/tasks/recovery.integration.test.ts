// The task worker's own jobs (startWorker with the task queues on), no runTaskBatch call by hand:
// an executed request re-scans its accounts, so the inventory is right at once; and the one-minute
// tick recovers a request whose start job was lost and the targets of a worker killed mid-batch,
// after their lease, with an injected clock. Counted from the simulator's call log.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { flushAuditTrail } from "@/lib/audit/sequence";
import { expectedStatus, startInventoryFixture, waitForScan, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { TASK_QUEUES, queueTaskStart } from "@/lib/jobs/task-jobs";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { TARGET_LEASE_SECONDS, startTaskExecution } from "./execute";
import { createTaskRequest, voteOnTaskRequest } from "./requests";
import { testActor } from "./task-test-helpers";

const MUTATING = /^(Create|Delete|Deactivate|Put|Set)/;

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the task worker's jobs: re-scan after execution, and recovery by the tick", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  let operator: TActor;
  let approver: TActor;
  let used = 0;
  /** The worker's clock runs this far ahead of the system clock (the lease of a dead worker passes). */
  let clockOffsetMs = 0;
  const children: ChildProcess[] = [];

  const members = () => [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId && a.id !== f.sim.delegatedAdminAccountId);
  const credentialCount = (accountId: string) => {
    const r = f.sim.state.accounts.get(accountId)!.root;
    return (r.loginProfile ? 1 : 0) + r.accessKeys.length + r.signingCertificates.length + r.mfaDevices.filter((m) => m.assigned).length;
  };
  /** Successful mutating calls per operation in one account since `since`. */
  const okMutating = (accountId: string, since = 0) => {
    const out: Record<string, number> = {};
    for (const c of f.sim.calls({ accountId, since, outcome: "ok" })) if (MUTATING.test(c.operation)) out[c.operation] = (out[c.operation] ?? 0) + 1;
    return out;
  };
  const lastSeq = () => f.sim.calls().at(-1)?.seq ?? 0;
  const status = async (id: string) => (await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id } })).status;

  /** `n` accounts, each with a password and two access keys, scanned (the scan is the test's, before any request). */
  async function dirtyAndScanned(n: number) {
    const accounts = members().slice(used, used + n);
    used += n;
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
    return accounts;
  }

  async function approvedRequest(accountIds: string[], options: { queueStart: boolean }) {
    const { request } = await createTaskRequest({
      actor: operator,
      input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNTS", accountIds }, params: { kinds: ["password", "accessKeys"] }, reason: "Remove root credentials through the worker's jobs" },
      db: f.db.prisma,
      aws: () => f.aws,
    });
    await voteOnTaskRequest({
      actor: approver,
      requestId: request.id,
      decision: "APPROVE",
      db: f.db.prisma,
      // As afterTaskCommit does in the web process: the approval queues the start job (or, for a lost job, does not).
      afterCommit: async (e) => {
        if (options.queueStart && e.kind === "approved") await queueTaskStart(worker.boss, e.requestId);
      },
    });
    return request;
  }

  /** One run of the task tick, as its cron schedule fires it; resolves once the worker has run it. */
  async function tick() {
    const id = await worker.boss.send(TASK_QUEUES.tick, {});
    expect(id).toBeTruthy();
    await waitFor(
      "task tick",
      async () => (await worker.boss.findJobs(TASK_QUEUES.tick, { id: id! }))[0]?.state,
      (s) => s === "completed" || s === "failed",
    );
  }

  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 24, seed: 4242 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({
      databaseUrl: f.db.url,
      db: f.db.prisma,
      aws: f.aws,
      concurrency: 8,
      batchSize: 10,
      intervalHours: 0,
      tasks: true,
      taskClock: () => new Date(Date.now() + clockOffsetMs),
      log: () => {},
    });
    operator = await testActor(f.db.prisma, ["operator"]);
    approver = await testActor(f.db.prisma, ["approver"]);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await worker?.stop();
    await f?.close();
  });

  it("re-scans the accounts after the worker runs a request: the newest snapshot shows the credentials gone and the account compliant, with no scan started by anyone", async () => {
    const db = f.db.prisma;
    const accounts = await dirtyAndScanned(2);
    for (const a of accounts) {
      const row = await db.account.findUniqueOrThrow({ where: { id: a.id }, include: { latestSnapshot: true } });
      expect(row.status).toBe("NON_COMPLIANT");
      expect(row.latestSnapshot).toMatchObject({ passwordPresent: true, status: "NON_COMPLIANT" });
    }
    const scansBefore = new Set((await db.scan.findMany({ select: { id: true } })).map((s) => s.id));

    const request = await approvedRequest(accounts.map((a) => a.id), { queueStart: true });
    await waitFor("request", () => status(request.id), (s) => s === "SUCCEEDED");
    expect(await worker.boss.findJobs(TASK_QUEUES.start, { data: { requestId: request.id } })).toHaveLength(1);
    for (const a of accounts) {
      expect(credentialCount(a.id)).toBe(0);
      expect(okMutating(a.id)).toEqual({ DeleteLoginProfile: 1, DeleteAccessKey: 2 });
    }

    // The batch started one re-scan of both accounts (SYSTEM, no requester) before closing the request.
    const newScans = await db.scan.findMany({ where: { id: { notIn: [...scansBefore] } }, include: { accounts: true } });
    expect(newScans).toHaveLength(1);
    const rescan = newScans[0]!;
    expect(rescan).toMatchObject({ scopeType: "ACCOUNTS", requestedById: null, total: 2 });
    expect(rescan.accounts.map((sa) => sa.accountId).sort()).toEqual(accounts.map((a) => a.id).sort());
    expect((await waitForScan(db, rescan.id)).status).toBe("SUCCEEDED");

    const targets = await db.taskTarget.findMany({ where: { requestId: request.id } });
    for (const a of accounts) {
      const row = await db.account.findUniqueOrThrow({ where: { id: a.id }, include: { latestSnapshot: true } });
      const expected = expectedStatus(f.sim, f.sim.state.accounts.get(a.id)!);
      expect(expected.status).toBe("COMPLIANT");
      expect(row.status).toBe("COMPLIANT");
      expect(row.failingRules).toEqual([]);
      expect(row.latestSnapshot).toMatchObject({ scanId: rescan.id, passwordPresent: false, accessKeys: [], status: "COMPLIANT", failingRules: [] });
      // Taken after the change was recorded, not before.
      const finishedAt = targets.find((t) => t.accountId === a.id)!.finishedAt!;
      expect(row.latestSnapshot!.takenAt.getTime()).toBeGreaterThanOrEqual(finishedAt.getTime());
    }
    await flushAuditTrail(db);
    const started = await db.auditEvent.findFirstOrThrow({ where: { type: "scan.started", targetId: f.sim.organizationId, payload: { path: ["scanId"], equals: rescan.id } } });
    expect(started.actorType).toBe("SYSTEM");
  }, 90_000);

  it("starts an approved request whose start job was lost, on the next tick", async () => {
    const accounts = await dirtyAndScanned(2);
    const request = await approvedRequest(accounts.map((a) => a.id), { queueStart: false });
    // No start job was queued (the queueing after the commit "failed"); only the tick can start it.
    expect(await worker.boss.findJobs(TASK_QUEUES.start, { data: { requestId: request.id } })).toEqual([]);

    await tick();
    await waitFor("request", () => status(request.id), (s) => s === "SUCCEEDED");
    for (const a of accounts) {
      expect(credentialCount(a.id)).toBe(0);
      expect(okMutating(a.id)).toEqual({ DeleteLoginProfile: 1, DeleteAccessKey: 2 });
    }
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.started", targetId: request.id } })).toBe(1);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.finished", targetId: request.id } })).toBe(1);
  }, 90_000);

  it("re-queues a dead worker's targets once their lease has passed (injected clock): each credential is removed by exactly one call", async () => {
    const db = f.db.prisma;
    const accounts = await dirtyAndScanned(4);
    const request = await approvedRequest(accounts.map((a) => a.id), { queueStart: false });
    // The start job ran (APPROVED -> EXECUTING) and its batch went to a worker that then died: no
    // pg-boss job is left to retry it; only the tick can find these targets again.
    const { started, batches } = await startTaskExecution({ actor: SYSTEM, db, requestId: request.id });
    expect(started).toBe(true);
    const targetIds = batches.flat();
    expect(targetIds).toHaveLength(4);
    const byId = new Map((await db.taskTarget.findMany({ where: { requestId: request.id } })).map((t) => [t.id, t.accountId]));
    const accountOf = targetIds.map((id) => byId.get(id)!);

    // The dead worker: a child process running the batch one target at a time, SIGKILLed right after
    // its first successful mutating call in the second account.
    f.sim.setFaults({ operationLatencyMs: { DeleteLoginProfile: 400, DeleteAccessKey: 400 } });
    let killSeq = 0;
    try {
      const since = lastSeq();
      const child = spawn(process.execPath, ["--import", "tsx", "lib/tasks/fixtures/run-batch-child.ts"], {
        cwd: process.cwd(),
        env: {
          ...process.env,
          DATABASE_URL: f.db.url,
          SIM_ENDPOINT: f.sim.endpoint,
          SIM_REGION: f.sim.region,
          SIM_ACCESS_KEY_ID: f.sim.accessKeyId,
          SIM_SECRET_ACCESS_KEY: f.sim.secretAccessKey,
          REQUEST_ID: request.id,
          TARGET_IDS: targetIds.join(","),
          CLAIM_TOKEN: "dead-job",
          TARGET_CONCURRENCY: "1",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
      const deadline = Date.now() + 30_000;
      while (killSeq === 0) {
        if (child.exitCode !== null) throw new Error(`the child finished before it was killed: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`no mutating call within 30 s: ${stderr}`);
        const first = f.sim.calls({ accountId: accountOf[1]!, since, outcome: "ok" }).find((c) => MUTATING.test(c.operation));
        if (first) {
          child.kill("SIGKILL");
          killSeq = first.seq;
        } else await new Promise((r) => setTimeout(r, 5));
      }
      expect(await exited).toBe("SIGKILL");
      // A call in flight when the worker died still lands (the simulator finishes it): let it.
      await new Promise((r) => setTimeout(r, 600));
    } finally {
      f.sim.setFaults({});
    }
    const mid = await db.taskTarget.findMany({ where: { requestId: request.id } });
    const at = (i: number) => mid.find((t) => t.accountId === accountOf[i])!;
    expect(at(0).status).toBe("SUCCEEDED");
    expect(at(1)).toMatchObject({ status: "RUNNING", claimToken: "dead-job" });
    expect(credentialCount(accountOf[1]!)).toBeGreaterThan(0); // half done
    expect([at(2).status, at(3).status]).toEqual(["PENDING", "PENDING"]);

    // Ticks before the lease passes leave everything alone: the claim may still be a live worker's.
    const settled = lastSeq();
    await tick();
    clockOffsetMs = (TARGET_LEASE_SECONDS - 60) * 1000;
    await tick();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(f.sim.calls({ since: settled }).filter((c) => accountOf.includes(c.accountId ?? ""))).toEqual([]);
    expect(await status(request.id)).toBe("EXECUTING");
    expect((await db.taskTarget.findUniqueOrThrow({ where: { id: at(1).id } })).claimToken).toBe("dead-job");

    // Past the lease: the tick queues the lapsed RUNNING target and the PENDING ones again.
    clockOffsetMs = (TARGET_LEASE_SECONDS + 60) * 1000;
    try {
      await tick();
      await waitFor("request", () => status(request.id), (s) => s !== "EXECUTING");
      expect(await status(request.id)).toBe("SUCCEEDED");
      // Later ticks find nothing more to do.
      await tick();
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      clockOffsetMs = 0;
    }
    for (const accountId of accountOf) {
      expect(credentialCount(accountId)).toBe(0);
      // One password and two keys: each removed by exactly one successful call, dead worker and recovery together.
      expect(okMutating(accountId)).toEqual({ DeleteLoginProfile: 1, DeleteAccessKey: 2 });
    }
    // The target the dead worker finished and recorded was not run again: no call at all in its account.
    expect(f.sim.calls({ accountId: accountOf[0]!, since: killSeq })).toEqual([]);
    const targets = await db.taskTarget.findMany({ where: { requestId: request.id } });
    const final = (i: number) => targets.find((t) => t.accountId === accountOf[i])!;
    expect(final(0)).toMatchObject({ status: "SUCCEEDED", attempts: 1, claimToken: "dead-job" });
    expect(final(1).attempts).toBe(2);
    expect(final(1).claimToken).not.toBe("dead-job");
    for (const i of [2, 3]) expect(final(i)).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    await flushAuditTrail(db);
    expect(await db.auditEvent.count({ where: { type: "task.target_finished", payload: { path: ["requestId"], equals: request.id } } })).toBe(4);
    expect(await db.auditEvent.count({ where: { type: "task.finished", targetId: request.id } })).toBe(1);
  }, 120_000);
});
