// IAM over the query protocol: the organization root-access features and the root user's credential calls.
import { decodeToken, denied, el, encodeToken, isoDate, members, queryResponse, requireAction, type OpContext } from "./context";
import { SimError, unknownOperationError, type SimResponse } from "./errors";
import type { Caller } from "./runtime";
import { IAM_SERVICE_PRINCIPAL, type SimAccount } from "./state";

const IAM_OPERATIONS = new Set([
  "ListOrganizationsFeatures", "EnableOrganizationsRootCredentialsManagement", "DisableOrganizationsRootCredentialsManagement",
  "EnableOrganizationsRootSessions", "DisableOrganizationsRootSessions",
  "GetAccountSummary", "GetUser", "GetLoginProfile", "CreateLoginProfile", "DeleteLoginProfile",
  "ListAccessKeys", "GetAccessKeyLastUsed", "DeleteAccessKey", "ListSigningCertificates", "DeleteSigningCertificate",
  "ListMFADevices", "DeactivateMFADevice", "DeleteVirtualMFADevice",
]);

export function handleIam(ctx: OpContext, params: URLSearchParams): SimResponse {
  const op = ctx.operation;
  if (!IAM_OPERATIONS.has(op)) throw unknownOperationError("iam", op);
  ctx.target.accountId = ctx.caller.accountId;
  requireAction(ctx, `iam:${op}`, `arn:aws:iam::${ctx.caller.accountId}:root`);
  switch (op) {
    case "ListOrganizationsFeatures":
      return organizationsFeatures(ctx, null);
    case "EnableOrganizationsRootCredentialsManagement":
      return organizationsFeatures(ctx, { rootCredentialsManagement: true });
    case "DisableOrganizationsRootCredentialsManagement":
      return organizationsFeatures(ctx, { rootCredentialsManagement: false });
    case "EnableOrganizationsRootSessions":
      return organizationsFeatures(ctx, { rootSessions: true });
    case "DisableOrganizationsRootSessions":
      return organizationsFeatures(ctx, { rootSessions: false });
  }
  const subject = resolveSubject(ctx, params.get("UserName"));
  if (subject.kind === "user") return handleIamUser(ctx, params, subject.caller);
  return handleRootUser(ctx, params, subject.account);
}

type Subject = { kind: "root"; account: SimAccount } | { kind: "user"; caller: Extract<Caller, { kind: "iam-user" }> };

// With AssumeRoot credentials the user name must be omitted: the root user is implied. IAM users act on themselves.
function resolveSubject(ctx: OpContext, userName: string | null): Subject {
  const { caller, sim } = ctx;
  if (caller.kind === "root-session") {
    if (userName) throw denied(ctx, `iam:${ctx.operation}`, `arn:aws:iam::${caller.accountId}:user/${userName}`, "with an explicit deny in an identity-based policy");
    return { kind: "root", account: sim.state.accounts.get(caller.accountId)! };
  }
  if (userName && userName !== caller.userName) {
    if (ctx.operation === "GetAccountSummary") return { kind: "user", caller };
    throw new SimError("NoSuchEntity", `The user with name ${userName} cannot be found.`, 404);
  }
  return { kind: "user", caller };
}

// Check order (?): who is calling, then the org's feature set, then who may change, then trusted access.
function organizationsFeatures(ctx: OpContext, change: { rootCredentialsManagement?: boolean; rootSessions?: boolean } | null): SimResponse {
  const { state, quirks } = ctx.sim;
  const { caller } = ctx;
  const isManagement = caller.accountId === state.organization.managementAccountId;
  const isDelegate = state.delegatedAdmins.get(caller.accountId)?.has(IAM_SERVICE_PRINCIPAL) ?? false;
  if (!isManagement && !isDelegate) {
    throw new SimError("AccountNotManagementOrDelegatedAdministratorException", "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.", 400);
  }
  if (state.organization.featureSet !== "ALL") {
    throw new SimError("OrganizationNotInAllFeaturesModeException", "The request was rejected because your organization does not have All features enabled.", 400);
  }
  const enabling = change !== null && Object.values(change).some((v) => v === true);
  const allowedFrom = enabling ? quirks.enableFeaturesFrom : quirks.disableFeaturesFrom;
  if (change && !isManagement && allowedFrom === "management") {
    throw new SimError("CallerIsNotManagementAccountException", "The request was rejected because the account making the request is not the management account for the organization.", 400);
  }
  if (!state.trustedAccess.has(IAM_SERVICE_PRINCIPAL)) {
    throw new SimError("ServiceAccessNotEnabledException", "The request was rejected because trusted access is not enabled for IAM in AWS Organizations.", 400);
  }
  if (change) Object.assign(state.features, change);
  const enabled: string[] = [];
  if (state.features.rootCredentialsManagement) enabled.push("RootCredentialsManagement");
  if (state.features.rootSessions) enabled.push("RootSessions");
  return queryResponse(ctx, el("OrganizationId", state.organization.id) + members("EnabledFeatures", enabled, (f) => f));
}

