// Organization set-up calls for centralized root access, made with the configured management (or
// IAM delegated-admin) credentials: trusted access for iam.amazonaws.com, the two IAM features and
// IAM's delegated administrator. Each change reads the state first, makes one call, reads it back.
import {
  DisableOrganizationsRootCredentialsManagementCommand,
  DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  ListOrganizationsFeaturesCommand,
} from "@aws-sdk/client-iam";
import {
  DeregisterDelegatedAdministratorCommand,
  DescribeOrganizationCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  RegisterDelegatedAdministratorCommand,
} from "@aws-sdk/client-organizations";
import type { TAwsContext } from "./context";
import { AwsCallError, awsErrorCode, isAwsError, redactSecrets } from "./errors";

export const IAM_SERVICE_PRINCIPAL = "iam.amazonaws.com";

/** The changeable set-up steps, in the documented order (all-features mode is checked only). */
export const ORG_SETUP_STEPS = ["TRUSTED_ACCESS", "ROOT_CREDENTIALS_MANAGEMENT", "ROOT_SESSIONS", "DELEGATED_ADMIN"] as const;
export type TOrgSetupStep = (typeof ORG_SETUP_STEPS)[number];

export const ORG_SETUP_STEP_LABELS: Record<TOrgSetupStep, string> = {
  TRUSTED_ACCESS: "Trusted access for iam.amazonaws.com",
  ROOT_CREDENTIALS_MANAGEMENT: "RootCredentialsManagement",
  ROOT_SESSIONS: "RootSessions",
  DELEGATED_ADMIN: "Delegated administrator for IAM",
};

/** What AWS says now; null: could not be read (see problems). */
export type TOrgSetupState = {
  organizationId: string | null;
  managementAccountId: string | null;
  featureSet: string | null;
  trustedAccess: boolean | null;
  rootCredentialsManagement: boolean | null;
  rootSessions: boolean | null;
  /** Undefined is never used: null means none registered, or unreadable when listed in problems. */
  delegatedAdminAccountId: string | null;
  problems: { step: TOrgSetupStep | "ALL_FEATURES"; code: string; message: string }[];
};

const SENTENCES: Record<string, string> = {
  AccountNotManagementOrDelegatedAdministratorException:
    "Rootwarden's AWS identity is neither in the management account nor in IAM's delegated administrator account. Run Rootwarden with credentials of the management account (AWS_ROLE_ARN), or register a delegated administrator for IAM and use a role in that account.",
  CallerIsNotManagementAccountException:
    "Only the management account can enable this feature; IAM's delegated administrator cannot. Run this task with credentials of the management account (AWS_ROLE_ARN pointing at a role there).",
  OrganizationNotInAllFeaturesModeException:
    "The organization is in consolidated-billing mode. Enable all features in AWS Organizations first (console: AWS Organizations, Settings; every member account must accept), then try again.",
  ServiceAccessNotEnabledException:
    "Trusted access for IAM is not enabled. Enable trusted access for iam.amazonaws.com first (set-up step 2), then try again.",
  AccessDeniedException:
    "AWS Organizations denied the call. Organization set-up changes must be made with credentials of the management account that allow organizations:EnableAWSServiceAccess, DisableAWSServiceAccess, RegisterDelegatedAdministrator and DeregisterDelegatedAdministrator.",
  AccessDenied:
    "AWS denied the call. Give Rootwarden's identity in the management account the iam:EnableOrganizationsRoot*/DisableOrganizationsRoot* and iam:ListOrganizationsFeatures permissions.",
  AWSOrganizationsNotInUseException: "The account Rootwarden runs in is not in an AWS Organization. Run it from the organization's management account.",
  AccountNotFoundException: "That account is not in the organization. Pick a member account from the list.",
  TooManyRequestsException: "AWS Organizations kept throttling the calls after every retry; try again in a few minutes.",
  Throttling: "IAM kept throttling the calls (Rate exceeded) after every retry; try again in a few minutes.",
};

const CONSTRAINT_SENTENCES: Record<string, string> = {
  ORGANIZATION_NOT_IN_ALL_FEATURES_MODE: SENTENCES.OrganizationNotInAllFeaturesModeException!,
  CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR:
    "The management account cannot be IAM's delegated administrator. Choose a member account, such as a security-tooling account.",
  CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR: "A suspended account cannot be a delegated administrator. Choose an active member account.",
  MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED:
    "IAM already has its delegated administrator; deregister that account first (set-up step 5), then register the new one.",
};

/** A sentence for people saying what the error means for organization set-up and what to do. */
export function orgSetupErrorSentence(code: string, reason?: string | null): string {
  if (code === "ConstraintViolationException") {
    return (
      (reason ? CONSTRAINT_SENTENCES[reason] : undefined) ??
      `AWS Organizations refused the change because of a constraint of the organization${reason ? ` (${reason})` : ""}. Check the organization's settings in the AWS console, then try again.`
    );
  }
  return SENTENCES[code] ?? SENTENCES[code.replace(/Exception$/, "")] ?? `AWS refused the organization set-up call (${code}). An administrator can find the details in the server log.`;
}

