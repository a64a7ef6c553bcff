// Deterministic organization generator: same --accounts and --seed, same org, down to every key id and bucket name.
import { createRng, LOWER_ALNUM, SECRET_CHARS, UPPER_ALNUM, UPPER_BASE32, type Rng } from "./random";
import {
  IAM_SERVICE_PRINCIPAL,
  queueKey,
  type AccountState,
  type FeatureSet,
  type RootCredentials,
  type RootProfile,
  type SimAccount,
  type SimBucket,
  type SimIamUser,
  type SimQueue,
  type SimState,
} from "./state";

export type GenerateOptions = {
  accounts: number;
  seed: string | number;
  region: string;
  featuresEnabled: boolean;
  delegatedAdmin: boolean;
  // CONSOLIDATED_BILLING: no trusted access, no delegated administrators, both IAM features off.
  featureSet?: FeatureSet;
};

export const MAX_ACCOUNTS = 50_000;

// A fixed reference time keeps dates reproducible: the org looks "as of" this moment.
const REFERENCE_TIME = Date.UTC(2025, 9, 1);
const DAY = 86_400_000;

const PROFILE_WEIGHTS: Record<RootProfile, number> = {
  clean: 46,
  password: 10,
  "password-virtual-mfa": 18,
  "password-hardware-mfa": 8,
  "password-mfa-access-keys": 6,
  "access-keys-only": 5,
  "signing-certificates": 3,
  everything: 4,
};
const ALL_PROFILES = Object.keys(PROFILE_WEIGHTS) as RootProfile[];

const TEAMS = [
  "Payments", "Identity", "Checkout", "Search", "Analytics", "Data-Platform", "Mobile", "Web", "Billing", "Logistics",
  "Marketing", "Support", "ML-Platform", "Notifications", "Catalog", "Pricing", "Fraud", "Partners", "Media", "Messaging",
  "Reporting", "Onboarding", "Ledger", "Inventory", "Recommendations", "Growth", "Compliance", "Integrations", "Edge", "Streaming",
];
const FIRST_NAMES = ["alex", "sam", "maria", "li", "noah", "fatima", "jonas", "priya", "omar", "eva", "ken", "sofia", "yusuf", "ines", "tom", "mei"];
const LAST_NAMES = ["kim", "garcia", "mueller", "chen", "okafor", "rossi", "novak", "singh", "haddad", "berg", "tanaka", "silva", "ivanova", "murphy"];
const BUCKET_KINDS = ["logs", "artifacts", "data", "backups", "static-site", "tf-state", "exports", "uploads"];
const QUEUE_KINDS = ["order-events", "notifications", "ingest-jobs", "dead-letter", "audit-events", "email-outbox", "webhooks"];
const KEY_SERVICES = ["s3", "ec2", "iam", "sts", "cloudformation", "route53"];
const KEY_REGIONS = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"];
const HARDWARE_PREFIXES = ["GAHT", "GALT", "GAKT"];

type Placement = { parentId: string; name: string; state?: AccountState; profile?: RootProfile };

