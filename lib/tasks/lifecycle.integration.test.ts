// Request lifecycle details through the simulator and a real Postgres: the audit event of each
// closing transition (and that a refused event rolls the transition back), the approver-comment
// setting and the settings.changed events, validation 400s that change nothing, the root session's
// length, a request of several batches closing once, and two approvals at one instant.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { flushAuditTrail } from "@/lib/audit/sequence";
import { TASK_SESSION_SECONDS } from "@/lib/aws/root-task-common";
import { isAppError } from "@/lib/errors";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startInventoryFixture, waitForScan, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { TASK_BATCH_SIZE, runTaskBatch, startTaskExecution } from "./execute";
import { cancelTaskRequest, createTaskRequest, reviewBreakGlass, voteOnTaskRequest, type TAfterCommit } from "./requests";
import { deleteApprovalRule, saveApprovalRule, updateTaskSettings } from "./settings";
import { executeNow, testActor } from "./task-test-helpers";

const MUTATING = /^(Create|Delete|Deactivate|Put|Set)/;

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

describe("request lifecycle: audit events, settings, validation, sessions, batches, simultaneous approvals", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  let operator: TActor;
  let approver: TActor;
  let approver2: TActor;
  let admin: TActor;
  let used = 0;
  const reason = "Remove leftover root credentials after the audit finding";

  const members = () => [...f.sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId && a.id !== f.sim.delegatedAdminAccountId);
  const okMutating = (accountId: string, since = 0) => f.sim.calls({ accountId, since, outcome: "ok" }).filter((c) => MUTATING.test(c.operation)).length;
  const credentialCount = (accountId: string) => {
    const r = f.sim.state.accounts.get(accountId)!.root;
    return (r.loginProfile ? 1 : 0) + r.accessKeys.length + r.signingCertificates.length + r.mfaDevices.filter((m) => m.assigned).length;
  };
  const lastSeq = () => f.sim.calls().at(-1)?.seq ?? 0;
  const deps = () => ({ db: f.db.prisma, aws: () => f.aws });
  /** `n` fresh accounts, each with a password and one access key, scanned. */
  async function dirty(n: number) {
    const out = members().slice(used, used + n);
    expect(out).toHaveLength(n);
    used += n;
    for (const a of out) {
      a.root.loginProfile = { createDate: Date.now(), passwordResetRequired: false };
      a.root.accessKeys = [{ accessKeyId: `AKIA${a.id}ABCD`, status: "Active", createDate: Date.now(), lastUsed: null }];
      a.root.signingCertificates = [];
      a.root.mfaDevices = [];
    }
    const s = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: out.map((a) => a.id) }, db: f.db.prisma, boss: worker.boss });
    await waitForScan(f.db.prisma, s.id);
    return out;
  }
  const deleteInput = (accountId: string, extra: Record<string, unknown> = {}) => ({
    taskType: "DELETE_ROOT_CREDENTIALS",
    scope: { type: "ACCOUNT", accountId },
    params: { kinds: ["password", "accessKeys"] },
    reason,
    ...extra,
  });
  async function pendingRequest(accountId: string) {
    return (await createTaskRequest({ actor: operator, input: deleteInput(accountId), ...deps() })).request;
  }
  async function events(type: string, requestId: string) {
    await flushAuditTrail(f.db.prisma);
    return f.db.prisma.auditEvent.findMany({ where: { type, targetId: requestId }, orderBy: { seq: "asc" } });
  }
  /** Every audit event written so far, sequenced or still pending. */
  async function auditCount() {
    await flushAuditTrail(f.db.prisma);
    return (await f.db.prisma.auditEvent.count()) + (await f.db.prisma.auditPending.count());
  }

  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 70, seed: 777 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 10, intervalHours: 0, tasks: false, log: () => {} });
    const db = f.db.prisma;
    operator = await testActor(db, ["operator"]);
    approver = await testActor(db, ["approver"]);
    approver2 = await testActor(db, ["approver"]);
    admin = await testActor(db, ["admin"]);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  // ---------- 3. audit events per transition ----------

  it("writes request.rejected, request.cancelled (from PENDING and from APPROVED) and request.reviewed with their payloads", async () => {
    const db = f.db.prisma;
    const [a, b, c, d] = await dirty(4);

    const rejected = await pendingRequest(a.id);
    await voteOnTaskRequest({ actor: approver, requestId: rejected.id, decision: "REJECT", comment: "not during the change freeze", ...deps() });
    const [rejectedEvent] = await events("request.rejected", rejected.id);
    expect(rejectedEvent).toMatchObject({ actorType: "USER", actorUserId: approver.userId, targetType: "REQUEST", organizationId: f.sim.organizationId });
    expect(rejectedEvent!.payload).toEqual({ requestId: rejected.id, comment: "not during the change freeze" });
    expect(await events("request.rejected", rejected.id)).toHaveLength(1);
    expect((await db.taskRequest.findUniqueOrThrow({ where: { id: rejected.id } })).status).toBe("REJECTED");

    const cancelledPending = await pendingRequest(b.id);
    await cancelTaskRequest({ actor: operator, requestId: cancelledPending.id, ...deps() });
    const cancelledApproved = await pendingRequest(c.id);
    await voteOnTaskRequest({ actor: approver, requestId: cancelledApproved.id, decision: "APPROVE", ...deps() });
    await cancelTaskRequest({ actor: admin, requestId: cancelledApproved.id, ...deps() });
    const [fromPending] = await events("request.cancelled", cancelledPending.id);
    expect(fromPending).toMatchObject({ actorUserId: operator.userId, targetType: "REQUEST" });
    expect(fromPending!.payload).toEqual({ requestId: cancelledPending.id, from: "PENDING" });
    const [fromApproved] = await events("request.cancelled", cancelledApproved.id);
    expect(fromApproved).toMatchObject({ actorUserId: admin.userId });
    expect(fromApproved!.payload).toEqual({ requestId: cancelledApproved.id, from: "APPROVED" });
    const closedTargets = await db.taskTarget.findMany({ where: { requestId: { in: [rejected.id, cancelledPending.id, cancelledApproved.id] } } });
    expect(closedTargets.map((t) => t.status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);

    await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: true }, db });
    try {
      const { request: glass } = await createTaskRequest({ actor: admin, input: deleteInput(d.id, { breakGlass: true, reason: "Outage: the keys leaked, remove them now" }), ...deps() });
      expect((await executeNow(db, f.aws, glass.id)).status).toBe("SUCCEEDED");
      await reviewBreakGlass({ actor: approver, requestId: glass.id, comment: "confirmed with the incident lead", ...deps() });
      const [reviewed] = await events("request.reviewed", glass.id);
      expect(reviewed).toMatchObject({ actorUserId: approver.userId, targetType: "REQUEST" });
      expect(reviewed!.payload).toEqual({ requestId: glass.id, comment: "confirmed with the incident lead" });
      const row = await db.taskRequest.findUniqueOrThrow({ where: { id: glass.id } });
      expect(row.reviewedById).toBe(approver.userId);
      expect(row.reviewedAt).not.toBeNull();
    } finally {
      await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: false }, db });
    }
  });

  it("rolls each transition back when its audit event cannot be written: status, votes and targets unchanged", async () => {
    const db = f.db.prisma;
    const [a, b, c] = await dirty(3);
    const pending = await pendingRequest(a.id);
    const approved = await pendingRequest(b.id);
    await voteOnTaskRequest({ actor: approver, requestId: approved.id, decision: "APPROVE", ...deps() });
    await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: true }, db });
    const { request: glass } = await createTaskRequest({ actor: admin, input: deleteInput(c.id, { breakGlass: true, reason: "Outage: the keys leaked, remove them now" }), ...deps() });
    await updateTaskSettings({ actor: admin, patch: { breakGlassEnabled: false }, db });
    expect((await executeNow(db, f.aws, glass.id)).status).toBe("SUCCEEDED");
    const before = await auditCount();
    const snapshot = async () => ({
      requests: await db.taskRequest.findMany({ where: { id: { in: [pending.id, approved.id, glass.id] } }, orderBy: { number: "asc" } }),
      targets: await db.taskTarget.findMany({ where: { requestId: { in: [pending.id, approved.id, glass.id] } }, orderBy: { id: "asc" } }),
      votes: await db.taskVote.findMany({ where: { requestId: { in: [pending.id, approved.id, glass.id] } }, orderBy: { id: "asc" } }),
      settings: await db.appSetting.findUnique({ where: { key: "tasks" } }),
      rules: await db.approvalRule.count(),
    });
    const start = await snapshot();

    // The database refuses every audit event (as a full disk or a revoked grant would), as lib/audit/wiring.test.ts does for scans.
    const sql = new pg.Client({ connectionString: f.db.url });
    await sql.connect();
    await sql.query(`CREATE FUNCTION "test_refuse_audit"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit intake refused by the test'; END $$`);
    await sql.query(`CREATE TRIGGER "test_refuse_audit" BEFORE INSERT ON "AuditPending" FOR EACH ROW EXECUTE FUNCTION "test_refuse_audit"()`);
    const refused = async (p: Promise<unknown>) => expect(p).rejects.toThrow(/audit intake refused by the test/);
    try {
      await refused(voteOnTaskRequest({ actor: approver, requestId: pending.id, decision: "REJECT", comment: "no", ...deps() }));
      await refused(voteOnTaskRequest({ actor: approver, requestId: pending.id, decision: "APPROVE", ...deps() }));
      await refused(cancelTaskRequest({ actor: operator, requestId: pending.id, ...deps() }));
      await refused(cancelTaskRequest({ actor: operator, requestId: approved.id, ...deps() }));
      await refused(reviewBreakGlass({ actor: approver, requestId: glass.id, comment: "seen", ...deps() }));
      await refused(startTaskExecution({ actor: SYSTEM, db, requestId: approved.id }));
      await refused(updateTaskSettings({ actor: admin, patch: { requireTicket: true }, db }));
      await refused(saveApprovalRule({ actor: admin, organizationId: f.sim.organizationId, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 4 }, db }));
    } finally {
      await sql.query(`DROP TRIGGER "test_refuse_audit" ON "AuditPending"; DROP FUNCTION "test_refuse_audit"()`);
      await sql.end();
    }
    expect(await snapshot()).toEqual(start);
    expect(start.requests.map((r) => r.status)).toEqual(["PENDING", "APPROVED", "SUCCEEDED"]);
    expect(start.requests[2]!.reviewedAt).toBeNull();
    expect(await auditCount()).toBe(before);
    // With the trail writable again, the same transitions go through.
    await voteOnTaskRequest({ actor: approver, requestId: pending.id, decision: "REJECT", comment: "no", ...deps() });
    await cancelTaskRequest({ actor: operator, requestId: approved.id, ...deps() });
    expect((await db.taskRequest.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe("REJECTED");
    expect((await db.taskRequest.findUniqueOrThrow({ where: { id: approved.id } })).status).toBe("CANCELLED");
    expect(okMutating(a.id) + okMutating(b.id)).toBe(0);
  });

  // ---------- 4. settings ----------

  it("requireApproverComment: a vote without a comment is a 400 that records nothing; with one it counts", async () => {
    const db = f.db.prisma;
    const [a] = await dirty(1);
    const request = await pendingRequest(a.id);
    await updateTaskSettings({ actor: admin, patch: { requireApproverComment: true }, db });
    try {
      for (const comment of [undefined, "", "   "]) {
        await expectAppError(voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", comment, ...deps() }), "BAD_REQUEST", /comment is required/);
      }
      await expectAppError(voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "REJECT", ...deps() }), "BAD_REQUEST", /comment is required/);
      expect(await db.taskVote.count({ where: { requestId: request.id } })).toBe(0);
      expect(await db.taskRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "PENDING", approvals: 0 });
      const vote = await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", comment: "checked with the account owner", ...deps() });
      expect(vote.approved).toBe(true);
      expect((await db.taskVote.findFirstOrThrow({ where: { requestId: request.id } })).comment).toBe("checked with the account owner");
    } finally {
      await updateTaskSettings({ actor: admin, patch: { requireApproverComment: false }, db });
    }
    // Off again: a vote without a comment is accepted.
    const [b] = await dirty(1);
    const other = await pendingRequest(b.id);
    expect((await voteOnTaskRequest({ actor: approver, requestId: other.id, decision: "APPROVE", ...deps() })).approved).toBe(true);
    await cancelTaskRequest({ actor: operator, requestId: request.id, ...deps() });
    await cancelTaskRequest({ actor: operator, requestId: other.id, ...deps() });
  });

  it("writes settings.changed for each changed task setting (none for an unchanged one) and for saving and deleting an approval rule", async () => {
    const db = f.db.prisma;
    const settingsEvents = async (since: bigint) => {
      await flushAuditTrail(db);
      return db.auditEvent.findMany({ where: { type: "settings.changed", seq: { gt: since } }, orderBy: { seq: "asc" } });
    };
    await flushAuditTrail(db);
    const head = async () => (await db.auditEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
    let since = await head();
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);

    await updateTaskSettings({ actor: admin, patch: { requireTicket: true, pendingExpiryHours: 48, breakGlassEnabled: false }, db, now });
    let changed = await settingsEvents(since);
    expect(changed.map((e) => e.payload)).toEqual([
      { setting: "tasks.requireTicket", from: false, to: true },
      { setting: "tasks.pendingExpiryHours", from: 24, to: 48 },
    ]);
    for (const e of changed) expect(e).toMatchObject({ actorType: "USER", actorUserId: admin.userId, time: now });
    // The same values again change nothing and write nothing.
    since = await head();
    await updateTaskSettings({ actor: admin, patch: { requireTicket: true, pendingExpiryHours: 48 }, db, now });
    expect(await settingsEvents(since)).toEqual([]);
    since = await head();
    await updateTaskSettings({ actor: admin, patch: { requireTicket: false, pendingExpiryHours: 24 }, db, now });
    expect((await settingsEvents(since)).map((e) => e.payload)).toEqual([
      { setting: "tasks.requireTicket", from: true, to: false },
      { setting: "tasks.pendingExpiryHours", from: 48, to: 24 },
    ]);

    since = await head();
    const org = f.sim.organizationId;
    const rule = await saveApprovalRule({ actor: admin, organizationId: org, input: { taskType: "UNLOCK_S3_BUCKET_POLICY", ouId: null, approvalsRequired: 2 }, db, now });
    await saveApprovalRule({ actor: admin, organizationId: org, input: { taskType: "UNLOCK_S3_BUCKET_POLICY", ouId: null, approvalsRequired: 3 }, db, now });
    await deleteApprovalRule({ actor: admin, organizationId: org, ruleId: rule.id, db, now });
    changed = await settingsEvents(since);
    expect(changed.map((e) => e.payload)).toEqual([
      { setting: "approvalRule.UNLOCK_S3_BUCKET_POLICY.organization", from: null, to: 2 },
      { setting: "approvalRule.UNLOCK_S3_BUCKET_POLICY.organization", from: 2, to: 3 },
      { setting: "approvalRule.UNLOCK_S3_BUCKET_POLICY.organization", from: 3, to: null },
    ]);
    for (const e of changed) expect(e).toMatchObject({ actorUserId: admin.userId, organizationId: org, time: now });
    expect(await db.approvalRule.count({ where: { id: rule.id } })).toBe(0);
    // A rule for an OU names the OU in the setting.
    const account = await db.account.findFirstOrThrow({ where: { id: members()[0]!.id } });
    const ouId = account.ouId!;
    since = await head();
    const ouRule = await saveApprovalRule({ actor: admin, organizationId: org, input: { taskType: "UNLOCK_S3_BUCKET_POLICY", ouId, approvalsRequired: 2 }, db, now });
    await deleteApprovalRule({ actor: admin, organizationId: org, ruleId: ouRule.id, db, now });
    expect((await settingsEvents(since)).map((e) => e.payload)).toEqual([
      { setting: `approvalRule.UNLOCK_S3_BUCKET_POLICY.${ouId}`, from: null, to: 2 },
      { setting: `approvalRule.UNLOCK_S3_BUCKET_POLICY.${ouId}`, from: 2, to: null },
    ]);
  });

  // ---------- 5. validation ----------

  it("refuses a SUSPENDED account, a reason over 2,000 characters, a bad queue name and a bad ticket with 400s that change nothing", async () => {
    const db = f.db.prisma;
    const [a] = await dirty(1);
    const suspended = [...f.sim.state.accounts.values()].find((x) => x.state === "SUSPENDED")!;
    expect(suspended).toBeDefined();
    expect((await db.account.findUniqueOrThrow({ where: { id: suspended.id } })).state).toBe("SUSPENDED");
    const requestsBefore = await db.taskRequest.count();
    const auditBefore = await auditCount();
    const seqBefore = lastSeq();

    await expectAppError(createTaskRequest({ actor: operator, input: deleteInput(suspended.id), ...deps() }), "BAD_REQUEST", new RegExp(`${suspended.id} .*SUSPENDED, not ACTIVE`));
    await expectAppError(
      createTaskRequest({ actor: operator, input: { ...deleteInput(a.id), scope: { type: "ACCOUNTS", accountIds: [a.id, suspended.id] } }, ...deps() }),
      "BAD_REQUEST",
      /SUSPENDED/,
    );
    await expectAppError(createTaskRequest({ actor: operator, input: deleteInput(a.id, { reason: "x".repeat(2001) }), ...deps() }), "BAD_REQUEST", /reason must be at most 2,000 characters/);
    for (const queueName of ["has space", "a".repeat(81), "bad!name", ""]) {
      await expectAppError(
        createTaskRequest({ actor: operator, input: { taskType: "UNLOCK_SQS_QUEUE_POLICY", scope: { type: "ACCOUNT", accountId: a.id }, params: { queueName, action: "DELETE" }, reason }, ...deps() }),
        "BAD_REQUEST",
        /Invalid queue name/,
      );
    }
    for (const ticket of ["CHG-1; DROP TABLE", "<script>", "T".repeat(201)]) {
      await expectAppError(createTaskRequest({ actor: operator, input: deleteInput(a.id, { ticket }), ...deps() }), "BAD_REQUEST", /ticket/);
    }

    expect(await db.taskRequest.count()).toBe(requestsBefore);
    expect(await db.taskTarget.count({ where: { accountId: { in: [a.id, suspended.id] } } })).toBe(0);
    expect(await auditCount()).toBe(auditBefore);
    // No AWS call at all: not even a read session.
    expect(f.sim.calls({ since: seqBefore })).toEqual([]);
    // The boundaries are accepted: 2,000 characters of reason and a well-formed ticket.
    const { request } = await createTaskRequest({ actor: operator, input: deleteInput(a.id, { reason: "r".repeat(2000), ticket: "CHG-1234 / ops:#7" }), ...deps() });
    expect(request).toMatchObject({ status: "PENDING", ticket: "CHG-1234 / ops:#7" });
    expect(request.reason).toHaveLength(2000);
    await cancelTaskRequest({ actor: operator, requestId: request.id, ...deps() });
  });

  // ---------- 6. small ones ----------

  it("asks AssumeRoot for a 150-second root session for the task (TASK_SESSION_SECONDS), and the simulator's session expires then", async () => {
    const [a] = await dirty(1);
    const request = await pendingRequest(a.id);
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    const sessions: { policy: string; durationSeconds: number | undefined; calledAt: number; expiresAt: number }[] = [];
    // What the SDK sends and what the simulator answers (Credentials.Expiration), for every AssumeRoot of the run.
    f.aws.sts.middlewareStack.add(
      (next, context) => async (args) => {
        const calledAt = Date.now();
        const out = await next(args);
        if (context.commandName === "AssumeRootCommand") {
          const input = args.input as { TaskPolicyArn?: { arn?: string }; DurationSeconds?: number };
          const expiration = (out.output as { Credentials?: { Expiration?: Date } }).Credentials?.Expiration;
          sessions.push({ policy: input.TaskPolicyArn?.arn ?? "", durationSeconds: input.DurationSeconds, calledAt, expiresAt: expiration?.getTime() ?? 0 });
        }
        return out;
      },
      { step: "initialize", name: "testCaptureAssumeRoot" },
    );
    try {
      expect((await executeNow(f.db.prisma, f.aws, request.id)).status).toBe("SUCCEEDED");
    } finally {
      f.aws.sts.middlewareStack.remove("testCaptureAssumeRoot");
    }
    expect(TASK_SESSION_SECONDS).toBe(150);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ policy: "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials", durationSeconds: 150 });
    // The simulator's expiry (whole seconds in the response) is 150 s after the call.
    const lifetime = (sessions[0]!.expiresAt - sessions[0]!.calledAt) / 1000;
    expect(lifetime).toBeGreaterThan(148);
    expect(lifetime).toBeLessThanOrEqual(151);
    // The task's calls ran in that session: one AssumeRoot, then the deletions under the task policy.
    const calls = f.sim.calls({ accountId: a.id }).filter((c) => c.seq > 0 && (c.operation === "AssumeRoot" || c.taskPolicy === "IAMDeleteRootUserCredentials"));
    expect(calls.filter((c) => c.operation === "AssumeRoot" && c.outcome === "ok").length).toBeGreaterThanOrEqual(1);
    expect(calls.filter((c) => MUTATING.test(c.operation)).map((c) => c.operation).sort()).toEqual(["DeleteAccessKey", "DeleteLoginProfile"]);
  });

  it(`closes a request of more than ${TASK_BATCH_SIZE} targets (several batches, run at once) exactly once, in the right final state`, async () => {
    const db = f.db.prisma;
    const accounts = await dirty(TASK_BATCH_SIZE + 8);
    const { request } = await createTaskRequest({
      actor: operator,
      input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ACCOUNTS", accountIds: accounts.map((a) => a.id) }, params: { kinds: ["password", "accessKeys"] }, reason },
      ...deps(),
    });
    expect(request.targetCount).toBe(40);
    await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    const { started, batches } = await startTaskExecution({ actor: SYSTEM, db, requestId: request.id });
    expect(started).toBe(true);
    expect(batches.map((b) => b.length)).toEqual([32, 8]);
    // One target of the last batch changed since the plan: it is left alone, so the request ends PARTIALLY_SUCCEEDED.
    const changedTarget = await db.taskTarget.findUniqueOrThrow({ where: { id: batches[1]![3]! } });
    const changed = f.sim.state.accounts.get(changedTarget.accountId)!;
    changed.root.accessKeys.push({ accessKeyId: "AKIANEWKEYAPPEARED02", status: "Active", createDate: Date.now(), lastUsed: null });
    // Both batches at once, as two jobs on two workers: both reach the close.
    await Promise.all(batches.map((targetIds, i) => runTaskBatch({ actor: SYSTEM, db, aws: f.aws, requestId: request.id, targetIds, claimToken: `batch-job-${i}` })));
    const done = await db.taskRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(done.status).toBe("PARTIALLY_SUCCEEDED");
    expect(done.finishedAt).not.toBeNull();
    const targets = await db.taskTarget.findMany({ where: { requestId: request.id } });
    expect(targets.filter((t) => t.status === "SUCCEEDED")).toHaveLength(39);
    expect(targets.find((t) => t.id === changedTarget.id)!.status).toBe("PRECONDITION_FAILED");
    for (const a of accounts) expect(okMutating(a.id)).toBe(a.id === changed.id ? 0 : 2);
    expect(credentialCount(changed.id)).toBe(3);
    const finished = await events("task.finished", request.id);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.payload).toEqual({ requestId: request.id, status: "PARTIALLY_SUCCEEDED", succeeded: 39, alreadyDone: 0, preconditionFailed: 1, failed: 0 });
    // A late batch retry changes nothing and does not close it again.
    await runTaskBatch({ actor: SYSTEM, db, aws: f.aws, requestId: request.id, targetIds: batches[1]!, claimToken: "batch-job-1" });
    expect(await events("task.finished", request.id)).toHaveLength(1);
    expect((await db.taskRequest.findUniqueOrThrow({ where: { id: request.id } })).finishedAt).toEqual(done.finishedAt);
  });

  it("two approvals at the same instant when 2 are required: APPROVED with approvals = 2, two votes, one request.approved", async () => {
    const db = f.db.prisma;
    const [a] = await dirty(1);
    const org = f.sim.organizationId;
    const rule = await saveApprovalRule({ actor: admin, organizationId: org, input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 2 }, db });
    try {
      const request = await pendingRequest(a.id);
      expect(request.requiredApprovals).toBe(2);
      const now = new Date();
      const commits: TAfterCommit[] = [];
      const afterCommit = async (e: TAfterCommit) => void commits.push(e);
      const votes = await Promise.all(
        [approver, approver2].map((actor) => voteOnTaskRequest({ actor, requestId: request.id, decision: "APPROVE", comment: `ok from ${actor.name}`, ...deps(), now, afterCommit })),
      );
      expect(votes.map((v) => v.approved).sort()).toEqual([false, true]);
      const row = await db.taskRequest.findUniqueOrThrow({ where: { id: request.id } });
      expect(row).toMatchObject({ status: "APPROVED", approvals: 2, requiredApprovals: 2 });
      expect(row.approvedAt).toEqual(now);
      expect(await db.taskVote.count({ where: { requestId: request.id, decision: "APPROVE" } })).toBe(2);
      const approved = await events("request.approved", request.id);
      expect(approved).toHaveLength(1);
      expect(approved[0]!.payload).toMatchObject({ requestId: request.id, approvals: 2 });
      expect((await events("request.voted", request.id)).map((e) => (e.payload as { approvals: number }).approvals).sort()).toEqual([1, 2]);
      // Only one of them queues the start.
      expect(commits.filter((c) => c.kind === "approved")).toEqual([{ kind: "approved", requestId: request.id }]);
      expect((await executeNow(db, f.aws, request.id)).status).toBe("SUCCEEDED");
      expect(okMutating(a.id)).toBe(2);
    } finally {
      await deleteApprovalRule({ actor: admin, organizationId: org, ruleId: rule.id, db });
    }
  });
});
