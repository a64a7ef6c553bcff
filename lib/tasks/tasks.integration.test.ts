// Privileged tasks end to end: the AWS simulator through the real SDK, a real Postgres, real scans.
// Every state transition, the approval rules, the frozen plan and its re-check, and exactly-once
// execution counted from the simulator's call log.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { isAppError } from "@/lib/errors";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startInventoryFixture, waitForScan, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { awsReadViaWorker } from "@/lib/jobs/aws-reads";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { REQUEST_STATUSES, TRANSITIONS, canTransition } from "./catalogue";
import { evidenceSha256, runTaskBatch, startTaskExecution } from "./execute";
import { getApprovalInbox, getTaskRequest } from "./list";
import { listTaskResources } from "./resources";
import { cancelTaskRequest, createTaskRequest, expireTaskRequests, retryTaskRequest, reviewBreakGlass, voteOnTaskRequest } from "./requests";
import { saveApprovalRule, updateTaskSettings } from "./settings";
import { executeNow, testActor } from "./task-test-helpers";
import { flushAuditTrail } from "@/lib/audit/sequence";

const MUTATING = new Set([
  "DeleteLoginProfile",
  "DeleteAccessKey",
  "DeleteSigningCertificate",
  "DeactivateMFADevice",
  "DeleteVirtualMFADevice",
  "CreateLoginProfile",
  "PutBucketPolicy",
  "DeleteBucketPolicy",
  "SetQueueAttributes",
]);

async function expectAppError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).not.toBeNull();
  expect(isAppError(err) ? err.code : err).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
  return err as Error & { details?: Record<string, unknown> };
}