export function generateState(opts: GenerateOptions): SimState {
  if (!Number.isInteger(opts.accounts) || opts.accounts < 1 || opts.accounts > MAX_ACCOUNTS) {
    throw new Error(`accounts must be an integer from 1 to ${MAX_ACCOUNTS}, got ${opts.accounts}`);
  }
  const seed = String(opts.seed);
  const rng = createRng(`org:${seed}`);
  const usedAccountIds = new Set<string>();
  const newAccountId = (): string => {
    for (;;) {
      const id = String(rng.int(100_000_000_000, 999_999_999_999));
      if (!usedAccountIds.has(id)) {
        usedAccountIds.add(id);
        return id;
      }
    }
  };

  const managementAccountId = newAccountId();
  const orgId = `o-${rng.chars(LOWER_ALNUM, 10)}`;
  const rootSuffix = rng.chars(LOWER_ALNUM, 4);
  const rootId = `r-${rootSuffix}`;
  const domain = `${rng.pick(["acme", "globex", "initech", "umbrella", "stark", "wayne"])}-corp.example`;

  const state: SimState = {
    seed,
    region: opts.region,
    organization: {
      id: orgId,
      arn: `arn:aws:organizations::${managementAccountId}:organization/${orgId}`,
      featureSet: opts.featureSet ?? "ALL",
      managementAccountId,
      managementAccountArn: `arn:aws:organizations::${managementAccountId}:account/${orgId}/${managementAccountId}`,
      managementAccountEmail: `aws-management@${domain}`,
    },
    root: { id: rootId, arn: `arn:aws:organizations::${managementAccountId}:root/${orgId}/${rootId}`, name: "Root" },
    ous: new Map(),
    children: new Map([[rootId, { ous: [], accounts: [] }]]),
    accounts: new Map(),
    accountIds: [],
    buckets: new Map(),
    queues: new Map(),
    features: { rootCredentialsManagement: opts.featuresEnabled, rootSessions: opts.featuresEnabled },
    trustedAccess: new Map(),
    delegatedAdmins: new Map(),
    principals: { management: undefined as unknown as SimIamUser, delegatedAdmin: null },
    generatedAt: REFERENCE_TIME,
  };

  const addOu = (parentId: string, name: string): string => {
    const id = `ou-${rootSuffix}-${rng.chars(LOWER_ALNUM, 8)}`;
    const parentDepth = parentId === rootId ? 0 : state.ous.get(parentId)!.depth;
    state.ous.set(id, { id, arn: `arn:aws:organizations::${managementAccountId}:ou/${orgId}/${id}`, name, parentId, depth: parentDepth + 1 });
    state.children.set(id, { ous: [], accounts: [] });
    state.children.get(parentId)!.ous.push(id);
    return id;
  };

  const n = opts.accounts;
  const security = n >= 2 ? addOu(rootId, "Security") : null;
  const infrastructure = n >= 10 ? addOu(rootId, "Infrastructure") : null;
  const workloads = n >= 5 ? addOu(rootId, "Workloads") : null;
  const sandbox = n >= 8 ? addOu(rootId, "Sandbox") : null;
  const policyStaging = n >= 50 ? addOu(rootId, "Policy-Staging") : null;
  const suspendedOu = n >= 6 ? addOu(rootId, "Suspended") : null;

  // Workload OUs: Workloads/<env>/<team>[/<region>[/PCI]] — five levels at the deepest.
  const workloadParents: { id: string; env: string; team: string }[] = [];
  if (workloads) {
    const teamCount = Math.max(2, Math.min(TEAMS.length * 2, Math.round(n / 150)));
    for (const env of ["Prod", "Staging", "Dev"]) {
      const envId = addOu(workloads, env);
      workloadParents.push({ id: envId, env, team: "shared" });
      for (let t = 0; t < teamCount; t++) {
        const team = t < TEAMS.length ? TEAMS[t]! : `${TEAMS[t % TEAMS.length]}-${Math.floor(t / TEAMS.length) + 1}`;
        const teamId = addOu(envId, team);
        workloadParents.push({ id: teamId, env, team });
        if (env === "Prod" && t < 3 && n >= 40) {
          for (const region of ["EU", "US"]) {
            const regionId = addOu(teamId, region);
            workloadParents.push({ id: regionId, env, team: `${team}-${region}` });
            if (t === 0 && region === "EU") {
              workloadParents.push({ id: addOu(regionId, "PCI"), env, team: `${team}-pci` });
            }
          }
        }
      }
    }
  }
  const infraChildren = infrastructure && n >= 100 ? [addOu(infrastructure, "Network"), addOu(infrastructure, "Shared-Services")] : [];
  const sandboxChildren = sandbox && n >= 2000 ? [addOu(sandbox, "Engineering"), addOu(sandbox, "Data-Science")] : [];

  const placements: Placement[] = [{ parentId: rootId, name: "management", profile: "password-hardware-mfa" }];
  if (security) {
    placements.push({ parentId: security, name: "security-tooling", profile: "clean" });
    if (n >= 3) placements.push({ parentId: security, name: "log-archive", profile: "password-virtual-mfa" });
    if (n >= 4) placements.push({ parentId: security, name: "audit", profile: "password-virtual-mfa" });
  }
  if (infrastructure) {
    const infraNames = ["network", "shared-services", "dns", "backup", "identity", "ci-cd"];
    const count = Math.min(infraNames.length, Math.max(2, Math.floor(n / 200)));
    for (let i = 0; i < count; i++) placements.push({ parentId: infraChildren[i % 2] ?? infrastructure, name: infraNames[i]! });
  }
  const remaining = n - placements.length;
  const suspendedCount = suspendedOu ? Math.max(1, Math.round(remaining * 0.03)) : 0;
  const sandboxCount = sandbox ? Math.max(1, Math.round(remaining * 0.15)) : 0;
  const stagingCount = policyStaging ? Math.max(1, Math.round(remaining * 0.01)) : 0;
  const workloadCount = Math.max(0, remaining - suspendedCount - sandboxCount - stagingCount);

  // The first workload accounts cycle through every root profile so even small orgs contain each kind.
  const nameCounts = new Map<string, number>();
  const uniqueName = (base: string): string => {
    const count = (nameCounts.get(base) ?? 0) + 1;
    nameCounts.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  };
  for (let i = 0; i < workloadCount; i++) {
    const parent = workloadParents.length ? rng.pick(workloadParents) : { id: rootId, env: "prod", team: "legacy" };
    const atRoot = workloadParents.length === 0 || rng.chance(0.01);
    placements.push({
      parentId: atRoot ? rootId : parent.id,
      name: uniqueName(atRoot ? "legacy-app" : `${parent.team}-${parent.env}`.toLowerCase()),
      profile: i < ALL_PROFILES.length ? ALL_PROFILES[(i + 1) % ALL_PROFILES.length] : undefined,
    });
  }
  for (let i = 0; i < sandboxCount; i++) {
    const parentId = sandboxChildren.length ? rng.pick(sandboxChildren) : sandbox!;
    placements.push({ parentId, name: uniqueName(`sandbox-${rng.pick(FIRST_NAMES)}-${rng.pick(LAST_NAMES)}`) });
  }
  for (let i = 0; i < stagingCount; i++) placements.push({ parentId: policyStaging!, name: uniqueName("scp-canary") });
  for (let i = 0; i < suspendedCount; i++) {
    placements.push({ parentId: suspendedOu!, name: uniqueName("closed-project"), state: rng.chance(0.8) ? "SUSPENDED" : "PENDING_CLOSURE" });
  }

  for (const [index, placement] of placements.entries()) {
    const id = index === 0 ? managementAccountId : newAccountId();
    // The management account founded the org; the rest joined over the following years.
    const joinedTimestamp = index === 0 ? Date.UTC(2016, 2, 14, 9, 30) : Date.UTC(2016, 3, 1) + Math.floor(rng.next() * (REFERENCE_TIME - 60 * DAY - Date.UTC(2016, 3, 1)));
    const profile = placement.profile ?? rng.weighted(PROFILE_WEIGHTS);
    const account: SimAccount = {
      id,
      arn: `arn:aws:organizations::${managementAccountId}:account/${orgId}/${id}`,
      name: placement.name,
      email: index === 0 ? state.organization.managementAccountEmail : `aws+${placement.name}@${domain}`,
      state: placement.state ?? "ACTIVE",
      joinedMethod: index === 0 || rng.chance(0.9) ? "CREATED" : "INVITED",
      joinedTimestamp: Math.floor(joinedTimestamp / 1000) * 1000 + rng.int(0, 999),
      parentId: placement.parentId,
      root: generateRootCredentials(rng, id, profile, joinedTimestamp),
      bucketNames: [],
      queueNames: [],
    };
    state.accounts.set(id, account);
    state.accountIds.push(id);
    state.children.get(placement.parentId)!.accounts.push(id);
    generateResources(rng, state, account, n);
  }
  ensureLockedResources(rng, state);

  state.principals.management = makeIamUser(rng, managementAccountId, "rootwarden-sim");
  const delegatedAccountId = state.accountIds[1];
  if (delegatedAccountId) state.principals.delegatedAdmin = makeIamUser(rng, delegatedAccountId, "rootwarden-sim");

  if (state.organization.featureSet === "CONSOLIDATED_BILLING") {
    state.features = { rootCredentialsManagement: false, rootSessions: false };
    return state;
  }
  // Realistic baseline: a few services already trusted, Security Hub and GuardDuty run from the security account.
  const enabledAt = Date.UTC(2019, 5, 3);
  for (const principal of ["sso.amazonaws.com", "config.amazonaws.com", "guardduty.amazonaws.com", "securityhub.amazonaws.com"]) {
    state.trustedAccess.set(principal, enabledAt);
  }
  if (delegatedAccountId) {
    state.delegatedAdmins.set(delegatedAccountId, new Map([["guardduty.amazonaws.com", enabledAt], ["securityhub.amazonaws.com", enabledAt]]));
  }
  if (opts.featuresEnabled) state.trustedAccess.set(IAM_SERVICE_PRINCIPAL, Date.UTC(2024, 10, 20));
  if (opts.featuresEnabled && opts.delegatedAdmin && delegatedAccountId) {
    state.delegatedAdmins.get(delegatedAccountId)!.set(IAM_SERVICE_PRINCIPAL, Date.UTC(2024, 10, 21));
  }
  return state;
}

