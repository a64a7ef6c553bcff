// Organization set-up end to end, from a simulated organization with every feature off: each step
// requested, approved and executed through the same request path as the root tasks, verified in the
// simulator and in the Organization row, audited; the set-up order, already-done, disabling with its
// warning, and each AWS error mapped to the sentence that says what to do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { createAwsContext, type TAwsContext } from "@/lib/aws/context";
import { orgSetupErrorSentence } from "@/lib/aws/org-setup";
import { isAppError } from "@/lib/errors";
import { requestOrgSync } from "@/lib/inventory/request-org-sync";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startInventoryFixture, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { control } from "@/sim/aws/test-helpers";
import { localAwsReader } from "./aws-reads";
import { getOrgSetupStatus } from "./org-setup-status";
import { createTaskRequest, previewTaskRequest, voteOnTaskRequest } from "./requests";
import { saveApprovalRule } from "./settings";
import { executeNow, testActor } from "./task-test-helpers";
import { flushAuditTrail } from "@/lib/audit/sequence";

const MUTATING = new Set([
  "EnableAWSServiceAccess",
  "DisableAWSServiceAccess",
  "EnableOrganizationsRootCredentialsManagement",
  "DisableOrganizationsRootCredentialsManagement",
  "EnableOrganizationsRootSessions",
  "DisableOrganizationsRootSessions",
  "RegisterDelegatedAdministrator",
  "DeregisterDelegatedAdministrator",
]);

async function appError(promise: Promise<unknown>): Promise<Error & { code: string; details?: Record<string, unknown> }> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAppError(err), `expected an AppError, got ${String(err)}`).toBe(true);
  return err as Error & { code: string };
}

