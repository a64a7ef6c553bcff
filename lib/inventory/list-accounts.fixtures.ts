// A small, hand-checkable organization for the read-side tests: OUs Root > Prod > EU and Root > Dev,
// accounts in every effective status (one stale, one never scanned, one gone) and a few days of snapshots.
import type { TActor } from "@/lib/auth/actor";
import type { TRole } from "@/lib/auth/roles";
import type { Prisma, PrismaClient } from "@/lib/db/generated/client";

/**
 * The clock the lib tests pass to the code under test. Every time in the fixture is relative to the
 * `now` given to seedOrganization (NOW by default); tests that go through code reading the real clock
 * (route handlers) seed with `now: new Date()` so they pass on any date.
 */
export const NOW = new Date("2026-11-20T12:00:00.000Z");
export const FRESHNESS_HOURS = 48;
export const ORG_ID = "o-test000001";
export const OU = {
  root: "r-ab12",
  prod: "ou-ab12-prod0001",
  eu: "ou-ab12-eu000001",
  dev: "ou-ab12-dev00001",
} as const;

export function actorWith(roles: TRole[]): TActor {
  return { userId: "00000000-0000-4000-8000-000000000001", subject: "tester", email: "t@example.com", name: "Tester", roles };
}
export const viewer = actorWith(["viewer"]);


type TSnapshotSeed = {
  hoursAgo: number;
  status: string;
  failingRules?: string[];
  passwordPresent?: boolean | null;
  accessKeys?: Prisma.InputJsonValue;
  signingCertificates?: Prisma.InputJsonValue;
  mfaDevices?: Prisma.InputJsonValue;
  errorCode?: string;
  errorMessage?: string;
};

type TAccountSeed = {
  id: string;
  name: string;
  ouId: string;
  status: string;
  failingRules?: string[];
  lastScannedHoursAgo?: number;
  isManagement?: boolean;
  leftOrg?: boolean;
  snapshots?: TSnapshotSeed[];
};

const ACCOUNTS: TAccountSeed[] = [
  { id: "111111111111", name: "management", ouId: OU.root, status: "NOT_APPLICABLE", isManagement: true },
  {
    id: "100000000001",
    name: "prod-a",
    ouId: OU.prod,
    status: "COMPLIANT",
    lastScannedHoursAgo: 2,
    snapshots: [
      { hoursAgo: 60, status: "NON_COMPLIANT", failingRules: ["account.no-password"], passwordPresent: true },
      { hoursAgo: 2, status: "COMPLIANT", passwordPresent: false },
    ],
  },
  {
    id: "100000000002",
    name: "prod-b",
    ouId: OU.prod,
    status: "NON_COMPLIANT",
    failingRules: ["account.no-password", "account.mfa-while-password", "account.hardware-mfa-while-password"],
    lastScannedHoursAgo: 3,
    snapshots: [
      {
        hoursAgo: 3,
        status: "NON_COMPLIANT",
        failingRules: ["account.no-password", "account.mfa-while-password", "account.hardware-mfa-while-password"],
        passwordPresent: true,
      },
    ],
  },
  {
    id: "100000000003",
    name: "eu-a",
    ouId: OU.eu,
    status: "NON_COMPLIANT",
    failingRules: ["account.no-access-keys", "account.no-password"],
    lastScannedHoursAgo: 1,
    snapshots: [
      { hoursAgo: 30, status: "ERROR", errorCode: "AccessDenied", errorMessage: "AssumeRoot was denied by an SCP" },
      {
        hoursAgo: 1,
        status: "NON_COMPLIANT",
        failingRules: ["account.no-access-keys", "account.no-password"],
        passwordPresent: true,
        accessKeys: [
          {
            accessKeyId: "…WXYZ",
            status: "Active",
            createDate: "2024-01-02T03:04:05.000Z",
            lastUsedDate: "2026-11-01T00:00:00.000Z",
            lastUsedService: "s3",
            lastUsedRegion: "eu-west-1",
          },
        ],
        signingCertificates: [{ certificateId: "CERT123", status: "Inactive", uploadDate: "2023-05-06T00:00:00.000Z" }],
        mfaDevices: [{ serialNumber: "arn:aws:iam::100000000003:mfa/root", type: "virtual", enableDate: "2025-01-01T00:00:00.000Z" }],
      },
    ],
  },
  {
    id: "100000000004",
    name: "eu-b",
    ouId: OU.eu,
    status: "NON_COMPLIANT",
    failingRules: ["account.no-password"],
    lastScannedHoursAgo: 72,
    snapshots: [{ hoursAgo: 72, status: "NON_COMPLIANT", failingRules: ["account.no-password"], passwordPresent: true }],
  },
  {
    id: "100000000005",
    name: "dev-a",
    ouId: OU.dev,
    status: "ERROR",
    lastScannedHoursAgo: 5,
    snapshots: [{ hoursAgo: 5, status: "ERROR", errorCode: "Throttling", errorMessage: "Rate exceeded" }],
  },
  { id: "100000000006", name: "dev-b", ouId: OU.dev, status: "UNKNOWN" },
  {
    id: "100000000007",
    name: "gone",
    ouId: OU.dev,
    status: "NON_COMPLIANT",
    failingRules: ["account.no-password"],
    lastScannedHoursAgo: 4,
    leftOrg: true,
  },
];