export function generateRootCredentials(rng: Rng, accountId: string, profile: RootProfile, joined: number): RootCredentials {
  const after = (from: number): number => from + Math.floor(rng.next() * Math.max(DAY, REFERENCE_TIME - 2 * DAY - from));
  const hasPassword = profile !== "clean" && profile !== "access-keys-only" && profile !== "signing-certificates";
  const mfaKind = profile === "password-virtual-mfa" || profile === "password-mfa-access-keys" ? "virtual" : profile === "password-hardware-mfa" || profile === "everything" ? "hardware" : null;
  const keyCount = profile === "password-mfa-access-keys" || profile === "access-keys-only" || profile === "everything" ? rng.int(1, 2) : 0;
  const certCount = profile === "signing-certificates" || profile === "everything" ? rng.int(1, 2) : 0;
  const root: RootCredentials = {
    profile,
    loginProfile: hasPassword ? { createDate: after(joined), passwordResetRequired: false } : null,
    passwordLastUsed: null,
    accessKeys: [],
    signingCertificates: [],
    mfaDevices: [],
  };
  if (root.loginProfile && rng.chance(0.7)) root.passwordLastUsed = after(root.loginProfile.createDate);
  for (let i = 0; i < keyCount; i++) {
    const createDate = after(joined);
    root.accessKeys.push({
      accessKeyId: `AKIA${rng.chars(UPPER_BASE32, 16)}`,
      status: rng.chance(0.8) ? "Active" : "Inactive",
      createDate,
      lastUsed: rng.chance(0.6) ? { date: after(createDate), serviceName: rng.pick(KEY_SERVICES), region: rng.pick(KEY_REGIONS) } : null,
    });
  }
  for (let i = 0; i < certCount; i++) {
    root.signingCertificates.push({
      certificateId: rng.chars(UPPER_ALNUM, 32),
      status: rng.chance(0.85) ? "Active" : "Inactive",
      uploadDate: after(joined),
      certificateBody: `-----BEGIN CERTIFICATE-----\n${rng.chars(SECRET_CHARS, 64)}\n-----END CERTIFICATE-----`,
    });
  }
  if (mfaKind) {
    root.mfaDevices.push({
      serialNumber: mfaKind === "virtual" ? `arn:aws:iam::${accountId}:mfa/root-account-mfa-device` : `${rng.pick(HARDWARE_PREFIXES)}${rng.chars("0123456789", 8)}`,
      kind: mfaKind,
      enableDate: root.loginProfile ? after(root.loginProfile.createDate) : after(joined),
      assigned: true,
    });
  }
  return root;
}

