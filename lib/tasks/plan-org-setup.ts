// The frozen plan of an organization set-up request: the state read from AWS now, the one step it
// changes, and a loud warning for every disabling change. Refuses requests that cannot work yet
// (out of the set-up order, consolidated billing, nothing to change) with a 400 saying what to do.
import { ORG_SETUP_STEP_LABELS, orgSetupErrorSentence, stepValue, type TOrgSetupState, type TOrgSetupStep } from "@/lib/aws/org-setup";
import { AppError } from "@/lib/errors";
import { TASKS, type TOrgTaskType } from "./catalogue";
import type { TPlanContext, TPlannedTarget } from "./plan";

export type TOrgSetupPreview = {
  kind: "ORG_SETUP";
  step: TOrgSetupStep;
  enable: boolean;
  /** The delegated administrator registered or deregistered; null for the other steps. */
  accountId: string | null;
  /** What AWS said when the request was made. */
  current: {
    featureSet: string | null;
    trustedAccess: boolean | null;
    rootCredentialsManagement: boolean | null;
    rootSessions: boolean | null;
    delegatedAdminAccountId: string | null;
  };
  readAt: string;
  warning: string | null;
};

const ORDER = "The set-up order is: all-features mode (1), trusted access for iam.amazonaws.com (2), RootCredentialsManagement (3), RootSessions (4), then optionally IAM's delegated administrator (5).";

function disableWarning(step: TOrgSetupStep, accountId: string | null): string {
  switch (step) {
    case "TRUSTED_ACCESS":
      return "Disabling trusted access for IAM makes RootCredentialsManagement and RootSessions unusable: every privileged task and scan stops working (AssumeRoot is refused) until trusted access is enabled again.";
    case "ROOT_CREDENTIALS_MANAGEMENT":
      return "Disabling RootCredentialsManagement stops central management of root credentials: deleting root credentials and password recovery fail, and new accounts are created with root credentials again.";
    case "ROOT_SESSIONS":
      return "Disabling RootSessions stops every privileged task and scan: sts:AssumeRoot is refused for every member account until RootSessions is enabled again.";
    case "DELEGATED_ADMIN":
      return `Deregistering account ${accountId ?? "(none)"} as IAM's delegated administrator: anything running there (Rootwarden included, if configured so) can no longer read the features or open root sessions; only the management account can.`;
  }
}

export async function planOrgSetup(
  ctx: TPlanContext,
  taskType: TOrgTaskType,
  params: Record<string, unknown>,
): Promise<{ target: TPlannedTarget; params: Record<string, unknown>; scopeLabel: string; warning: string | null }> {
  const { step, enable } = TASKS[taskType].orgSetup!;
  const label = ORG_SETUP_STEP_LABELS[step];
  const org = await ctx.db.organization.findUnique({ where: { id: ctx.organizationId }, select: { id: true, managementAccountId: true } });
  if (!org) throw new AppError("CONFLICT", "No AWS Organization has been synced yet. Run an organization sync first.");
  // Read by a worker for the web tier (lib/jobs/aws-reads.ts): the web holds no AWS credentials.
  const state = (await ctx.awsRead({ op: "org.readSetup" })) as TOrgSetupState;

  if (state.organizationId && state.organizationId !== org.id) {
    throw new AppError("CONFLICT", `AWS answers for organization ${state.organizationId}, but Rootwarden shows ${org.id}. Sync the organization, then request again.`);
  }
  if (state.featureSet === "CONSOLIDATED_BILLING") throw new AppError("BAD_REQUEST", orgSetupErrorSentence("OrganizationNotInAllFeaturesModeException"));
  const readProblem = state.problems.find((p) => p.step === (step === "ROOT_SESSIONS" ? "ROOT_CREDENTIALS_MANAGEMENT" : step));
  if (readProblem) throw new AppError("BAD_REQUEST", `${label} cannot be read from AWS now, so no plan can be made. ${readProblem.message}`, { awsCode: readProblem.code });

  const value = stepValue(state, step);
  let accountId: string | null = null;
  if (step === "DELEGATED_ADMIN") {
    if (enable) {
      accountId = String(params.accountId);
      if (value === accountId) throw new AppError("BAD_REQUEST", `Account ${accountId} is already IAM's delegated administrator; there is nothing to request.`);
      if (value !== null) throw new AppError("BAD_REQUEST", `Account ${String(value)} is IAM's delegated administrator now. Deregister it first (step 5), then register ${accountId}.`);
      const account = await ctx.db.account.findFirst({ where: { id: accountId, organizationId: org.id }, select: { state: true, isManagement: true, leftOrgAt: true } });
      if (!account || account.leftOrgAt) throw new AppError("BAD_REQUEST", `Account ${accountId} is not in the organization. Pick a member account from the list (or sync the organization).`);
      if (account.isManagement) throw new AppError("BAD_REQUEST", orgSetupErrorSentence("ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"));
      if (account.state !== "ACTIVE") throw new AppError("BAD_REQUEST", `Account ${accountId} is ${account.state}, not ACTIVE; choose an active member account.`);
    } else {
      if (value === null) throw new AppError("BAD_REQUEST", "IAM has no delegated administrator now; there is nothing to deregister.");
      accountId = String(value);
    }
  } else {
    if (value === enable) throw new AppError("BAD_REQUEST", `${label} is already ${enable ? "enabled" : "disabled"}; there is nothing to request.`);
    if (enable && step !== "TRUSTED_ACCESS" && state.trustedAccess !== true) {
      throw new AppError("BAD_REQUEST", `Enable trusted access for iam.amazonaws.com first: ${label} needs it (AWS answers ServiceAccessNotEnabledException without it). ${ORDER}`, { reason: "SETUP_ORDER" });
    }
  }

  const warning = enable ? null : disableWarning(step, accountId);
  const preview: TOrgSetupPreview = {
    kind: "ORG_SETUP",
    step,
    enable,
    accountId,
    current: {
      featureSet: state.featureSet,
      trustedAccess: state.trustedAccess,
      rootCredentialsManagement: state.rootCredentialsManagement,
      rootSessions: state.rootSessions,
      delegatedAdminAccountId: state.delegatedAdminAccountId,
    },
    readAt: ctx.now.toISOString(),
    warning,
  };
  const managementAccountId = state.managementAccountId ?? org.managementAccountId;
  return {
    target: {
      accountId: managementAccountId,
      accountName: `Organization ${org.id}`,
      ouIdPath: null,
      resourceType: "ORG",
      resourceName: label,
      preview,
    },
    params: step === "DELEGATED_ADMIN" && enable ? { accountId } : {},
    scopeLabel: `Organization ${org.id}`,
    warning,
  };
}