export async function seedOrganization(db: PrismaClient, options: { now?: Date } = {}): Promise<void> {
  const now = options.now ?? NOW;
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  await db.organization.create({
    data: {
      id: ORG_ID,
      arn: `arn:aws:organizations::111111111111:organization/${ORG_ID}`,
      featureSet: "ALL",
      managementAccountId: "111111111111",
      trustedAccessIam: true,
      rootCredentialsManagement: true,
      rootSessions: false,
      delegatedAdminAccountId: "222222222222",
      featuresCheckedAt: hoursAgo(1),
      lastSyncedAt: hoursAgo(1),
    },
  });
  // The reading reports as of a time use, as the sync records it next to the Organization row.
  await db.organizationFeatureReading.create({
    data: {
      organizationId: ORG_ID,
      readAt: hoursAgo(1),
      source: "org-sync",
      trustedAccessIam: true,
      rootCredentialsManagement: true,
      rootSessions: false,
      delegatedAdminAccountId: "222222222222",
    },
  });
  const ous = [
    { id: OU.root, parentId: null, name: "Root", path: "Root", idPath: `${OU.root}/`, depth: 0, isRoot: true },
    { id: OU.prod, parentId: OU.root, name: "Prod", path: "Root/Prod", idPath: `${OU.root}/${OU.prod}/`, depth: 1, isRoot: false },
    { id: OU.eu, parentId: OU.prod, name: "EU", path: "Root/Prod/EU", idPath: `${OU.root}/${OU.prod}/${OU.eu}/`, depth: 2, isRoot: false },
    { id: OU.dev, parentId: OU.root, name: "Dev", path: "Root/Dev", idPath: `${OU.root}/${OU.dev}/`, depth: 1, isRoot: false },
  ];
  for (const ou of ous) {
    await db.ou.create({
      data: { ...ou, organizationId: ORG_ID, arn: `arn:aws:organizations::111111111111:ou/${ORG_ID}/${ou.id}`, syncedAt: now },
    });
  }
  const idPathOf = new Map<string, string>(ous.map((o) => [o.id, o.idPath]));
  for (const a of ACCOUNTS) {
    await db.account.create({
      data: {
        id: a.id,
        organizationId: ORG_ID,
        ouId: a.ouId,
        ouIdPath: idPathOf.get(a.ouId),
        name: a.name,
        email: `${a.name}@example.com`,
        arn: `arn:aws:organizations::111111111111:account/${ORG_ID}/${a.id}`,
        state: "ACTIVE",
        isManagement: a.isManagement ?? false,
        joinedAt: new Date("2020-01-01T00:00:00.000Z"),
        leftOrgAt: a.leftOrg ? hoursAgo(1) : null,
        syncedAt: now,
        status: a.status,
        failingRules: a.failingRules ?? [],
        lastScannedAt: a.lastScannedHoursAgo === undefined ? null : hoursAgo(a.lastScannedHoursAgo),
      },
    });
    let latest: string | null = null;
    for (const s of a.snapshots ?? []) {
      const snap = await db.credentialSnapshot.create({
        data: {
          accountId: a.id,
          organizationId: ORG_ID,
          takenAt: hoursAgo(s.hoursAgo),
          status: s.status,
          failingRules: s.failingRules ?? [],
          passwordPresent: s.passwordPresent ?? null,
          passwordCreatedAt: s.passwordPresent ? new Date("2021-06-01T00:00:00.000Z") : null,
          accessKeys: s.accessKeys ?? (s.passwordPresent === undefined ? undefined : []),
          signingCertificates: s.signingCertificates ?? (s.passwordPresent === undefined ? undefined : []),
          mfaDevices: s.mfaDevices ?? (s.passwordPresent === undefined ? undefined : []),
          errorCode: s.errorCode,
          errorMessage: s.errorMessage,
        },
      });
      latest = snap.id;
    }
    if (latest) await db.account.update({ where: { id: a.id }, data: { latestSnapshotId: latest } });
  }
}