describe("organization set-up through requests", () => {
  let f: TInventoryFixture<AwsSim>;
  let admin: TActor;
  let approver: TActor;
  let operator: TActor;
  let delegatedAws: TAwsContext;
  const reason = "Turn on centralized root access for the organization";
  const deps = () => ({ db: f.db.prisma, aws: () => f.aws });
  const mutations = () => f.sim.calls().filter((c) => MUTATING.has(c.operation) && c.outcome === "ok").length;
  const org = () => f.db.prisma.organization.findFirstOrThrow();

  async function run(taskType: string, params: Record<string, unknown> = {}, options: { aws?: TAwsContext; before?: () => Promise<void> } = {}) {
    const { request, plan } = await createTaskRequest({ actor: admin, input: { taskType, scope: { type: "ORG" }, params, reason }, ...deps() });
    expect(request.status).toBe("PENDING");
    const vote = await voteOnTaskRequest({ actor: approver, requestId: request.id, decision: "APPROVE", ...deps() });
    expect(vote.approved).toBe(true);
    await options.before?.();
    const done = await executeNow(f.db.prisma, options.aws ?? f.aws, request.id);
    const target = await f.db.prisma.taskTarget.findFirstOrThrow({ where: { requestId: request.id } });
    return { request: done, plan: plan!, target };
  }

  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 20, seed: "org-setup", featuresEnabled: false }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    admin = await testActor(f.db.prisma, ["admin"]);
    approver = await testActor(f.db.prisma, ["approver"]);
    operator = await testActor(f.db.prisma, ["operator"]);
    delegatedAws = createAwsContext({ endpoint: f.sim.endpoint, region: f.sim.region, credentials: f.sim.delegatedAdmin, timeoutMs: 5_000, maxAttempts: 1 });
  }, 60_000);
  afterAll(async () => {
    delegatedAws?.destroy();
    await f?.close();
  });

  it("starts with every feature off, as the Organization row shows", async () => {
    expect(await org()).toMatchObject({ featureSet: "ALL", trustedAccessIam: false, rootCredentialsManagement: false, rootSessions: false, delegatedAdminAccountId: null });
    const status = await getOrgSetupStatus({ actor: admin, db: f.db.prisma, awsRead: localAwsReader(() => f.aws) });
    expect(status.steps.map((s) => [s.number, s.step, s.value])).toEqual([
      [1, "ALL_FEATURES", true],
      [2, "TRUSTED_ACCESS", false],
      [3, "ROOT_CREDENTIALS_MANAGEMENT", false],
      [4, "ROOT_SESSIONS", false],
      [5, "DELEGATED_ADMIN", null],
    ]);
    expect(status.accounts.some((a) => a.id === f.sim.delegatedAdminAccountId)).toBe(true);
    expect(status.accounts.some((a) => a.id === f.sim.managementAccountId)).toBe(false);
  });

  it("needs org.setup to request (an operator is refused) and approval like any task", async () => {
    const err = await appError(createTaskRequest({ actor: operator, input: { taskType: "ORG_ENABLE_TRUSTED_ACCESS", scope: { type: "ORG" }, reason }, ...deps() }));
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toContain("org.setup");
    expect((await appError(previewTaskRequest({ actor: operator, input: { taskType: "ORG_ENABLE_ROOT_SESSIONS", scope: { type: "ORG" } }, ...deps() }))).code).toBe("FORBIDDEN");
    const scope = await appError(createTaskRequest({ actor: admin, input: { taskType: "ORG_ENABLE_TRUSTED_ACCESS", scope: { type: "ACCOUNT", accountId: f.sim.managementAccountId }, reason }, ...deps() }));
    expect(scope.message).toMatch(/"type": "ORG"/);
    const rootOnOrg = await appError(createTaskRequest({ actor: admin, input: { taskType: "DELETE_ROOT_CREDENTIALS", scope: { type: "ORG" }, params: { kinds: ["password"] }, reason }, ...deps() }));
    expect(rootOnOrg.code).toBe("BAD_REQUEST");
  });

  it("refuses RootSessions and RootCredentialsManagement before trusted access, in set-up order", async () => {
    for (const taskType of ["ORG_ENABLE_ROOT_SESSIONS", "ORG_ENABLE_ROOT_CREDENTIALS_MANAGEMENT"]) {
      const err = await appError(createTaskRequest({ actor: admin, input: { taskType, scope: { type: "ORG" }, reason }, ...deps() }));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toMatch(/^Enable trusted access for iam\.amazonaws\.com first/);
      expect(err.details).toMatchObject({ reason: "SETUP_ORDER" });
    }
    expect(mutations()).toBe(0);
  });

  it("enables trusted access, RootCredentialsManagement and RootSessions through request, approval and execution", async () => {
    await saveApprovalRule({ actor: admin, organizationId: (await org()).id, input: { taskType: "ORG_ENABLE_TRUSTED_ACCESS", ouId: null, approvalsRequired: 1 }, db: f.db.prisma });
    const ouRule = await appError(
      saveApprovalRule({ actor: admin, organizationId: (await org()).id, input: { taskType: "ORG_ENABLE_ROOT_SESSIONS", ouId: (await f.db.prisma.ou.findFirstOrThrow({ where: { isRoot: true } })).id, approvalsRequired: 2 }, db: f.db.prisma }),
    );
    expect(ouRule.message).toMatch(/no OU/);

    const steps = [
      ["ORG_ENABLE_TRUSTED_ACCESS", "trustedAccessIam", "TRUSTED_ACCESS"],
      ["ORG_ENABLE_ROOT_CREDENTIALS_MANAGEMENT", "rootCredentialsManagement", "ROOT_CREDENTIALS_MANAGEMENT"],
      ["ORG_ENABLE_ROOT_SESSIONS", "rootSessions", "ROOT_SESSIONS"],
    ] as const;
    for (const [taskType, column, feature] of steps) {
      const before = mutations();
      const { request, plan, target } = await run(taskType);
      expect(plan.targets[0]).toMatchObject({ accountId: f.sim.managementAccountId, resourceType: "ORG", preview: { kind: "ORG_SETUP", step: feature, enable: true, current: { [feature === "TRUSTED_ACCESS" ? "trustedAccess" : column]: false } } });
      expect(plan.warning).toBeNull();
      expect(request.status).toBe("SUCCEEDED");
      expect(target.status).toBe("SUCCEEDED");
      expect(target.evidence).toMatchObject({ verified: true, awsRequestId: expect.any(String) });
      expect(mutations() - before).toBe(1);
      expect((await org())[column]).toBe(true);
      // The read-back is kept as a reading, at the Organization row's time (reports as of a time read it).
      const reading = await f.db.prisma.organizationFeatureReading.findFirstOrThrow({ orderBy: [{ readAt: "desc" }, { id: "desc" }] });
      expect(reading).toMatchObject({ source: "org-setup", [column]: true, readAt: (await org()).featuresCheckedAt });
      await flushAuditTrail(f.db.prisma);
      const events = await f.db.prisma.auditEvent.findMany({ where: { type: "org.feature.enabled" }, orderBy: { seq: "desc" }, take: 1 });
      expect(events[0]?.payload).toMatchObject({ requestId: request.id, feature, verified: true });
      await flushAuditTrail(f.db.prisma);
      const finished = await f.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "task.target_finished", targetType: "ORG", payload: { path: ["requestId"], equals: request.id } } });
      expect(finished.targetId).toBe((await org()).id);
    }
    expect(f.sim.state.features).toEqual({ rootCredentialsManagement: true, rootSessions: true });
    const status = await getOrgSetupStatus({ actor: admin, db: f.db.prisma, awsRead: localAwsReader(() => f.aws) });
    expect(status.steps.slice(1, 4).map((s) => s.value)).toEqual([true, true, true]);
  });

  it("refuses a request with nothing to change", async () => {
    const err = await appError(createTaskRequest({ actor: admin, input: { taskType: "ORG_ENABLE_ROOT_SESSIONS", scope: { type: "ORG" }, reason }, ...deps() }));
    expect(err.message).toBe("RootSessions is already enabled; there is nothing to request.");
  });

  it("registers IAM's delegated administrator (a member account), refusing the management account", async () => {
    const mgmt = await appError(createTaskRequest({ actor: admin, input: { taskType: "ORG_REGISTER_DELEGATED_ADMIN", scope: { type: "ORG" }, params: { accountId: f.sim.managementAccountId }, reason }, ...deps() }));
    expect(mgmt.message).toMatch(/management account cannot be IAM's delegated administrator/);
    const { request } = await run("ORG_REGISTER_DELEGATED_ADMIN", { accountId: f.sim.delegatedAdminAccountId });
    expect(request.status).toBe("SUCCEEDED");
    expect((await org()).delegatedAdminAccountId).toBe(f.sim.delegatedAdminAccountId);
  });

  it("maps CallerIsNotManagementAccountException when the delegated administrator enables a feature", async () => {
    await control(f.sim, "POST", "/_sim/features", { rootSessions: false });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    const { request, target } = await run("ORG_ENABLE_ROOT_SESSIONS", {}, { aws: delegatedAws });
    expect(request.status).toBe("FAILED");
    expect(target).toMatchObject({ status: "FAILED", errorCode: "CallerIsNotManagementAccountException", message: orgSetupErrorSentence("CallerIsNotManagementAccountException") });
    expect(target.message).toMatch(/^Only the management account can enable this feature/);
    expect(f.sim.state.features.rootSessions).toBe(false);
    await control(f.sim, "POST", "/_sim/features", { rootSessions: true });
  });

  it("records ALREADY_DONE with no call when the state already is the target at execution", async () => {
    const before = mutations();
    const { request, target } = await run("ORG_DISABLE_ROOT_SESSIONS", {}, { before: async () => void (await control(f.sim, "POST", "/_sim/features", { rootSessions: false })) });
    expect(request.status).toBe("SUCCEEDED");
    expect(target.status).toBe("ALREADY_DONE");
    expect(mutations()).toBe(before);
    expect((await org()).rootSessions).toBe(false);
    await control(f.sim, "POST", "/_sim/features", { rootSessions: true });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
  });

  it("disables RootSessions behind a warning in the plan, audited as org.feature.disabled", async () => {
    const preview = await previewTaskRequest({ actor: admin, input: { taskType: "ORG_DISABLE_ROOT_SESSIONS", scope: { type: "ORG" } }, ...deps() });
    expect(preview.warning).toMatch(/^Disabling RootSessions stops every privileged task and scan/);
    const { request, plan } = await run("ORG_DISABLE_ROOT_SESSIONS");
    expect(plan.warning).toBe(preview.warning);
    expect(request.status).toBe("SUCCEEDED");
    expect(f.sim.state.features.rootSessions).toBe(false);
    expect((await org()).rootSessions).toBe(false);
    await flushAuditTrail(f.db.prisma);
    const event = await f.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "org.feature.disabled" } });
    expect(event.payload).toMatchObject({ requestId: request.id, feature: "ROOT_SESSIONS" });
    expect((await previewTaskRequest({ actor: admin, input: { taskType: "ORG_DISABLE_TRUSTED_ACCESS", scope: { type: "ORG" } }, ...deps() })).warning).toMatch(/^Disabling trusted access/);
  });

  it("deregisters the delegated administrator, then that account is told it is neither management nor delegated admin", async () => {
    const { request, plan } = await run("ORG_DEREGISTER_DELEGATED_ADMIN");
    expect(plan.targets[0]!.preview).toMatchObject({ accountId: f.sim.delegatedAdminAccountId });
    expect(plan.warning).toMatch(/^Deregistering account/);
    expect(request.status).toBe("SUCCEEDED");
    expect((await org()).delegatedAdminAccountId).toBeNull();
    const err = await appError(createTaskRequest({ actor: admin, input: { taskType: "ORG_ENABLE_ROOT_SESSIONS", scope: { type: "ORG" }, reason }, db: f.db.prisma, aws: () => delegatedAws }));
    expect(err.message).toContain(orgSetupErrorSentence("AccountNotManagementOrDelegatedAdministratorException"));
  });

  it("says to enable all features in consolidated-billing mode", async () => {
    await control(f.sim, "POST", "/_sim/features", { featureSet: "CONSOLIDATED_BILLING" });
    try {
      const err = await appError(createTaskRequest({ actor: admin, input: { taskType: "ORG_ENABLE_ROOT_SESSIONS", scope: { type: "ORG" }, reason }, ...deps() }));
      expect(err.message).toBe(orgSetupErrorSentence("OrganizationNotInAllFeaturesModeException"));
      expect(err.message).toMatch(/consolidated-billing mode\. Enable all features/);
      const status = await getOrgSetupStatus({ actor: admin, db: f.db.prisma, awsRead: localAwsReader(() => f.aws) });
      expect(status.steps[0]!.value).toBe(false);
    } finally {
      await control(f.sim, "POST", "/_sim/features", { featureSet: "ALL" });
    }
  });

  it("maps ServiceAccessNotEnabledException when trusted access went off after the request", async () => {
    const { request, target } = await run("ORG_ENABLE_ROOT_SESSIONS", {}, { before: async () => void (await control(f.sim, "POST", "/_sim/features", { trustedAccess: false })) });
    expect(request.status).toBe("FAILED");
    expect(target.message).toBe(orgSetupErrorSentence("ServiceAccessNotEnabledException"));
    await control(f.sim, "POST", "/_sim/features", { trustedAccess: true });
  });

  it("maps OrganizationNotInAllFeaturesModeException from AWS when the organization left all-features mode after the request", async () => {
    // Requested and approved in all-features mode (the plan's own check passes); the mode flips before execution.
    const before = mutations();
    const { request, plan, target } = await run("ORG_ENABLE_ROOT_SESSIONS", {}, { before: async () => void (await control(f.sim, "POST", "/_sim/features", { featureSet: "CONSOLIDATED_BILLING" })) });
    try {
      expect(plan.targets[0]!.preview).toMatchObject({ current: { featureSet: "ALL" } });
      expect(request.status).toBe("FAILED");
      // AWS's own answer to iam:EnableOrganizationsRootSessions, not the plan's featureSet check.
      expect(target).toMatchObject({ status: "FAILED", errorCode: "OrganizationNotInAllFeaturesModeException", message: orgSetupErrorSentence("OrganizationNotInAllFeaturesModeException") });
      const refused = f.sim.calls().filter((c) => c.operation === "EnableOrganizationsRootSessions").at(-1);
      expect(refused).toMatchObject({ outcome: "error", errorCode: "OrganizationNotInAllFeaturesModeException" });
      expect(mutations()).toBe(before);
      expect(f.sim.state.features.rootSessions).toBe(false);
      // Organizations answers ConstraintViolationException (ORGANIZATION_NOT_IN_ALL_FEATURES_MODE) to trusted
      // access: the same sentence.
      await control(f.sim, "POST", "/_sim/features", { featureSet: "ALL", trustedAccess: false });
      const trusted = await run("ORG_ENABLE_TRUSTED_ACCESS", {}, { before: async () => void (await control(f.sim, "POST", "/_sim/features", { featureSet: "CONSOLIDATED_BILLING" })) });
      expect(trusted.target).toMatchObject({ status: "FAILED", errorCode: "ConstraintViolationException", message: orgSetupErrorSentence("OrganizationNotInAllFeaturesModeException") });
      expect(f.sim.state.trustedAccess.has("iam.amazonaws.com")).toBe(false);
    } finally {
      await control(f.sim, "POST", "/_sim/features", { featureSet: "ALL", trustedAccess: true });
    }
  });

  it("maps AccountNotManagementOrDelegatedAdministratorException when execution runs with credentials that are neither", async () => {
    // Requested with the management account's credentials; executed with those of a member account that
    // is no longer IAM's delegated administrator (deregistered above).
    expect((await org()).delegatedAdminAccountId).toBeNull();
    const { request, target } = await run("ORG_ENABLE_ROOT_SESSIONS", {}, { aws: delegatedAws });
    expect(request.status).toBe("FAILED");
    expect(target).toMatchObject({
      status: "FAILED",
      errorCode: "AccountNotManagementOrDelegatedAdministratorException",
      message: orgSetupErrorSentence("AccountNotManagementOrDelegatedAdministratorException"),
    });
    expect(f.sim.state.features.rootSessions).toBe(false);
  });

  it("has a sentence for each documented error", () => {
    for (const code of ["AccountNotManagementOrDelegatedAdministratorException", "CallerIsNotManagementAccountException", "OrganizationNotInAllFeaturesModeException", "ServiceAccessNotEnabledException", "AccessDeniedException"]) {
      expect(orgSetupErrorSentence(code)).not.toMatch(/server log/);
    }
    expect(orgSetupErrorSentence("ConstraintViolationException", "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")).toBe(orgSetupErrorSentence("OrganizationNotInAllFeaturesModeException"));
  });

  it("audits Sync now and hands the walk to a job", async () => {
    const sent: { id: string; requestedById: string }[] = [];
    const out = await requestOrgSync({ actor: admin, db: f.db.prisma, enqueue: async (job) => (sent.push(job), job.id) });
    expect(sent).toEqual([{ id: out.jobId, requestedById: admin.userId }]);
    await flushAuditTrail(f.db.prisma);
    const event = await f.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "org.sync_requested" } });
    expect(event.payload).toEqual({ jobId: out.jobId });
    expect((await appError(requestOrgSync({ actor: operator, db: f.db.prisma, enqueue: async () => "x" }))).code).toBe("FORBIDDEN");
  });
});