describe("privileged tasks", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  let operator: TActor;
  let approver: TActor;
  let approver2: TActor;
  let opsapprover: TActor;
  let admin: TActor;
  let viewer: TActor;
  const reason = "Remove leftover root credentials after the audit finding";

  const members = () => [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId);
  const mutatingCalls = (accountId: string) => f.sim.calls({ accountId }).filter((c) => MUTATING.has(c.operation) && c.outcome === "ok").length;
  const credentialCount = (accountId: string) => {
    const r = f.sim.state.accounts.get(accountId)!.root;
    return (r.loginProfile ? 1 : 0) + r.accessKeys.length + r.signingCertificates.length + r.mfaDevices.filter((m) => m.assigned).length;
  };
  const dirty = (n: number, offset = 0) => {
    const out = members().slice(offset, offset + n);
    for (const a of out) {
      a.root.loginProfile = { createDate: Date.now(), passwordResetRequired: false };
      a.root.accessKeys = [{ accessKeyId: `AKIA${a.id}ABCD`, status: "Active", createDate: Date.now(), lastUsed: null }];
      a.root.signingCertificates = [];
      a.root.mfaDevices = [];
    }
    return out;
  };
  async function scan(accountIds: string[]) {
    const s = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds }, db: f.db.prisma, boss: worker.boss });
    await waitForScan(f.db.prisma, s.id);
  }
  const deps = () => ({ db: f.db.prisma, aws: () => f.aws });

  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 40, seed: 21 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 10, intervalHours: 0, tasks: false, log: () => {} });
    const db = f.db.prisma;
    operator = await testActor(db, ["operator"]);
    approver = await testActor(db, ["approver"]);
    approver2 = await testActor(db, ["approver"]);
    opsapprover = await testActor(db, ["operator", "approver"]);
    admin = await testActor(db, ["admin"]);
    viewer = await testActor(db, ["viewer"]);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  it("has a state machine whose only transitions are the documented ones", () => {
    expect(TRANSITIONS.PENDING).toEqual(["APPROVED", "REJECTED", "CANCELLED", "EXPIRED"]);
    expect(TRANSITIONS.APPROVED).toEqual(["EXECUTING", "CANCELLED", "EXPIRED"]);
    expect(TRANSITIONS.EXECUTING).toEqual(["SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED"]);
    for (const from of REQUEST_STATUSES) for (const to of REQUEST_STATUSES) expect(canTransition(from, to)).toBe(TRANSITIONS[from].includes(to));
  });

  it("deletes root credentials: request, approval, execution, verification, evidence and audit trail", async () => {
    const [a] = dirty(1, 0);
    await scan([a.id]);
    const before = credentialCount(a.id);
    expect(before).toBe(2);
    const { request, plan } = await createTaskRequest({
      actor: operator,
      input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password", "accessKeys", "signingCertificates", "mfaDevices"] }, reason },
      ...deps(),
    });
    expect(request.status).toBe("PENDING");
    expect(plan!.targets[0]!.preview).toMatchObject({ kind: "DELETE_ROOT_CREDENTIALS", count: 2, remove: { password: true } });
    // Nothing runs before approval.
    expect((await startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: request.id })).started).toBe(false);
    expect(mutatingCalls(a.id)).toBe(0);

    const vote = await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", comment: "checked with the account owner", ...deps() });
    expect(vote.approved).toBe(true);
    const done = await executeNow(f.db.prisma, f.aws, request.id);
    expect(done.status).toBe("SUCCEEDED");
    expect(credentialCount(a.id)).toBe(0);
    expect(mutatingCalls(a.id)).toBe(before);

    const target = await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: request.id } });
    expect(target.status).toBe("SUCCEEDED");
    expect(target.evidence).toMatchObject({ verified: true, after: { passwordPresent: false, accessKeyIds: [] } });
    await flushAuditTrail(f.db.prisma);
    const types = (await f.db.prisma.auditEvent.findMany({ where: { OR: [{ targetId: request.id }, { targetId: a.id }] }, orderBy: { seq: "asc" } })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["request.created", "request.voted", "request.approved", "task.started", "task.target_finished", "task.finished"]));
    await flushAuditTrail(f.db.prisma);
    const finishedEvent = await f.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "task.target_finished", targetId: a.id } });
    expect((finishedEvent.payload as { assumeRootRequestId: string | null }).assumeRootRequestId).toBeTruthy();
    // A second run of the same request changes nothing.
    await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: request.id, targetIds: [target.id], claimToken: "again" });
    expect(mutatingCalls(a.id)).toBe(before);
  });

  it("refuses self-approval (even holding the approver role) and double votes; one rejection rejects and nothing runs", async () => {
    const [a] = dirty(1, 1);
    await scan([a.id]);
    const input = { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password"] }, reason };
    const { request } = await createTaskRequest({ actor: opsapprover, input, ...deps() });
    await expectAppError(voteOnTaskRequest({ actor: opsapprover, requestId: request.id, decision: "APPROVE", ...deps() }), "FORBIDDEN", /your own request/);
    // One open request per target and task.
    await expectAppError(createTaskRequest({ actor: operator, input, ...deps() }), "CONFLICT", new RegExp(`#${request.number}`));
    await cancelTaskRequest({ actor: opsapprover, requestId: request.id, ...deps() });
    await saveApprovalRule({ actor: admin, organizationId: f.sim.organizationId, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 2 }, db: f.db.prisma });
    const { request: r2 } = await createTaskRequest({ actor: operator, input, ...deps() });
    expect(r2.requiredApprovals).toBe(2);
    const first = await voteOnTaskRequest({ actor: approver, requestId: r2.id, decision: "APPROVE", ...deps() });
    expect(first.approved).toBe(false);
    expect(first.request.status).toBe("PENDING");
    await expectAppError(voteOnTaskRequest({ actor: approver, requestId: r2.id, decision: "APPROVE", ...deps() }), "CONFLICT", /already approved/);
    const rejected = await voteOnTaskRequest({ actor: approver2, requestId: r2.id, decision: "REJECT", comment: "not during the freeze", ...deps() });
    expect(rejected.request.status).toBe("REJECTED");
    expect((await startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: r2.id })).started).toBe(false);
    expect(mutatingCalls(a.id)).toBe(0);
    // The viewer cannot request; the operator cannot approve.
    await expectAppError(createTaskRequest({ actor: viewer, input, ...deps() }), "FORBIDDEN");
    await expectAppError(voteOnTaskRequest({ actor: operator, requestId: request.id, decision: "APPROVE", ...deps() }), "FORBIDDEN");
    await f.db.prisma.approvalRule.deleteMany({});
  });

  it("treats two IdP identities with one e-mail address as one person: no self-approval, no second vote, no self-review", async () => {
    const db = f.db.prisma;
    const [a] = dirty(1, 3);
    await scan([a.id]);
    // Alice requests as an operator identity and holds two approver identities with her address (any case).
    const alice = await testActor(db, ["operator"], { email: "alice@example.test" });
    const aliceApprover = await testActor(db, ["approver"], { email: "Alice@Example.test" });
    const bob = await testActor(db, ["approver"], { email: "bob@example.test" });
    const bobAgain = await testActor(db, ["approver"], { email: "bob@example.test" });
    await saveApprovalRule({ actor: admin, organizationId: f.sim.organizationId, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 2 }, db });
    try {
      const input = { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password"] }, reason };
      const { request } = await createTaskRequest({ actor: alice, input, ...deps() });
      await expectAppError(voteOnTaskRequest({ actor: aliceApprover, requestId: request.id, decision: "APPROVE", ...deps() }), "FORBIDDEN", /requester's e-mail address/);
      await voteOnTaskRequest({ actor: bob, requestId: request.id, decision: "APPROVE", ...deps() });
      await expectAppError(voteOnTaskRequest({ actor: bobAgain, requestId: request.id, decision: "APPROVE", ...deps() }), "CONFLICT", /already voted on request #\d+ under another identity/);
      const after = await db.taskRequest.findUniqueOrThrow({ where: { id: request.id } });
      expect(after.status).toBe("PENDING");
      expect(after.approvals).toBe(1);
      expect(await db.taskVote.count({ where: { requestId: request.id } })).toBe(1);
      await cancelTaskRequest({ actor: alice, requestId: request.id, ...deps() });
      expect(mutatingCalls(a.id)).toBe(0);
    } finally {
      await db.approvalRule.deleteMany({});
    }
  });

  it("the most specific OU rule wins", async () => {
    const [a] = dirty(1, 2);
    await scan([a.id]);
    const account = await f.db.prisma.account.findUniqueOrThrow({ where: { id: a.id } });
    const ouIds = account.ouIdPath!.split("/").filter(Boolean);
    const deepest = ouIds[ouIds.length - 1]!;
    await saveApprovalRule({ actor: admin, organizationId: f.sim.organizationId, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 3 }, db: f.db.prisma });
    await saveApprovalRule({ actor: admin, organizationId: f.sim.organizationId, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: deepest, approvalsRequired: 2 }, db: f.db.prisma });
    const { request } = await createTaskRequest({ actor: operator, input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password"] }, reason }, ...deps() });
    expect(request.requiredApprovals).toBe(2);
    await f.db.prisma.approvalRule.deleteMany({});
    await cancelTaskRequest({ actor: operator, requestId: request.id, ...deps() });
  });

  it("expires pending and approved-but-not-started requests, audited, and an expired request never runs", async () => {
    const [a, b] = dirty(2, 24);
    await scan([a.id, b.id]);
    const input = (id: string) => ({ taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: id }, params: { kinds: ["password"] }, reason });
    const now = new Date();
    const { request: pending } = await createTaskRequest({ actor: operator, input: input(a.id), ...deps(), now });
    const { request: approved } = await createTaskRequest({ actor: operator, input: input(b.id), ...deps(), now });
    await voteOnTaskRequest({ actor: approver, requestId: approved.id, decision: "APPROVE", ...deps(), now });
    // Nothing is due half an hour in.
    expect(await expireTaskRequests({ actor: SYSTEM, db: f.db.prisma, now: new Date(now.getTime() + 30 * 60_000) })).toEqual([]);
    const expired = await expireTaskRequests({ actor: SYSTEM, db: f.db.prisma, now: new Date(now.getTime() + 61 * 60_000) });
    expect(expired).toEqual([approved.id]);
    const later = await expireTaskRequests({ actor: SYSTEM, db: f.db.prisma, now: new Date(now.getTime() + 25 * 3_600_000) });
    expect(later).toEqual([pending.id]);
    for (const id of [pending.id, approved.id]) {
      expect((await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id } })).status).toBe("EXPIRED");
      expect((await startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: id })).started).toBe(false);
      await flushAuditTrail(f.db.prisma);
      expect(await f.db.prisma.auditEvent.count({ where: { type: "request.expired", targetId: id } })).toBe(1);
    }
    await expectAppError(voteOnTaskRequest({ actor: approver2, requestId: pending.id, decision: "APPROVE", ...deps() }), "CONFLICT");
    expect(mutatingCalls(a.id)).toBe(0);
    expect(mutatingCalls(b.id)).toBe(0);
  });

  it("re-checks before acting: a target that changed since the request is left alone; the others run; failed ones retry as a linked request", async () => {
    const accounts = dirty(3, 4);
    await scan(accounts.map((a) => a.id));
    const { request } = await createTaskRequest({
      actor: operator,
      input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) }, params: { kinds: ["password", "accessKeys"] }, reason },
      ...deps(),
    });
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    // A new access key appears in one account after the plan was frozen.
    const changed = accounts[1]!;
    changed.root.accessKeys.push({ accessKeyId: "AKIANEWKEYAPPEARED01", status: "Active", createDate: Date.now(), lastUsed: null });
    const done = await executeNow(f.db.prisma, f.aws, request.id);
    expect(done.status).toBe("PARTIALLY_SUCCEEDED");
    const targets = await f.db.prisma.taskTarget.findMany({ where: { requestId: request.id } });
    const byAccount = new Map(targets.map((t) => [t.accountId, t]));
    expect(byAccount.get(changed.id)!.status).toBe("PRECONDITION_FAILED");
    expect(byAccount.get(changed.id)!.message).toMatch(/AKIA/);
    expect(mutatingCalls(changed.id)).toBe(0);
    expect(credentialCount(changed.id)).toBe(3);
    for (const a of [accounts[0]!, accounts[2]!]) expect(byAccount.get(a.id)!.status).toBe("SUCCEEDED");

    // Retry: a new request for the failed account only, with a plan captured again from a fresh scan.
    // The worker re-scans touched accounts after a batch; here the test does it.
    await scan([changed.id]);
    const retry = await retryTaskRequest({ actor: operator, requestId: request.id, ...deps() });
    expect(retry.request.retryOfId).toBe(request.id);
    expect(retry.request.targetCount).toBe(1);
    await voteOnTaskRequest({ actor: approver, requestId: retry.request.id, decision: "APPROVE", ...deps() });
    expect((await executeNow(f.db.prisma, f.aws, retry.request.id)).status).toBe("SUCCEEDED");
    expect(credentialCount(changed.id)).toBe(0);
    expect(mutatingCalls(accounts[0]!.id)).toBe(2);
  });

  it("runs each change once under races: double-clicked submit, two approvers at once, two workers", async () => {
    const accounts = dirty(4, 8);
    await scan(accounts.map((a) => a.id));
    const input = {
      taskType: "DELETE_ROOT_CREDENTIALS",
      scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) },
      params: { kinds: ["password", "accessKeys"] },
      reason,
      clientRequestId: crypto.randomUUID(),
    };
    const [c1, c2] = await Promise.all([createTaskRequest({ actor: operator, input, ...deps() }), createTaskRequest({ actor: operator, input, ...deps() })]);
    expect(c1.request.id).toBe(c2.request.id);
    expect(await f.db.prisma.taskRequest.count({ where: { clientRequestId: input.clientRequestId } })).toBe(1);

    const votes = await Promise.allSettled([
      voteOnTaskRequest({ actor: approver, requestId: c1.request.id, decision: "APPROVE", ...deps() }),
      voteOnTaskRequest({ actor: approver2, requestId: c1.request.id, decision: "APPROVE", ...deps() }),
    ]);
    expect(votes.filter((v) => v.status === "fulfilled")).toHaveLength(1);
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "request.approved", targetId: c1.request.id } })).toBe(1);

    const starts = await Promise.all([1, 2].map(() => startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: c1.request.id })));
    expect(starts.filter((s) => s.started)).toHaveLength(1);
    const targetIds = starts[0]!.batches.flat();
    // Two workers run the same batch at the same time with different job ids.
    await Promise.all(["worker-a", "worker-b"].map((token) => runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: c1.request.id, targetIds, claimToken: token })));
    const request = await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: c1.request.id } });
    expect(request.status).toBe("SUCCEEDED");
    for (const a of accounts) {
      expect(mutatingCalls(a.id)).toBe(2);
      expect(credentialCount(a.id)).toBe(0);
    }
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.target_finished", payload: { path: ["requestId"], equals: c1.request.id } } })).toBe(accounts.length);
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.finished", targetId: c1.request.id } })).toBe(1);
  });

  it("records targets that finish together in one transaction, each with its own result, evidence and audit event; a failed group is recorded one by one", async () => {
    const accounts = dirty(6, 26);
    // The refused target has a second key to delete, and deletions are slow: it finishes last, so it
    // is not the first result (recorded alone) but one of the group behind it.
    accounts[0]!.root.accessKeys.push({ accessKeyId: `AKIA${accounts[0]!.id}EFGH`, status: "Active", createDate: Date.now(), lastUsed: null });
    await scan(accounts.map((a) => a.id));
    const { request } = await createTaskRequest({
      actor: operator,
      input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) }, params: { kinds: ["password", "accessKeys"] }, reason },
      ...deps(),
    });
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    const { batches } = await startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: request.id });
    const targetIds = batches.flat();
    const bad = (await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: request.id, accountId: accounts[0]!.id } })).id;
    const good = targetIds.filter((id) => id !== bad);
    // Recording fails for one target only (a stand-in for a row the database refuses), until the trigger goes.
    await f.db.prisma.$executeRawUnsafe(`CREATE FUNCTION test_refuse_target() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW."id" = '${bad}'::uuid AND NEW."status" <> 'RUNNING' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await f.db.prisma.$executeRawUnsafe(`CREATE TRIGGER test_refuse_target BEFORE UPDATE ON "TaskTarget" FOR EACH ROW EXECUTE FUNCTION test_refuse_target()`);
    // The audit head is held elsewhere for a while: the first result to finish waits for it in its own
    // transaction, and the five that finish meanwhile queue up behind it for the next one.
    const holder = new pg.Client({ connectionString: f.db.url });
    await holder.connect();
    await holder.query("BEGIN");
    // Audit appends (INSERTs into AuditPending) wait while this lock is held: a recording transaction stalls.
    await holder.query(`LOCK TABLE "AuditPending" IN SHARE MODE`);
    const release = new Promise<void>((resolve) => setTimeout(() => void holder.query("COMMIT").then(() => holder.end()).then(resolve), 1_500));
    f.sim.setFaults({ operationLatencyMs: { DeleteAccessKey: 150 } });
    try {
      const failed = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: request.id, targetIds, claimToken: "group-job", concurrency: 6 }).then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(failed?.message).toMatch(/refused by the test/);
    } finally {
      f.sim.setFaults({});
      await release;
      await f.db.prisma.$executeRawUnsafe(`DROP TRIGGER test_refuse_target ON "TaskTarget"; DROP FUNCTION test_refuse_target()`);
    }
    const rows = await f.db.prisma.$queryRaw<{ id: string; status: string; evidence: unknown; tx: string }[]>`
      SELECT "id"::text AS id, "status", "evidence", xmin::text AS tx FROM "TaskTarget" WHERE "requestId" = ${request.id}::uuid`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(bad)?.status).toBe("RUNNING"); // its claim stands; the AWS change is made but not recorded
    for (const id of good) expect(byId.get(id)?.status).toBe("SUCCEEDED");
    // The first alone, the four of the refused group each in a transaction of its own.
    expect(new Set(good.map((id) => byId.get(id)!.tx)).size).toBe(5);
    await flushAuditTrail(f.db.prisma);
    const events = await f.db.prisma.auditEvent.findMany({ where: { type: "task.target_finished", payload: { path: ["requestId"], equals: request.id } } });
    expect(events.map((e) => (e.payload as { targetId: string }).targetId).sort()).toEqual([...good].sort());
    for (const e of events) {
      const p = e.payload as { targetId: string; evidenceSha256: string };
      expect(p.evidenceSha256).toBe(evidenceSha256(byId.get(p.targetId)!.evidence));
    }

    // The retry of the same job takes its claim back, finds the credentials gone and records that.
    const retried = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: request.id, targetIds, claimToken: "group-job" });
    expect(retried.results).toEqual({ [bad]: "ALREADY_DONE" });
    expect((await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("SUCCEEDED");
    for (const a of accounts) expect(mutatingCalls(a.id)).toBe(a === accounts[0] ? 3 : 2);
  });

  it("shares one transaction among results that finish while another is being recorded", async () => {
    const accounts = dirty(6, 32);
    await scan(accounts.map((a) => a.id));
    const { request } = await createTaskRequest({
      actor: operator,
      input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) }, params: { kinds: ["password", "accessKeys"] }, reason },
      ...deps(),
    });
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    const { batches } = await startTaskExecution({ actor: SYSTEM, db: f.db.prisma, requestId: request.id });
    const holder = new pg.Client({ connectionString: f.db.url });
    await holder.connect();
    await holder.query("BEGIN");
    // Audit appends (INSERTs into AuditPending) wait while this lock is held: a recording transaction stalls.
    await holder.query(`LOCK TABLE "AuditPending" IN SHARE MODE`);
    const release = new Promise<void>((resolve) => setTimeout(() => void holder.query("COMMIT").then(() => holder.end()).then(resolve), 1_500));
    try {
      const out = await runTaskBatch({ actor: SYSTEM, db: f.db.prisma, aws: f.aws, requestId: request.id, targetIds: batches.flat(), claimToken: "shared-job", concurrency: 6 });
      expect(Object.values(out.results)).toEqual(Array(6).fill("SUCCEEDED"));
    } finally {
      await release;
    }
    // Rows written by one transaction share its id (xmin): the first result alone, the other five together.
    const txs = await f.db.prisma.$queryRaw<{ n: number }[]>`SELECT count(DISTINCT xmin::text)::int AS n FROM "TaskTarget" WHERE "requestId" = ${request.id}::uuid`;
    expect(txs[0]?.n).toBe(2);
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.target_finished", payload: { path: ["requestId"], equals: request.id } } })).toBe(6);
    for (const a of accounts) expect(mutatingCalls(a.id)).toBe(2);
  });

  it("refuses stale scans, ineligible accounts and bad input with 400s that say what to fix", async () => {
    const [a] = dirty(1, 13);
    await f.db.prisma.credentialSnapshot.deleteMany({ where: { accountId: a.id } });
    const stale = await expectAppError(
      createTaskRequest({ actor: operator, input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password"] }, reason }, ...deps() }),
      "CONFLICT",
      /Re-scan/,
    );
    expect(stale.details).toMatchObject({ reason: "STALE_SCAN", staleAccountIds: [a.id] });
    const base = { taskType: "DELETE_ROOT_CREDENTIALS", params: { kinds: ["password"] }, reason };
    await expectAppError(createTaskRequest({ actor: operator, input: { ...base, scope: { type: "ACCOUNT", accountId: f.sim.managementAccountId } }, ...deps() }), "BAD_REQUEST", /management account/);
    await expectAppError(createTaskRequest({ actor: operator, input: { ...base, scope: { type: "ACCOUNT", accountId: "999999999999" } }, ...deps() }), "BAD_REQUEST", /not in the organization/);
    await expectAppError(createTaskRequest({ actor: operator, input: { ...base, scope: { type: "ACCOUNT", accountId: "12345" } }, ...deps() }), "BAD_REQUEST", /12-digit/);
    await expectAppError(createTaskRequest({ actor: operator, input: { ...base, scope: { type: "ACCOUNT", accountId: a.id }, reason: "short" }, ...deps() }), "BAD_REQUEST", /at least 10/);
    await expectAppError(createTaskRequest({ actor: operator, input: { ...base, scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: [] } }, ...deps() }), "BAD_REQUEST", /at least one kind/);
    await expectAppError(
      createTaskRequest({ actor: operator, input: { taskType: "UNLOCK_S3_BUCKET_POLICY", scope: { type: "ACCOUNT", accountId: a.id }, params: { bucket: "Bad_Name", action: "DELETE" }, reason }, ...deps() }),
      "BAD_REQUEST",
      /bucket name/i,
    );
    await expectAppError(createTaskRequest({ actor: operator, input: { taskType: "NUKE", scope: { type: "ACCOUNT", accountId: a.id }, reason }, ...deps() }), "BAD_REQUEST", /Unknown task type/);
    await updateTaskSettings({ actor: admin, patch: { requireTicket: true }, db: f.db.prisma });
    await expectAppError(createTaskRequest({ actor: operator, input: { ...base, scope: { type: "ACCOUNT", accountId: a.id } }, ...deps() }), "BAD_REQUEST", /ticket/);
    await updateTaskSettings({ actor: admin, patch: { requireTicket: false }, db: f.db.prisma });
    expect(await f.db.prisma.taskRequest.count({ where: { targets: { some: { accountId: a.id } } } })).toBe(0);
  });

  it("unlocks a locked S3 bucket and SQS queue; a policy changed since the request is left alone", async () => {
    const locked = [...f.sim.state.buckets.values()].find((b) => b.policy?.includes('"DenyEveryone"') && members().some((m) => m.id === b.accountId))!;
    const { request, plan } = await createTaskRequest({
      actor: operator,
      input: { taskType: "UNLOCK_S3_BUCKET_POLICY", scope: { type: "ACCOUNT", accountId: locked.accountId }, params: { bucket: locked.name, action: "DELETE" }, reason },
      ...deps(),
    });
    expect(plan!.targets[0]!.preview).toMatchObject({ currentDeniesEveryone: true, action: "DELETE" });
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.session_read", targetId: `${locked.accountId}/${locked.name}` } })).toBe(1);
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    expect((await executeNow(f.db.prisma, f.aws, request.id)).status).toBe("SUCCEEDED");
    expect(f.sim.state.buckets.get(locked.name)!.policy).toBeNull();

    const queue = [...f.sim.state.queues.values()].find((q) => q.policy?.includes('"DenyEveryone"') && members().some((m) => m.id === q.accountId))!;
    const replacement = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "OwnerOnly", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${queue.accountId}:root` }, Action: "sqs:*", Resource: "*" }] });
    const q = await createTaskRequest({
      actor: operator,
      input: { taskType: "UNLOCK_SQS_QUEUE_POLICY", scope: { type: "ACCOUNT", accountId: queue.accountId }, params: { queueName: queue.name, action: "REPLACE", policy: replacement }, reason },
      ...deps(),
    });
    await voteOnTaskRequest({ actor: approver, requestId: q.request.id, decision: "APPROVE", ...deps() });
    // Someone changes the policy between approval and execution: the executor leaves it alone.
    queue.policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:SendMessage", Resource: "*" }] });
    const changedPolicy = queue.policy;
    expect((await executeNow(f.db.prisma, f.aws, q.request.id)).status).toBe("FAILED");
    expect(queue.policy).toBe(changedPolicy);
    const t = await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: q.request.id } });
    expect(t.status).toBe("PRECONDITION_FAILED");
    // A replacement that still denies everyone is refused.
    await expectAppError(
      createTaskRequest({
        actor: operator,
        input: {
          taskType: "UNLOCK_SQS_QUEUE_POLICY",
          scope: { type: "ACCOUNT", accountId: queue.accountId },
          params: { queueName: queue.name, action: "REPLACE", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }] }) },
          reason,
        },
        ...deps(),
      }),
      "BAD_REQUEST",
      /denies/i,
    );
  });

  it("reads buckets and policies for the web tier through a worker job (audited), never with the web's own credentials", async () => {
    const locked = [...f.sim.state.buckets.values()].find((b) => b.policy?.includes('"DenyEveryone"') && members().some((m) => m.id === b.accountId))!;
    const viaWorker = (read: Parameters<typeof awsReadViaWorker>[1]) => awsReadViaWorker(worker.boss, read);
    // No AWS context at all on this side: only the worker's is used.
    const noAws = () => {
      throw new Error("the web tier must not call AWS");
    };
    const listing = await listTaskResources({ actor: operator, accountId: locked.accountId, service: "s3", db: f.db.prisma, aws: noAws, awsRead: viaWorker });
    expect(listing.resources.find((r) => r.name === locked.name)).toMatchObject({ hasPolicy: true, deniesEveryone: true });
    await flushAuditTrail(f.db.prisma);
    expect(await f.db.prisma.auditEvent.count({ where: { type: "task.session_read", targetId: locked.accountId } })).toBeGreaterThan(0);
    const err = await expectAppError(
      listTaskResources({ actor: operator, accountId: f.sim.managementAccountId, service: "s3", db: f.db.prisma, aws: noAws, awsRead: viaWorker }),
      "BAD_REQUEST",
      /management account/,
    );
    expect(err.message).not.toMatch(/AKIA|ASIA/);
    const { plan } = await createTaskRequest({
      actor: operator,
      input: { taskType: "UNLOCK_S3_BUCKET_POLICY", scope: { type: "ACCOUNT", accountId: locked.accountId }, params: { bucket: locked.name, action: "DELETE" }, reason },
      db: f.db.prisma,
      aws: noAws,
      awsRead: viaWorker,
    });
    expect(plan!.targets[0]!.preview).toMatchObject({ currentDeniesEveryone: true });
    await expectAppError(
      createTaskRequest({
        actor: operator,
        input: { taskType: "UNLOCK_S3_BUCKET_POLICY", scope: { type: "ACCOUNT", accountId: locked.accountId }, params: { bucket: "no-such-bucket-here", action: "DELETE" }, reason },
        db: f.db.prisma,
        aws: noAws,
        awsRead: viaWorker,
      }),
      "BAD_REQUEST",
    );
  });

  it("allows password recovery only without root credentials", async () => {
    const [clean] = members().slice(16, 17);
    clean.root.loginProfile = null;
    clean.root.accessKeys = [];
    clean.root.signingCertificates = [];
    clean.root.mfaDevices = [];
    const [withCreds] = dirty(1, 17);
    await scan([clean.id, withCreds.id]);
    await expectAppError(
      createTaskRequest({ actor: operator, input: { taskType: "ALLOW_PASSWORD_RECOVERY", scope: { type: "ACCOUNT", accountId: withCreds.id }, reason }, ...deps() }),
      "BAD_REQUEST",
      /no root credentials/,
    );
    const { request } = await createTaskRequest({ actor: operator, input: { taskType: "ALLOW_PASSWORD_RECOVERY", scope: { type: "ACCOUNT", accountId: clean.id }, reason }, ...deps() });
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    expect((await executeNow(f.db.prisma, f.aws, request.id)).status).toBe("SUCCEEDED");
    expect(f.sim.state.accounts.get(clean.id)!.root.loginProfile).not.toBeNull();
    expect(mutatingCalls(clean.id)).toBe(1);
  });

  it("break-glass: off by default; an admin with a fresh sign-in runs without approval; approvers review it", async () => {
    const [a] = dirty(1, 20);
    await scan([a.id]);
    const input = { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password", "accessKeys"] }, reason: "Outage: the account is compromised, keys must go now", breakGlass: true };
    await expectAppError(createTaskRequest({ actor: admin, input, ...deps() }), "FORBIDDEN", /Break-glass is off/);
    // Settings need a fresh sign-in too: an old session alone cannot turn break-glass on or lower an approval rule.
    const oldSession = { ...admin, authTime: new Date(Date.now() - 60 * 60_000) };
    await expectAppError(updateTaskSettings({ actor: oldSession, patch: { breakGlassEnabled: true }, db: f.db.prisma }), "REAUTH_REQUIRED", /Changing settings needs a sign-in/);
    await expectAppError(
      saveApprovalRule({ actor: oldSession, organizationId: f.sim.organizationId, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 1 }, db: f.db.prisma }),
      "REAUTH_REQUIRED",
    );
    expect((await f.db.prisma.appSetting.findUnique({ where: { key: "tasks" } }))?.value ?? {}).not.toMatchObject({ breakGlassEnabled: true });
    await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: true }, db: f.db.prisma });
    await expectAppError(createTaskRequest({ actor: operator, input, ...deps() }), "FORBIDDEN");
    const staleAdmin = { ...admin, authTime: new Date(Date.now() - 60 * 60_000) };
    await expectAppError(createTaskRequest({ actor: staleAdmin, input, ...deps() }), "REAUTH_REQUIRED");
    const { request } = await createTaskRequest({ actor: admin, input, ...deps() });
    expect(request).toMatchObject({ status: "APPROVED", breakGlass: true, requiredApprovals: 0 });
    expect((await executeNow(f.db.prisma, f.aws, request.id)).status).toBe("SUCCEEDED");
    expect(credentialCount(a.id)).toBe(0);
    const inbox = await getApprovalInbox({ actor: approver, db: f.db.prisma });
    expect(inbox.toReview.map((r) => r.id)).toContain(request.id);
    // The admin's own approver identity (same e-mail address) is still the admin.
    const adminAsApprover = await testActor(f.db.prisma, ["approver"], { email: admin.email! });
    await expectAppError(reviewBreakGlass({ actor: adminAsApprover, requestId: request.id, ...deps() }), "FORBIDDEN", /requester's e-mail address/);
    await reviewBreakGlass({ actor: approver, requestId: request.id, comment: "confirmed with the incident lead", ...deps() });
    expect((await getApprovalInbox({ actor: approver, db: f.db.prisma })).toReview.map((r) => r.id)).not.toContain(request.id);
    await flushAuditTrail(f.db.prisma);
    const event = await f.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "request.break_glass", targetId: request.id } });
    expect((event.payload as { authTime: string | null }).authTime).toBe(admin.authTime!.toISOString());
    await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: false }, db: f.db.prisma });
  });

  it("asks approvers for a fresh sign-in and records auth_time with the vote", async () => {
    const [a] = dirty(1, 22);
    await scan([a.id]);
    const { request } = await createTaskRequest({ actor: operator, input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password"] }, reason }, ...deps() });
    const stale = { ...approver, authTime: new Date(Date.now() - 16 * 60_000) };
    const err = await expectAppError(voteOnTaskRequest({ actor: stale, requestId: request.id, decision: "APPROVE", ...deps() }), "REAUTH_REQUIRED");
    expect(err.details).toMatchObject({ reauth: true, maxAgeMinutes: 15 });
    expect(await f.db.prisma.taskVote.count({ where: { requestId: request.id } })).toBe(0);
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    const vote = await f.db.prisma.taskVote.findFirstOrThrow({ where: { requestId: request.id } });
    expect(vote.authTime!.toISOString()).toBe(approver.authTime!.toISOString());
    const detail = await getTaskRequest({ actor: approver, requestId: request.id, db: f.db.prisma });
    expect(detail.votes[0]).toMatchObject({ decision: "APPROVE", authTime: approver.authTime!.toISOString() });
    await cancelTaskRequest({ actor: operator, requestId: request.id, ...deps() });
    expect((await f.db.prisma.taskRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("CANCELLED");
  });
});

describe("task notifications", () => {
  it("writes request.created to the approvers' channel in the request's transaction, and the request page names it", async () => {
    const f = await startInventoryFixture(await startAwsSim({ accounts: 12, seed: 5 }));
    const worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 4, batchSize: 10, intervalHours: 0, tasks: false, log: () => {} });
    try {
      const db = f.db.prisma;
      await syncOrganization({ actor: SYSTEM, db, aws: f.aws });
      const a = [...f.sim.state.accounts.values()].find((x) => x.state === "ACTIVE" && x.id !== f.sim.managementAccountId)!;
      a.root.loginProfile = { createDate: Date.now(), passwordResetRequired: false };
      const s = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: [a.id] }, db, boss: worker.boss });
      await waitForScan(db, s.id);
      const channel = await db.notificationChannel.create({
        data: { kind: "WEBHOOK", name: "sec-approvals", config: { url: "http://127.0.0.1:9/hook", secret: "s" }, events: ["request.created", "request.approved", "task.succeeded"], enabled: true, createdAt: new Date(), createdBy: "test", updatedAt: new Date() },
      });
      const operator = await testActor(db, ["operator"]);
      const approver = await testActor(db, ["approver"]);
      const { request } = await createTaskRequest({
        actor: operator,
        input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNT", accountId: a.id }, params: { kinds: ["password"] }, reason: "Remove the leftover root password" },
        db,
        aws: () => f.aws,
      });
      const rows = await db.notification.findMany({ where: { channelId: channel.id } });
      expect(rows.map((r) => [r.event, r.link, r.idempotencyKey])).toEqual([["request.created", `/requests/${request.id}`, `request.created:${request.id}`]]);
      await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", db });
      expect((await executeNow(db, f.aws, request.id)).status).toBe("SUCCEEDED");
      const events = (await db.notification.findMany({ where: { channelId: channel.id }, orderBy: { createdAt: "asc" } })).map((r) => r.event);
      expect(events).toEqual(["request.created", "request.approved", "task.succeeded"]);
      const detail = await getTaskRequest({ actor: operator, requestId: request.id, db });
      expect(detail.notified.map((n) => n.label)).toContain("sec-approvals (Webhook)");
    } finally {
      await worker.stop();
      await f.close();
    }
  });

  it("writes rejected, cancelled, expired, task.failed (failed and partially succeeded) and break_glass.used to the channels that take them", async () => {
    const f = await startInventoryFixture(await startAwsSim({ accounts: 12, seed: 6 }));
    const worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 4, batchSize: 10, intervalHours: 0, tasks: false, log: () => {} });
    try {
      const db = f.db.prisma;
      const aws = () => f.aws;
      await syncOrganization({ actor: SYSTEM, db, aws: f.aws });
      const accounts = [...f.sim.state.accounts.values()].filter((x) => x.state === "ACTIVE" && x.id !== f.sim.managementAccountId).slice(0, 5);
      for (const a of accounts) {
        a.root.loginProfile = { createDate: Date.now(), passwordResetRequired: false };
        a.root.accessKeys = [{ accessKeyId: `AKIA${a.id}WXYZ`, status: "Active", createDate: Date.now(), lastUsed: null }];
      }
      const s = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) }, db, boss: worker.boss });
      await waitForScan(db, s.id);
      const channel = (name: string, events: string[]) =>
        db.notificationChannel.create({
          data: { kind: "WEBHOOK", name, config: { url: "http://127.0.0.1:9/hook", secret: "s" }, events, enabled: true, createdAt: new Date(), createdBy: "test", updatedAt: new Date() },
        });
      const requester = await channel("requester-feed", ["request.rejected", "request.cancelled", "request.expired"]);
      const outcomes = await channel("task-outcomes", ["task.failed", "break_glass.used"]);
      // Subscribed to none of them: gets nothing.
      const other = await channel("other", ["request.created", "drift.detected"]);
      const operator = await testActor(db, ["operator"]);
      const approver = await testActor(db, ["approver"]);
      const admin = await testActor(db, ["admin"]);
      const reason = "Remove the leftover root credentials";
      const input = (ids: string[], kinds = ["password", "accessKeys"]) => ({
        taskType: "DELETE_ROOT_CREDENTIALS",
        scope: ids.length === 1 ? { type: "ACCOUNT", accountId: ids[0] } : { type: "ACCOUNTS", accountIds: ids },
        params: { kinds },
        reason,
      });
      const rowsFor = async (requestId: string, channelId: string) =>
        (await db.notification.findMany({ where: { channelId, subjectId: requestId }, orderBy: { createdAt: "asc" } })).map((r) => ({
          event: r.event,
          link: r.link,
          idempotencyKey: r.idempotencyKey,
          channelName: r.channelName,
          audience: r.audience,
          subjectType: r.subjectType,
        }));
      const expected = (event: string, requestId: string, channelName: string, audience: string) => ({
        event,
        link: `/requests/${requestId}`,
        idempotencyKey: `${event}:${requestId}`,
        channelName,
        audience,
        subjectType: "REQUEST",
      });

      // request.rejected
      const [a0, a1, a2, a3, a4] = accounts.map((a) => a.id) as [string, string, string, string, string];
      const { request: rejected } = await createTaskRequest({ actor: operator, input: input([a0]), db, aws });
      await voteOnTaskRequest({ actor: approver, requestId: rejected.id, decision: "REJECT", comment: "not during the freeze", db });
      expect(await rowsFor(rejected.id, requester.id)).toEqual([expected("request.rejected", rejected.id, "requester-feed", "requester")]);
      expect((await db.notification.findFirstOrThrow({ where: { channelId: requester.id, subjectId: rejected.id } })).text).toBe("Comment: not during the freeze");

      // request.cancelled
      const { request: cancelled } = await createTaskRequest({ actor: operator, input: input([a0]), db, aws });
      await cancelTaskRequest({ actor: operator, requestId: cancelled.id, db });
      expect(await rowsFor(cancelled.id, requester.id)).toEqual([expected("request.cancelled", cancelled.id, "requester-feed", "requester")]);

      // request.expired: pending past its expiry
      const now = new Date();
      const { request: expired } = await createTaskRequest({ actor: operator, input: input([a0]), db, aws, now });
      expect(await expireTaskRequests({ actor: SYSTEM, db, now: new Date(now.getTime() + 25 * 3_600_000) })).toEqual([expired.id]);
      expect(await rowsFor(expired.id, requester.id)).toEqual([expected("request.expired", expired.id, "requester-feed", "requester")]);
      expect((await db.notification.findFirstOrThrow({ where: { channelId: requester.id, subjectId: expired.id } })).text).toBe("Not approved in time.");

      // task.failed: every target left alone (a new key since the plan) is FAILED
      const { request: failed } = await createTaskRequest({ actor: operator, input: input([a1]), db, aws });
      await voteOnTaskRequest({ actor: approver, requestId: failed.id, decision: "APPROVE", db });
      accounts[1]!.root.accessKeys.push({ accessKeyId: "AKIANEWKEYFAILED0001", status: "Active", createDate: Date.now(), lastUsed: null });
      expect((await executeNow(db, f.aws, failed.id)).status).toBe("FAILED");
      expect(await rowsFor(failed.id, outcomes.id)).toEqual([expected("task.failed", failed.id, "task-outcomes", "everyone")]);
      const failedRow = await db.notification.findFirstOrThrow({ where: { channelId: outcomes.id, subjectId: failed.id } });
      expect(failedRow.title).toMatch(/: failed$/);
      expect(failedRow.payload).toMatchObject({ requestId: failed.id, status: "FAILED", succeeded: 0, preconditionFailed: 1 });

      // task.failed: one target done, one left alone is PARTIALLY_SUCCEEDED, which counts as failed
      const { request: partial } = await createTaskRequest({ actor: operator, input: input([a2, a3]), db, aws });
      await voteOnTaskRequest({ actor: approver, requestId: partial.id, decision: "APPROVE", db });
      accounts[3]!.root.accessKeys.push({ accessKeyId: "AKIANEWKEYPARTIAL001", status: "Active", createDate: Date.now(), lastUsed: null });
      expect((await executeNow(db, f.aws, partial.id)).status).toBe("PARTIALLY_SUCCEEDED");
      expect(await rowsFor(partial.id, outcomes.id)).toEqual([expected("task.failed", partial.id, "task-outcomes", "everyone")]);
      const partialRow = await db.notification.findFirstOrThrow({ where: { channelId: outcomes.id, subjectId: partial.id } });
      expect(partialRow.title).toMatch(/: partially succeeded$/);
      expect(partialRow.payload).toMatchObject({ status: "PARTIALLY_SUCCEEDED", succeeded: 1, preconditionFailed: 1 });

      // break_glass.used: written when the request is created, to the approvers
      await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: true }, db });
      const { request: glass } = await createTaskRequest({ actor: admin, input: { ...input([a4]), reason: "Outage: the account is compromised, keys must go now", breakGlass: true }, db, aws });
      expect(glass.status).toBe("APPROVED");
      expect(await rowsFor(glass.id, outcomes.id)).toEqual([expected("break_glass.used", glass.id, "task-outcomes", "approvers")]);
      expect((await db.notification.findFirstOrThrow({ where: { channelId: outcomes.id, subjectId: glass.id } })).title).toMatch(/break-glass execution by .+, review it$/);
      expect((await executeNow(db, f.aws, glass.id)).status).toBe("SUCCEEDED");
      // task.succeeded is not among this channel's events: still the one row.
      expect(await rowsFor(glass.id, outcomes.id)).toHaveLength(1);

      // Each event went only to the channels that take it, except break_glass.used, which every
      // enabled channel gets whatever it subscribes to.
      for (const id of [rejected.id, cancelled.id, expired.id, failed.id, partial.id, glass.id]) {
        expect((await db.notification.findMany({ where: { channelId: other.id, subjectId: id } })).map((r) => r.event)).toEqual(
          [rejected.id, cancelled.id, expired.id, failed.id, partial.id].includes(id) ? ["request.created"] : ["break_glass.used"],
        );
      }
      expect(await db.notification.count({ where: { channelId: requester.id, event: "task.failed" } })).toBe(0);
      expect(await db.notification.count({ where: { channelId: requester.id, event: "break_glass.used", subjectId: glass.id } })).toBe(1);
      expect(await db.notification.count({ where: { channelId: outcomes.id, event: { startsWith: "request." } } })).toBe(0);
    } finally {
      await worker.stop();
      await f.close();
    }
  });
});