function generateResources(rng: Rng, state: SimState, account: SimAccount, orgSize: number): void {
  // Big orgs get slightly fewer resources per account to bound memory at 50,000 accounts.
  const maxBuckets = orgSize > 20_000 ? 1 : 3;
  const bucketCount = rng.weighted({ "0": 3, "1": 4, "2": 2, "3": 1 });
  const kinds = [...BUCKET_KINDS];
  for (let i = 0; i < Math.min(Number(bucketCount), maxBuckets); i++) {
    const kind = kinds.splice(rng.int(0, kinds.length - 1), 1)[0]!;
    const name = `${account.name.slice(0, 30)}-${kind}-${account.id}`.toLowerCase();
    const roll = rng.next();
    const created = account.joinedTimestamp + Math.floor(rng.next() * (REFERENCE_TIME - account.joinedTimestamp));
    const bucket: SimBucket = {
      name,
      accountId: account.id,
      region: state.region,
      creationDate: created,
      policy: roll < 0.02 ? lockedBucketPolicy(name) : roll < 0.32 ? secureTransportPolicy(name) : null,
    };
    state.buckets.set(name, bucket);
    account.bucketNames.push(name);
  }
  const queueCount = Math.min(Number(rng.weighted({ "0": 5, "1": 3, "2": 2 })), maxBuckets);
  const queueKinds = [...QUEUE_KINDS];
  for (let i = 0; i < queueCount; i++) {
    const name = queueKinds.splice(rng.int(0, queueKinds.length - 1), 1)[0]!;
    const roll = rng.next();
    const created = account.joinedTimestamp + Math.floor(rng.next() * (REFERENCE_TIME - account.joinedTimestamp));
    const queue: SimQueue = {
      name,
      accountId: account.id,
      region: state.region,
      createdTimestamp: created,
      lastModifiedTimestamp: created,
      attributes: defaultQueueAttributes(),
      policy: roll < 0.03 ? lockedQueuePolicy(state.region, account.id, name) : roll < 0.33 ? snsSendPolicy(state.region, account.id, name) : null,
    };
    state.queues.set(queueKey(account.id, name), queue);
    account.queueNames.push(name);
  }
}