function handleRootUser(ctx: OpContext, params: URLSearchParams, account: SimAccount): SimResponse {
  const root = account.root;
  const { quirks } = ctx.sim;
  switch (ctx.operation) {
    case "GetAccountSummary":
      return queryResponse(ctx, summaryMap(account));
    case "GetUser":
      // The root user has no UserName or Path; AWS returns its account id as UserId.
      return queryResponse(
        ctx,
        "<User>" + el("UserId", account.id) + el("Arn", `arn:aws:iam::${account.id}:root`) + el("CreateDate", isoDate(account.joinedTimestamp)) +
          (root.passwordLastUsed !== null && root.loginProfile ? el("PasswordLastUsed", isoDate(root.passwordLastUsed)) : "") + "</User>",
      );
    case "GetLoginProfile":
      if (!root.loginProfile) throw new SimError("NoSuchEntity", `Login Profile for User ${rootUserName(ctx, account) ?? "root"} cannot be found.`, 404);
      return queryResponse(ctx, loginProfileXml(ctx, account));
    case "CreateLoginProfile": {
      if (params.get("Password")) {
        throw new SimError("ValidationError", "The root user's password cannot be set with AssumeRoot credentials: omit Password and reset it through the root user's email.", 400);
      }
      if (root.loginProfile && quirks.createLoginProfileWhenPresent === "EntityAlreadyExists") {
        throw new SimError("EntityAlreadyExists", `Login Profile for user ${rootUserName(ctx, account) ?? "root"} already exists.`, 409);
      }
      root.loginProfile ??= { createDate: ctx.now, passwordResetRequired: params.get("PasswordResetRequired") === "true" };
      return queryResponse(ctx, loginProfileXml(ctx, account));
    }
    case "DeleteLoginProfile":
      if (!root.loginProfile) throw new SimError("NoSuchEntity", `Login Profile for User ${rootUserName(ctx, account) ?? "root"} cannot be found.`, 404);
      root.loginProfile = null;
      return queryResponse(ctx, null);
    case "ListAccessKeys": {
      const page = paginate(ctx, params, root.accessKeys);
      return queryResponse(
        ctx,
        members("AccessKeyMetadata", page.items, (k) => el("AccessKeyId", k.accessKeyId) + el("Status", k.status) + el("CreateDate", isoDate(k.createDate))) + page.xml,
      );
    }
    case "GetAccessKeyLastUsed": {
      const id = params.get("AccessKeyId") ?? "";
      const key = root.accessKeys.find((k) => k.accessKeyId === id);
      if (!key) throw denied(ctx, "iam:GetAccessKeyLastUsed", `access key ${id}`);
      const used = key.lastUsed;
      return queryResponse(
        ctx,
        "<AccessKeyLastUsed>" + (used ? el("LastUsedDate", isoDate(used.date)) : "") + el("ServiceName", used?.serviceName ?? "N/A") + el("Region", used?.region ?? "N/A") + "</AccessKeyLastUsed>",
      );
    }
    case "DeleteAccessKey": {
      const id = params.get("AccessKeyId") ?? "";
      const index = root.accessKeys.findIndex((k) => k.accessKeyId === id);
      if (index < 0) throw new SimError("NoSuchEntity", `The Access Key with id ${id} cannot be found.`, 404);
      root.accessKeys.splice(index, 1);
      return queryResponse(ctx, null);
    }
    case "ListSigningCertificates": {
      const page = paginate(ctx, params, root.signingCertificates);
      return queryResponse(
        ctx,
        members("Certificates", page.items, (c) => el("CertificateId", c.certificateId) + el("CertificateBody", c.certificateBody) + el("Status", c.status) + el("UploadDate", isoDate(c.uploadDate))) +
          page.xml,
      );
    }
    case "DeleteSigningCertificate": {
      const id = params.get("CertificateId") ?? "";
      const index = root.signingCertificates.findIndex((c) => c.certificateId === id);
      if (index < 0) throw new SimError("NoSuchEntity", `The Certificate with id ${id} cannot be found.`, 404);
      root.signingCertificates.splice(index, 1);
      return queryResponse(ctx, null);
    }
    case "ListMFADevices": {
      const page = paginate(ctx, params, root.mfaDevices.filter((d) => d.assigned));
      return queryResponse(ctx, members("MFADevices", page.items, (d) => el("SerialNumber", d.serialNumber) + el("EnableDate", isoDate(d.enableDate))) + page.xml);
    }
    case "DeactivateMFADevice": {
      const serial = params.get("SerialNumber") ?? "";
      const index = root.mfaDevices.findIndex((d) => d.serialNumber === serial && d.assigned);
      if (index < 0) throw new SimError("NoSuchEntity", `MFA Device with serial number ${serial} does not exist.`, 404);
      const device = root.mfaDevices[index]!;
      // A virtual device survives deactivation (it can be deleted next); a hardware one is simply detached.
      if (device.kind === "virtual") device.assigned = false;
      else root.mfaDevices.splice(index, 1);
      return queryResponse(ctx, null);
    }
    case "DeleteVirtualMFADevice": {
      const serial = params.get("SerialNumber") ?? "";
      const index = root.mfaDevices.findIndex((d) => d.serialNumber === serial && d.kind === "virtual");
      if (index < 0) throw new SimError("NoSuchEntity", `VirtualMFADevice with serial number ${serial} doesn't exist.`, 404);
      if (root.mfaDevices[index]!.assigned) throw new SimError("DeleteConflict", "MFA device is still in use.", 409);
      root.mfaDevices.splice(index, 1);
      return queryResponse(ctx, null);
    }
    default:
      throw unknownOperationError("iam", ctx.operation);
  }
}