function toOrgSetupError(err: unknown, operation: string): AwsCallError {
  if (err instanceof AwsCallError) return err;
  const code = awsErrorCode(err);
  const reason = typeof (err as { Reason?: unknown }).Reason === "string" ? (err as { Reason: string }).Reason : null;
  const sentence = orgSetupErrorSentence(code, reason);
  const detail = redactSecrets(err instanceof Error ? err.message : String(err)).slice(0, 300);
  return new AwsCallError(code, `${sentence} (${operation}: ${detail})`, operation, sentence);
}

type TSend = { abortSignal?: AbortSignal };

async function readTrustedAccess(aws: TAwsContext, send: TSend): Promise<boolean> {
  let token: string | undefined;
  do {
    const out = await aws.organizations.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken: token, MaxResults: 20 }), send);
    if ((out.EnabledServicePrincipals ?? []).some((p) => p.ServicePrincipal === IAM_SERVICE_PRINCIPAL)) return true;
    token = out.NextToken;
  } while (token);
  return false;
}

async function readFeatures(aws: TAwsContext, send: TSend): Promise<{ rootCredentialsManagement: boolean; rootSessions: boolean }> {
  try {
    const out = await aws.iam.send(new ListOrganizationsFeaturesCommand({}), send);
    const enabled = out.EnabledFeatures ?? [];
    return { rootCredentialsManagement: enabled.includes("RootCredentialsManagement"), rootSessions: enabled.includes("RootSessions") };
  } catch (err) {
    // Without trusted access, or outside all-features mode, the features cannot be on: an answer.
    if (isAwsError(err, "ServiceAccessNotEnabled", "OrganizationNotInAllFeaturesMode")) return { rootCredentialsManagement: false, rootSessions: false };
    throw err;
  }
}

async function readDelegatedAdmin(aws: TAwsContext, send: TSend): Promise<string | null> {
  let token: string | undefined;
  do {
    const out = await aws.organizations.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: IAM_SERVICE_PRINCIPAL, NextToken: token, MaxResults: 20 }), send);
    const first = out.DelegatedAdministrators?.find((d) => d.Id);
    if (first?.Id) return first.Id;
    token = out.NextToken;
  } while (token);
  return null;
}

/** Reads every step; a step that cannot be read is null with a problem saying what to do (never throws for AWS errors). */
export async function readOrgSetupState(aws: TAwsContext, options: { signal?: AbortSignal } = {}): Promise<TOrgSetupState> {
  const send = { abortSignal: options.signal };
  const problems: TOrgSetupState["problems"] = [];
  const attempt = async <T,>(step: TOrgSetupState["problems"][number]["step"], operation: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (err) {
      const e = toOrgSetupError(err, operation);
      problems.push({ step, code: e.code, message: e.publicMessage });
      return null;
    }
  };
  const [org, trustedAccess, features, delegatedAdminAccountId] = await Promise.all([
    attempt("ALL_FEATURES", "organizations:DescribeOrganization", async () => (await aws.organizations.send(new DescribeOrganizationCommand({}), send)).Organization ?? null),
    attempt("TRUSTED_ACCESS", "organizations:ListAWSServiceAccessForOrganization", () => readTrustedAccess(aws, send)),
    attempt("ROOT_CREDENTIALS_MANAGEMENT", "iam:ListOrganizationsFeatures", () => readFeatures(aws, send)),
    attempt("DELEGATED_ADMIN", "organizations:ListDelegatedAdministrators", () => readDelegatedAdmin(aws, send)),
  ]);
  return {
    organizationId: org?.Id ?? null,
    managementAccountId: org?.MasterAccountId ?? null,
    featureSet: org?.FeatureSet ?? null,
    trustedAccess,
    rootCredentialsManagement: features?.rootCredentialsManagement ?? null,
    rootSessions: features?.rootSessions ?? null,
    delegatedAdminAccountId,
    problems,
  };
}

export type TOrgSetupChange =
  | { step: "TRUSTED_ACCESS" | "ROOT_CREDENTIALS_MANAGEMENT" | "ROOT_SESSIONS"; enable: boolean }
  | { step: "DELEGATED_ADMIN"; enable: boolean; accountId: string };

export type TOrgSetupOutcome = {
  result: "DONE" | "ALREADY_DONE" | "PRECONDITION_FAILED";
  /** Why nothing was done (PRECONDITION_FAILED). */
  message: string | null;
  before: TOrgSetupState;
  /** Null when nothing was called (nothing to read back). */
  after: TOrgSetupState | null;
  verified: boolean;
  mutatingCalls: number;
  /** The AWS request id of the change, to match with CloudTrail. */
  requestId: string | null;
};

/** The step's value in a state: a boolean, or the delegated administrator's account id. */
export function stepValue(state: TOrgSetupState, step: TOrgSetupStep): boolean | string | null {
  if (step === "TRUSTED_ACCESS") return state.trustedAccess;
  if (step === "ROOT_CREDENTIALS_MANAGEMENT") return state.rootCredentialsManagement;
  if (step === "ROOT_SESSIONS") return state.rootSessions;
  return state.delegatedAdminAccountId;
}

