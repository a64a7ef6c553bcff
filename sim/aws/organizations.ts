// Organizations over awsJson1_1: the read calls that draw the OU tree, plus trusted access and delegated administrators.
import { decodeToken, encodeToken, jsonResponse, requireAction, type OpContext } from "./context";
import { SimError, unknownOperationError, type SimResponse } from "./errors";
import { pathOf, type SimAccount, type SimOrgUnit } from "./state";

const JSON_11 = "application/x-amz-json-1.1";
const READ_OPERATIONS = new Set([
  "DescribeOrganization", "ListRoots", "ListOrganizationalUnitsForParent", "ListAccountsForParent", "ListAccounts", "ListChildren",
  "ListParents", "DescribeAccount", "DescribeOrganizationalUnit", "ListAWSServiceAccessForOrganization", "ListDelegatedAdministrators",
]);
const WRITE_OPERATIONS = new Set(["EnableAWSServiceAccess", "DisableAWSServiceAccess", "RegisterDelegatedAdministrator", "DeregisterDelegatedAdministrator"]);
const PAGE_LIMIT = 20;

type Input = Record<string, unknown>;

export function handleOrganizations(ctx: OpContext, input: Input): SimResponse {
  const op = ctx.operation;
  if (!READ_OPERATIONS.has(op) && !WRITE_OPERATIONS.has(op)) throw unknownOperationError("organizations", op);
  const { state } = ctx.sim;
  ctx.target.accountId = ctx.caller.accountId;
  requireAction(ctx, `organizations:${op}`, state.organization.arn);
  const isManagement = ctx.caller.accountId === state.organization.managementAccountId;
  // Any delegated administrator (for any service) may use the read-only calls; only the management account may change things.
  const isDelegate = state.delegatedAdmins.has(ctx.caller.accountId);
  if (!isManagement && (WRITE_OPERATIONS.has(op) || (!isDelegate && op !== "DescribeOrganization"))) {
    throw new SimError("AccessDeniedException", "You don't have permissions to access this resource.", 400);
  }
  const respond = (body: unknown): SimResponse => jsonResponse(ctx, body, JSON_11);
  switch (op) {
    case "DescribeOrganization":
      return respond({
        Organization: {
          Id: state.organization.id,
          Arn: state.organization.arn,
          FeatureSet: state.organization.featureSet,
          MasterAccountArn: state.organization.managementAccountArn,
          MasterAccountId: state.organization.managementAccountId,
          MasterAccountEmail: state.organization.managementAccountEmail,
          AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
        },
      });
    case "ListRoots":
      return respond({ Roots: [{ Id: state.root.id, Arn: state.root.arn, Name: state.root.name, PolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }] }] });
    case "ListOrganizationalUnitsForParent": {
      const children = childrenOf(ctx, input.ParentId);
      const page = paginate(ctx, input, `${op}:${String(input.ParentId)}`, children.ous);
      return respond({ OrganizationalUnits: page.items.map((id) => renderOu(ctx, state.ous.get(id)!)), ...page.next });
    }
    case "ListAccountsForParent": {
      const children = childrenOf(ctx, input.ParentId);
      const page = paginate(ctx, input, `${op}:${String(input.ParentId)}`, children.accounts);
      return respond({ Accounts: page.items.map((id) => renderAccount(ctx, state.accounts.get(id)!)), ...page.next });
    }
    case "ListAccounts": {
      const page = paginate(ctx, input, op, state.accountIds);
      return respond({ Accounts: page.items.map((id) => renderAccount(ctx, state.accounts.get(id)!)), ...page.next });
    }
    case "ListChildren": {
      const children = childrenOf(ctx, input.ParentId);
      const type = input.ChildType;
      if (type !== "ACCOUNT" && type !== "ORGANIZATIONAL_UNIT") throw invalidInput("INVALID_ENUM", "You specified an invalid value for ChildType.");
      const ids = type === "ACCOUNT" ? children.accounts : children.ous;
      const page = paginate(ctx, input, `${op}:${String(input.ParentId)}:${type}`, ids);
      return respond({ Children: page.items.map((id) => ({ Id: id, Type: type })), ...page.next });
    }
    case "ListParents": {
      const childId = String(input.ChildId ?? "");
      const parentId = state.accounts.get(childId)?.parentId ?? state.ous.get(childId)?.parentId;
      if (!parentId) throw new SimError("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.", 400);
      const page = paginate(ctx, input, `${op}:${childId}`, [parentId]);
      return respond({ Parents: page.items.map((id) => ({ Id: id, Type: id === state.root.id ? "ROOT" : "ORGANIZATIONAL_UNIT" })), ...page.next });
    }
    case "DescribeAccount": {
      const account = state.accounts.get(String(input.AccountId ?? ""));
      if (!account) throw new SimError("AccountNotFoundException", "You specified an account that doesn't exist.", 400);
      return respond({ Account: renderAccount(ctx, account) });
    }
    case "DescribeOrganizationalUnit": {
      const ou = state.ous.get(String(input.OrganizationalUnitId ?? ""));
      if (!ou) throw new SimError("OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.", 400);
      return respond({ OrganizationalUnit: renderOu(ctx, ou) });
    }
    case "ListAWSServiceAccessForOrganization": {
      const entries = [...state.trustedAccess.entries()];
      const page = paginate(ctx, input, op, entries);
      return respond({ EnabledServicePrincipals: page.items.map(([principal, date]) => ({ ServicePrincipal: principal, DateEnabled: date / 1000 })), ...page.next });
    }
    case "EnableAWSServiceAccess": {
      const principal = requirePrincipal(input.ServicePrincipal);
      requireAllFeatures(ctx);
      if (!state.trustedAccess.has(principal)) state.trustedAccess.set(principal, ctx.now);
      return respond({});
    }
    case "DisableAWSServiceAccess": {
      // Idempotent. IAM's features and delegated administrator stay recorded but are unusable until trusted access returns (?).
      state.trustedAccess.delete(requirePrincipal(input.ServicePrincipal));
      return respond({});
    }
    case "ListDelegatedAdministrators": {
      const filter = input.ServicePrincipal === undefined ? null : requirePrincipal(input.ServicePrincipal);
      const rows: { account: SimAccount; since: number }[] = [];
      for (const [accountId, services] of state.delegatedAdmins) {
        const dates = filter ? (services.has(filter) ? [services.get(filter)!] : []) : [...services.values()];
        if (dates.length) rows.push({ account: state.accounts.get(accountId)!, since: Math.min(...dates) });
      }
      const page = paginate(ctx, input, `${op}:${filter ?? "*"}`, rows);
      return respond({
        DelegatedAdministrators: page.items.map(({ account, since }) => ({ ...renderAccount(ctx, account), DelegationEnabledDate: since / 1000 })),
        ...page.next,
      });
    }
    case "RegisterDelegatedAdministrator": {
      const principal = requirePrincipal(input.ServicePrincipal);
      const accountId = String(input.AccountId ?? "");
      const account = state.accounts.get(accountId);
      if (!account) throw new SimError("AccountNotFoundException", "You specified an account that doesn't exist.", 400);
      if (accountId === state.organization.managementAccountId) {
        throw new SimError("ConstraintViolationException", "You cannot register the management account as a delegated administrator.", 400, { fields: { Reason: "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR" } });
      }
      requireAllFeatures(ctx);
      if (account.state !== "ACTIVE") {
        throw new SimError("ConstraintViolationException", "You cannot register a suspended account as a delegated administrator.", 400, { fields: { Reason: "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR" } });
      }
      const services = state.delegatedAdmins.get(accountId) ?? new Map<string, number>();
      if (services.has(principal)) throw new SimError("AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.", 400);
      services.set(principal, ctx.now);
      state.delegatedAdmins.set(accountId, services);
      return respond({});
    }
    case "DeregisterDelegatedAdministrator": {
      const principal = requirePrincipal(input.ServicePrincipal);
      const accountId = String(input.AccountId ?? "");
      if (!state.accounts.has(accountId)) throw new SimError("AccountNotFoundException", "You specified an account that doesn't exist.", 400);
      const services = state.delegatedAdmins.get(accountId);
      if (!services?.has(principal)) throw new SimError("AccountNotRegisteredException", "The provided account is not a registered delegated administrator for your organization.", 400);
      services.delete(principal);
      if (services.size === 0) state.delegatedAdmins.delete(accountId);
      return respond({});
    }
    default:
      throw unknownOperationError("organizations", op);
  }
}

