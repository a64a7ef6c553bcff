// The simulator's in-memory model of one AWS Organization: OUs, accounts, root credentials, buckets and queues.

export type AccountState = "PENDING_ACTIVATION" | "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE" | "CLOSED";
export type AccountStatus = "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";

export type RootProfile =
  | "clean"
  | "password"
  | "password-virtual-mfa"
  | "password-hardware-mfa"
  | "password-mfa-access-keys"
  | "access-keys-only"
  | "signing-certificates"
  | "everything";

export type RootLoginProfile = { createDate: number; passwordResetRequired: boolean };

export type RootAccessKey = {
  accessKeyId: string;
  status: "Active" | "Inactive";
  createDate: number;
  lastUsed: { date: number; serviceName: string; region: string } | null;
};

export type RootSigningCertificate = {
  certificateId: string;
  status: "Active" | "Inactive";
  uploadDate: number;
  certificateBody: string;
};

export type RootMfaDevice = {
  serialNumber: string;
  kind: "virtual" | "hardware";
  enableDate: number;
  // A deactivated virtual device still exists until DeleteVirtualMFADevice; hardware ones vanish.
  assigned: boolean;
};

export type RootCredentials = {
  profile: RootProfile;
  loginProfile: RootLoginProfile | null;
  passwordLastUsed: number | null;
  accessKeys: RootAccessKey[];
  signingCertificates: RootSigningCertificate[];
  mfaDevices: RootMfaDevice[];
};

export type SimAccount = {
  id: string;
  arn: string;
  name: string;
  email: string;
  state: AccountState;
  joinedMethod: "CREATED" | "INVITED";
  joinedTimestamp: number; // epoch ms
  parentId: string;
  root: RootCredentials;
  bucketNames: string[];
  queueNames: string[];
};

export type SimOrgUnit = { id: string; arn: string; name: string; parentId: string; depth: number };

export type SimBucket = { name: string; accountId: string; region: string; creationDate: number; policy: string | null };

export type SimQueue = {
  name: string;
  accountId: string;
  region: string;
  createdTimestamp: number;
  lastModifiedTimestamp: number;
  attributes: Record<string, string>;
  policy: string | null;
};

export type SimIamUser = {
  accountId: string;
  userName: string;
  userId: string;
  arn: string;
  createDate: number;
  accessKeyId: string;
  secretAccessKey: string;
};

export type FeatureSet = "ALL" | "CONSOLIDATED_BILLING";

export type SimFeatures = {
  rootCredentialsManagement: boolean;
  rootSessions: boolean;
};

export type SimState = {
  seed: string;
  region: string;
  organization: { id: string; arn: string; featureSet: FeatureSet; managementAccountId: string; managementAccountArn: string; managementAccountEmail: string };
  root: { id: string; arn: string; name: string };
  ous: Map<string, SimOrgUnit>;
  children: Map<string, { ous: string[]; accounts: string[] }>;
  accounts: Map<string, SimAccount>;
  // ListAccounts order; never reordered so NextTokens stay valid across pages.
  accountIds: string[];
  buckets: Map<string, SimBucket>;
  queues: Map<string, SimQueue>;
  features: SimFeatures;
  trustedAccess: Map<string, number>;
  delegatedAdmins: Map<string, Map<string, number>>;
  principals: { management: SimIamUser; delegatedAdmin: SimIamUser | null };
  generatedAt: number;
};

export const IAM_SERVICE_PRINCIPAL = "iam.amazonaws.com";

export function queueKey(accountId: string, name: string): string {
  return `${accountId}/${name}`;
}

// "Clean" is the target state under central root management: nothing a root user could sign in with.
export function hasRootCredentials(account: SimAccount): boolean {
  const r = account.root;
  return r.loginProfile !== null || r.accessKeys.length > 0 || r.signingCertificates.length > 0 || r.mfaDevices.some((d) => d.assigned);
}

export function isDenyAllPolicy(policy: string | null): boolean {
  if (!policy) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return false;
  }
  const statements = asArray((doc as { Statement?: unknown })?.Statement);
  return statements.some((s) => {
    if (!s || typeof s !== "object") return false;
    const st = s as Record<string, unknown>;
    if (st.Effect !== "Deny" || st.Condition !== undefined || st.NotPrincipal !== undefined || st.NotAction !== undefined) return false;
    const principal = st.Principal;
    const everyone = principal === "*" || (typeof principal === "object" && principal !== null && asArray((principal as { AWS?: unknown }).AWS).includes("*"));
    const actions = asArray(st.Action);
    return everyone && actions.some((a) => a === "*" || a === "s3:*" || a === "sqs:*");
  });
}