// Management or delegated-admin credentials are an IAM user: these calls see that user and its own account, never a member's root.
function handleIamUser(ctx: OpContext, params: URLSearchParams, caller: Extract<Caller, { kind: "iam-user" }>): SimResponse {
  const { state } = ctx.sim;
  const user = state.principals.management.accessKeyId === caller.accessKeyId ? state.principals.management : state.principals.delegatedAdmin!;
  switch (ctx.operation) {
    case "GetAccountSummary":
      return queryResponse(ctx, summaryMap(state.accounts.get(caller.accountId)!));
    case "GetUser":
      return queryResponse(ctx, "<User>" + el("Path", "/") + el("UserName", user.userName) + el("UserId", user.userId) + el("Arn", user.arn) + el("CreateDate", isoDate(user.createDate)) + "</User>");
    case "GetLoginProfile":
    case "DeleteLoginProfile":
      throw new SimError("NoSuchEntity", `Login Profile for User ${user.userName} cannot be found.`, 404);
    case "CreateLoginProfile":
      throw new SimError("ValidationError", "A Password is required to create a login profile for an IAM user.", 400);
    case "ListAccessKeys": {
      const page = paginate(ctx, params, [user]);
      return queryResponse(
        ctx,
        members("AccessKeyMetadata", page.items, (u) => el("UserName", u.userName) + el("AccessKeyId", u.accessKeyId) + el("Status", "Active") + el("CreateDate", isoDate(u.createDate))) + page.xml,
      );
    }
    case "GetAccessKeyLastUsed": {
      const id = params.get("AccessKeyId") ?? "";
      if (id !== user.accessKeyId) throw denied(ctx, "iam:GetAccessKeyLastUsed", `access key ${id}`);
      return queryResponse(ctx, el("UserName", user.userName) + "<AccessKeyLastUsed>" + el("LastUsedDate", isoDate(ctx.now)) + el("ServiceName", "iam") + el("Region", ctx.sim.state.region) + "</AccessKeyLastUsed>");
    }
    case "DeleteAccessKey": {
      const id = params.get("AccessKeyId") ?? "";
      if (id === user.accessKeyId) throw new SimError("AccessDenied", "The simulator does not delete the credentials it was started with.", 403);
      throw new SimError("NoSuchEntity", `The Access Key with id ${id} cannot be found.`, 404);
    }
    case "ListSigningCertificates":
      return queryResponse(ctx, members("Certificates", [], () => "") + el("IsTruncated", false));
    case "ListMFADevices":
      return queryResponse(ctx, members("MFADevices", [], () => "") + el("IsTruncated", false));
    case "DeleteSigningCertificate":
      throw new SimError("NoSuchEntity", `The Certificate with id ${params.get("CertificateId") ?? ""} cannot be found.`, 404);
    case "DeactivateMFADevice":
      throw new SimError("NoSuchEntity", `MFA Device with serial number ${params.get("SerialNumber") ?? ""} does not exist.`, 404);
    case "DeleteVirtualMFADevice":
      throw new SimError("NoSuchEntity", `VirtualMFADevice with serial number ${params.get("SerialNumber") ?? ""} doesn't exist.`, 404);
    default:
      throw unknownOperationError("iam", ctx.operation);
  }
}

