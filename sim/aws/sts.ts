// STS over the query protocol: GetCallerIdentity and AssumeRoot with the org, feature and task-policy rules.
import { el, isoDate, queryResponse, type OpContext } from "./context";
import { SimError, unknownOperationError, type SimResponse } from "./errors";
import { IAM_SERVICE_PRINCIPAL } from "./state";
import { parseTaskPolicyArn, TASK_POLICY_PREFIX } from "./task-policies";

export function handleSts(ctx: OpContext, params: URLSearchParams): SimResponse {
  switch (ctx.operation) {
    case "GetCallerIdentity":
      return queryResponse(ctx, el("Arn", ctx.caller.arn) + el("UserId", ctx.caller.userId) + el("Account", ctx.caller.accountId));
    case "AssumeRoot":
      return assumeRoot(ctx, params);
    default:
      throw unknownOperationError("sts", ctx.operation);
  }
}

function assumeRoot(ctx: OpContext, params: URLSearchParams): SimResponse {
  const { sim, caller } = ctx;
  const { state, quirks } = sim;
  const target = parseTargetPrincipal(params.get("TargetPrincipal"));
  ctx.target.accountId = target;
  const policyArn = params.get("TaskPolicyArn.arn") ?? "";
  const rawDuration = params.get("DurationSeconds");
  if (!params.get("TargetPrincipal")) throw validation("targetPrincipal", "null", "Member must not be null");
  if (!policyArn) throw validation("taskPolicyArn", "null", "Member must not be null");
  const duration = rawDuration === null ? 900 : Number(rawDuration);
  if (!Number.isInteger(duration) || duration < 0 || duration > 900) {
    throw validation("durationSeconds", rawDuration ?? "", "Member must have value less than or equal to 900");
  }
  const deny = (why: string): SimError =>
    new SimError(quirks.assumeRootDeniedCode, `User: ${caller.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${target ?? "unknown"}:root ${why}`, quirks.assumeRootDeniedStatus);

  if (caller.kind === "root-session") throw deny("because root users cannot call sts:AssumeRoot");
  const isManagement = caller.accountId === state.organization.managementAccountId;
  const isIamDelegate = state.delegatedAdmins.get(caller.accountId)?.has(IAM_SERVICE_PRINCIPAL) ?? false;
  if (!isManagement && !isIamDelegate) throw deny("because the caller is not in the management account or the IAM delegated administrator account");
  if (!state.trustedAccess.has(IAM_SERVICE_PRINCIPAL) || !state.features.rootSessions) {
    throw deny("because centralized root sessions (RootSessions) are not enabled for this organization");
  }
  const taskPolicy = parseTaskPolicyArn(policyArn);
  if (!taskPolicy) throw deny(`because ${policyArn} is not one of the ${TASK_POLICY_PREFIX}* task policies`);
  const account = target ? state.accounts.get(target) : undefined;
  if (!account) throw deny("because the target is not a member account of this organization");
  if (account.id === state.organization.managementAccountId && quirks.assumeRootManagementAccount === "deny") {
    throw deny("because the management account cannot be the target of AssumeRoot");
  }
  if (account.state !== "ACTIVE") throw deny(`because the target account is ${account.state}`);
  if (sim.isFailAccount(account.id)) throw deny("(injected failure for this account)");

  const session = sim.createSession(account.id, taskPolicy, duration, caller.arn);
  ctx.target.accountId = account.id;
  return queryResponse(
    ctx,
    "<Credentials>" +
      el("AccessKeyId", session.accessKeyId) +
      el("SecretAccessKey", session.secretAccessKey) +
      el("SessionToken", session.sessionToken) +
      el("Expiration", isoDate(session.expiresAt)) +
      "</Credentials>",
  );
}

// TargetPrincipal is a member account id or that account's root ARN.
function parseTargetPrincipal(value: string | null): string | null {
  if (!value) return null;
  if (/^\d{12}$/.test(value)) return value;
  const match = /^arn:aws:iam::(\d{12}):root$/.exec(value);
  return match ? match[1]! : null;
}

function validation(member: string, value: string, constraint: string): SimError {
  return new SimError("ValidationError", `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`, 400);
}