// Tests need at least a couple of locked resources in active member accounts whatever the seed.
function ensureLockedResources(rng: Rng, state: SimState): void {
  const candidates = state.accountIds.slice(1).map((id) => state.accounts.get(id)!).filter((a) => a.state === "ACTIVE");
  if (candidates.length === 0) return;
  const lockedBuckets = [...state.buckets.values()].filter((b) => b.policy !== null && b.policy.includes('"DenyEveryone"') && state.accounts.get(b.accountId)!.state === "ACTIVE").length;
  for (let i = lockedBuckets; i < 2; i++) {
    const account = candidates[(i * 7) % candidates.length]!;
    const name = `${account.name.slice(0, 30)}-locked-${i}-${account.id}`.toLowerCase();
    state.buckets.set(name, { name, accountId: account.id, region: state.region, creationDate: account.joinedTimestamp + DAY, policy: lockedBucketPolicy(name) });
    account.bucketNames.push(name);
  }
  const lockedQueues = [...state.queues.values()].filter((q) => q.policy !== null && q.policy.includes('"DenyEveryone"') && state.accounts.get(q.accountId)!.state === "ACTIVE").length;
  for (let i = lockedQueues; i < 2; i++) {
    const account = candidates[(i * 11 + 3) % candidates.length]!;
    const name = `locked-jobs-${i}-${rng.chars(LOWER_ALNUM, 4)}`;
    const created = account.joinedTimestamp + DAY;
    state.queues.set(queueKey(account.id, name), {
      name,
      accountId: account.id,
      region: state.region,
      createdTimestamp: created,
      lastModifiedTimestamp: created,
      attributes: defaultQueueAttributes(),
      policy: lockedQueuePolicy(state.region, account.id, name),
    });
    account.queueNames.push(name);
  }
}

function makeIamUser(rng: Rng, accountId: string, userName: string): SimIamUser {
  return {
    accountId,
    userName,
    userId: `AIDA${rng.chars(UPPER_BASE32, 17)}`,
    arn: `arn:aws:iam::${accountId}:user/${userName}`,
    createDate: Date.UTC(2024, 10, 20),
    accessKeyId: `AKIA${rng.chars(UPPER_BASE32, 16)}`,
    secretAccessKey: rng.chars(SECRET_CHARS, 40),
  };
}

function defaultQueueAttributes(): Record<string, string> {
  return {
    VisibilityTimeout: "30",
    MaximumMessageSize: "262144",
    MessageRetentionPeriod: "345600",
    DelaySeconds: "0",
    ReceiveMessageWaitTimeSeconds: "0",
    SqsManagedSseEnabled: "true",
  };
}

export function lockedBucketPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "DenyEveryone", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
  });
}

function secureTransportPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

export function lockedQueuePolicy(region: string, accountId: string, queue: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "LockedQueuePolicy",
    Statement: [{ Sid: "DenyEveryone", Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:*", Resource: `arn:aws:sqs:${region}:${accountId}:${queue}` }],
  });
}

function snsSendPolicy(region: string, accountId: string, queue: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowSnsPublish",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: `arn:aws:sqs:${region}:${accountId}:${queue}`,
        Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:sns:${region}:${accountId}:events` } },
      },
    ],
  });
}