function loginProfileXml(ctx: OpContext, account: SimAccount): string {
  const profile = account.root.loginProfile!;
  return "<LoginProfile>" + el("UserName", rootUserName(ctx, account)) + el("CreateDate", isoDate(profile.createDate)) + el("PasswordResetRequired", profile.passwordResetRequired) + "</LoginProfile>";
}

function rootUserName(ctx: OpContext, account: SimAccount): string | null {
  const mode = ctx.sim.quirks.rootLoginProfileUserName;
  return mode === "omit" ? null : mode === "root" ? "root" : account.id;
}

// IAM pagination: MaxItems 1..1000 (default 100), opaque Marker, IsTruncated.
function paginate<T>(ctx: OpContext, params: URLSearchParams, all: readonly T[]): { items: T[]; xml: string } {
  const rawMax = params.get("MaxItems");
  const max = rawMax === null ? 100 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new SimError("ValidationError", `1 validation error detected: Value '${rawMax}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`, 400);
  }
  const scope = `iam:${ctx.operation}:${ctx.caller.accountId}`;
  const marker = params.get("Marker");
  let offset = 0;
  if (marker) {
    const decoded = decodeToken(marker, scope);
    if (!decoded) throw new SimError("InvalidInput", "Invalid Marker.", 400);
    offset = decoded.offset;
  }
  const items = all.slice(offset, offset + max);
  const truncated = offset + max < all.length;
  return { items, xml: el("IsTruncated", truncated) + (truncated ? el("Marker", encodeToken(scope, offset + max)) : "") };
}

function summaryMap(account: SimAccount): string {
  const r = account.root;
  // Stable per-account IAM object counts derived from the id, so summaries look lived-in but stay deterministic.
  const n = Number(account.id.slice(-4));
  const entries: [string, number][] = [
    ["Users", n % 23], ["UsersQuota", 5000], ["Groups", n % 7], ["GroupsQuota", 300], ["ServerCertificates", 0], ["ServerCertificatesQuota", 20],
    ["UserPolicySizeQuota", 2048], ["GroupPolicySizeQuota", 5120], ["GroupsPerUserQuota", 10], ["SigningCertificatesPerUserQuota", 2],
    ["AccessKeysPerUserQuota", 2], ["MFADevices", r.mfaDevices.length], ["MFADevicesInUse", r.mfaDevices.filter((d) => d.assigned).length],
    ["AccountMFAEnabled", r.mfaDevices.some((d) => d.assigned) ? 1 : 0], ["AccountAccessKeysPresent", r.accessKeys.length > 0 ? 1 : 0],
    ["AccountPasswordPresent", r.loginProfile ? 1 : 0], ["AccountSigningCertificatesPresent", r.signingCertificates.length > 0 ? 1 : 0],
    ["Policies", n % 41], ["PoliciesQuota", 1500], ["PolicySizeQuota", 6144], ["PolicyVersionsInUse", 12 + (n % 60)], ["PolicyVersionsInUseQuota", 10000],
    ["VersionsPerPolicyQuota", 5], ["Roles", 8 + (n % 57)], ["RolesQuota", 1000], ["RolePolicySizeQuota", 10240], ["InstanceProfiles", n % 5],
    ["InstanceProfilesQuota", 1000], ["Providers", n % 3], ["AttachedPoliciesPerUserQuota", 10], ["AttachedPoliciesPerGroupQuota", 10],
    ["AttachedPoliciesPerRoleQuota", 10], ["GlobalEndpointTokenVersion", 1],
  ];
  return "<SummaryMap>" + entries.map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`).join("") + "</SummaryMap>";
}