function childrenOf(ctx: OpContext, parentId: unknown): { ous: string[]; accounts: string[] } {
  const children = typeof parentId === "string" ? ctx.sim.state.children.get(parentId) : undefined;
  if (!children) throw new SimError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.", 400);
  return children;
}

// MaxResults is 1..20; NextToken is opaque and bound to the list it came from. A page may be empty and still carry a NextToken.
function paginate<T>(ctx: OpContext, input: Input, scope: string, all: readonly T[]): { items: T[]; next: { NextToken?: string } } {
  const { quirks } = ctx.sim;
  let max = PAGE_LIMIT;
  if (input.MaxResults !== undefined) {
    const requested = Number(input.MaxResults);
    if (!Number.isInteger(requested) || requested < 1) throw invalidInput("MIN_VALUE_EXCEEDED", "You provided a value that is less than the minimum allowed for MaxResults.");
    if (requested > PAGE_LIMIT && quirks.orgsMaxResultsOver20 === "error") {
      throw invalidInput("MAX_VALUE_EXCEEDED", `You provided a value that exceeds the maximum allowed for MaxResults (${PAGE_LIMIT}).`);
    }
    max = Math.min(requested, PAGE_LIMIT);
  }
  let offset = 0;
  let page = 0;
  if (typeof input.NextToken === "string" && input.NextToken !== "") {
    const decoded = decodeToken(input.NextToken, scope);
    if (!decoded) throw invalidInput("INVALID_PAGINATION_TOKEN", "You specified an invalid value for NextToken.");
    offset = decoded.offset;
    page = decoded.page;
  }
  if (quirks.orgsEmptyPageEvery > 0 && (page + 1) % quirks.orgsEmptyPageEvery === 0 && offset < all.length) {
    return { items: [], next: { NextToken: encodeToken(scope, offset, page + 1) } };
  }
  const items = all.slice(offset, offset + max);
  const end = offset + items.length;
  return { items, next: end < all.length ? { NextToken: encodeToken(scope, end, page + 1) } : {} };
}