function problemFor(state: TOrgSetupState, step: TOrgSetupStep) {
  // Both IAM features come from one read, filed under the first.
  const key = step === "ROOT_SESSIONS" ? "ROOT_CREDENTIALS_MANAGEMENT" : step;
  return state.problems.find((p) => p.step === key);
}

function reachedTarget(state: TOrgSetupState, change: TOrgSetupChange): boolean {
  const value = stepValue(state, change.step);
  if (change.step === "DELEGATED_ADMIN") return change.enable ? value === change.accountId : value === null;
  return value === change.enable;
}

/**
 * Makes one set-up change: reads the state (already the target: ALREADY_DONE, no call), makes the
 * one call, reads back. Throws AwsCallError (publicMessage: orgSetupErrorSentence) when the state
 * cannot be read or AWS refuses the change.
 */
export async function changeOrgSetup(aws: TAwsContext, change: TOrgSetupChange, options: { signal?: AbortSignal } = {}): Promise<TOrgSetupOutcome> {
  const send = { abortSignal: options.signal };
  const before = await readOrgSetupState(aws, options);
  const unreadable = problemFor(before, change.step);
  if (unreadable) throw new AwsCallError(unreadable.code, unreadable.message, "read organization set-up", unreadable.message);
  const base = { before, message: null };
  if (reachedTarget(before, change)) return { ...base, result: "ALREADY_DONE", after: null, verified: true, mutatingCalls: 0, requestId: null };
  if (change.step === "DELEGATED_ADMIN" && change.enable && before.delegatedAdminAccountId !== null) {
    return {
      ...base,
      result: "PRECONDITION_FAILED",
      message: `Account ${before.delegatedAdminAccountId} is IAM's delegated administrator now; deregister it first, then register ${change.accountId}.`,
      after: null,
      verified: false,
      mutatingCalls: 0,
      requestId: null,
    };
  }
  if (change.step === "DELEGATED_ADMIN" && !change.enable && before.delegatedAdminAccountId !== change.accountId) {
    return {
      ...base,
      result: "PRECONDITION_FAILED",
      message: `IAM's delegated administrator is ${before.delegatedAdminAccountId} now, not ${change.accountId} as approved; nothing was changed.`,
      after: null,
      verified: false,
      mutatingCalls: 0,
      requestId: null,
    };
  }
  const { operation, call } = mutation(aws, change, send);
  let requestId: string | null = null;
  let alreadyDone = false;
  try {
    requestId = (await call()).$metadata.requestId ?? null;
  } catch (err) {
    // Another change got there between the read and the call: the state is what was approved.
    if (change.step === "DELEGATED_ADMIN" && isAwsError(err, change.enable ? "AccountAlreadyRegistered" : "AccountNotRegistered")) alreadyDone = true;
    else throw toOrgSetupError(err, operation);
  }
  const after = await readOrgSetupState(aws, options);
  return { ...base, result: alreadyDone ? "ALREADY_DONE" : "DONE", after, verified: reachedTarget(after, change), mutatingCalls: 1, requestId };
}

function mutation(aws: TAwsContext, change: TOrgSetupChange, send: TSend): { operation: string; call: () => Promise<{ $metadata: { requestId?: string } }> } {
  const principal = { ServicePrincipal: IAM_SERVICE_PRINCIPAL };
  switch (change.step) {
    case "TRUSTED_ACCESS":
      return change.enable
        ? { operation: "organizations:EnableAWSServiceAccess", call: () => aws.organizations.send(new EnableAWSServiceAccessCommand(principal), send) }
        : { operation: "organizations:DisableAWSServiceAccess", call: () => aws.organizations.send(new DisableAWSServiceAccessCommand(principal), send) };
    case "ROOT_CREDENTIALS_MANAGEMENT":
      return change.enable
        ? { operation: "iam:EnableOrganizationsRootCredentialsManagement", call: () => aws.iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}), send) }
        : { operation: "iam:DisableOrganizationsRootCredentialsManagement", call: () => aws.iam.send(new DisableOrganizationsRootCredentialsManagementCommand({}), send) };
    case "ROOT_SESSIONS":
      return change.enable
        ? { operation: "iam:EnableOrganizationsRootSessions", call: () => aws.iam.send(new EnableOrganizationsRootSessionsCommand({}), send) }
        : { operation: "iam:DisableOrganizationsRootSessions", call: () => aws.iam.send(new DisableOrganizationsRootSessionsCommand({}), send) };
    case "DELEGATED_ADMIN": {
      const input = { ...principal, AccountId: change.accountId };
      return change.enable
        ? { operation: "organizations:RegisterDelegatedAdministrator", call: () => aws.organizations.send(new RegisterDelegatedAdministratorCommand(input), send) }
        : { operation: "organizations:DeregisterDelegatedAdministrator", call: () => aws.organizations.send(new DeregisterDelegatedAdministratorCommand(input), send) };
    }
  }
}