export function isBucketLocked(bucket: SimBucket): boolean {
  return isDenyAllPolicy(bucket.policy);
}

export function isQueueLocked(queue: SimQueue): boolean {
  return isDenyAllPolicy(queue.policy);
}

export function findAccounts(state: SimState, predicate: (account: SimAccount) => boolean): SimAccount[] {
  const out: SimAccount[] = [];
  for (const id of state.accountIds) {
    const account = state.accounts.get(id)!;
    if (predicate(account)) out.push(account);
  }
  return out;
}

// Paths as Organizations renders them: o-xxx/r-xxx/ou-.../ (accounts end with their id).
// Cached per state: nothing moves accounts or OUs, and list calls render thousands of paths.
const pathCache = new WeakMap<SimState, Map<string, string>>();
export function pathOf(state: SimState, id: string): string {
  let cache = pathCache.get(state);
  if (!cache) {
    cache = new Map();
    pathCache.set(state, cache);
  }
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const path = computePath(state, id);
  cache.set(id, path);
  return path;
}

function computePath(state: SimState, id: string): string {
  const parts: string[] = [];
  let cursor: string | undefined = id;
  while (cursor && cursor !== state.root.id) {
    parts.unshift(cursor);
    cursor = state.ous.get(cursor)?.parentId ?? state.accounts.get(cursor)?.parentId;
  }
  return `${state.organization.id}/${state.root.id}/${parts.length ? parts.join("/") + "/" : ""}`;
}

export function serializeState(state: SimState): Record<string, unknown> {
  const ous = [...state.ous.values()].map((ou) => ({ ...ou, path: pathOf(state, ou.id) }));
  const accounts = state.accountIds.map((id) => serializeAccount(state, state.accounts.get(id)!));
  const buckets = [...state.buckets.values()].map((b) => ({ ...b, creationDate: iso(b.creationDate), locked: isBucketLocked(b) }));
  const queues = [...state.queues.values()].map((q) => ({
    name: q.name,
    accountId: q.accountId,
    region: q.region,
    policy: q.policy,
    locked: isQueueLocked(q),
  }));
  return {
    organization: state.organization,
    root: state.root,
    features: {
      trustedAccessForIam: state.trustedAccess.has(IAM_SERVICE_PRINCIPAL),
      rootCredentialsManagement: state.features.rootCredentialsManagement,
      rootSessions: state.features.rootSessions,
      trustedAccess: [...state.trustedAccess.keys()],
      delegatedAdministrators: [...state.delegatedAdmins.entries()].map(([accountId, services]) => ({ accountId, servicePrincipals: [...services.keys()] })),
    },
    managementAccountId: state.organization.managementAccountId,
    delegatedAdminAccountId: state.principals.delegatedAdmin?.accountId ?? null,
    counts: { accounts: state.accountIds.length, ous: state.ous.size, buckets: state.buckets.size, queues: state.queues.size },
    ous,
    accounts,
    buckets,
    queues,
  };
}

export function serializeAccount(state: SimState, a: SimAccount): Record<string, unknown> {
  return {
    id: a.id,
    arn: a.arn,
    name: a.name,
    email: a.email,
    state: a.state,
    joinedMethod: a.joinedMethod,
    joinedTimestamp: iso(a.joinedTimestamp),
    parentId: a.parentId,
    path: pathOf(state, a.id),
    isManagement: a.id === state.organization.managementAccountId,
    isDelegatedAdmin: state.principals.delegatedAdmin?.accountId === a.id,
    rootCredentialsPresent: hasRootCredentials(a),
    root: {
      profile: a.root.profile,
      loginProfile: a.root.loginProfile ? { createDate: iso(a.root.loginProfile.createDate), passwordResetRequired: a.root.loginProfile.passwordResetRequired } : null,
      passwordLastUsed: a.root.passwordLastUsed === null ? null : iso(a.root.passwordLastUsed),
      accessKeys: a.root.accessKeys.map((k) => ({ ...k, createDate: iso(k.createDate), lastUsed: k.lastUsed ? { ...k.lastUsed, date: iso(k.lastUsed.date) } : null })),
      signingCertificates: a.root.signingCertificates.map((c) => ({ certificateId: c.certificateId, status: c.status, uploadDate: iso(c.uploadDate) })),
      mfaDevices: a.root.mfaDevices.map((d) => ({ ...d, enableDate: iso(d.enableDate) })),
    },
    buckets: a.bucketNames,
    queues: a.queueNames,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