function renderAccount(ctx: OpContext, account: SimAccount): Record<string, unknown> {
  const status = account.state === "ACTIVE" || account.state === "SUSPENDED" || account.state === "PENDING_CLOSURE" ? account.state : "SUSPENDED";
  return {
    Id: account.id,
    Arn: account.arn,
    Email: account.email,
    Name: account.name,
    Status: status,
    State: account.state,
    JoinedMethod: account.joinedMethod,
    JoinedTimestamp: account.joinedTimestamp / 1000,
    ...(ctx.sim.quirks.orgsPaths ? { Paths: [pathOf(ctx.sim.state, account.id)] } : {}),
  };
}

function renderOu(ctx: OpContext, ou: SimOrgUnit): Record<string, unknown> {
  return { Id: ou.id, Arn: ou.arn, Name: ou.name, ...(ctx.sim.quirks.orgsPaths ? { Path: pathOf(ctx.sim.state, ou.id) } : {}) };
}

function requirePrincipal(value: unknown): string {
  if (typeof value !== "string" || !/^[\w+=,.@-]+$/.test(value)) throw invalidInput("INVALID_SERVICE_PRINCIPAL", "You specified an invalid service principal.");
  return value;
}

// Trusted access and delegated administrators exist only in All features mode.
function requireAllFeatures(ctx: OpContext): void {
  if (ctx.sim.state.organization.featureSet === "ALL") return;
  throw new SimError("ConstraintViolationException", "The operation requires an organization with all features enabled.", 400, { fields: { Reason: "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE" } });
}

function invalidInput(reason: string, message: string): SimError {
  return new SimError("InvalidInputException", message, 400, { fields: { Reason: reason } });
}
