// One account's page: current root credentials in detail (from the newest successful snapshot),
// compliance with failing rules and their remediation, snapshot history and recent scan errors.
import { z } from "zod";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { RULES, effectiveStatus, staleBefore, type TComplianceStatus } from "@/lib/inventory/compliance";

// Snapshot JSON is written by the scanner; parse it leniently so an extra field never breaks the page.
const ZDateish = z
  .union([z.string(), z.date(), z.null()])
  .optional()
  .transform((v) => (v ? new Date(v) : null))
  .transform((d) => (d && !Number.isNaN(d.getTime()) ? d : null));

const ZAccessKey = z.object({
  accessKeyId: z.string().catch("unknown"),
  status: z.string().catch("Unknown"),
  createDate: ZDateish,
  lastUsedDate: ZDateish,
  lastUsedService: z.string().nullish().transform((v) => v ?? null),
  lastUsedRegion: z.string().nullish().transform((v) => v ?? null),
});
const ZCertificate = z.object({
  certificateId: z.string().catch("unknown"),
  status: z.string().catch("Unknown"),
  uploadDate: ZDateish,
});
const ZMfaDevice = z.object({
  serialNumber: z.string().catch("unknown"),
  type: z.string().catch("unknown"),
  enableDate: ZDateish,
});

export type TAccessKey = z.output<typeof ZAccessKey>;
export type TCertificate = z.output<typeof ZCertificate>;
export type TMfaDevice = z.output<typeof ZMfaDevice>;

export type TRuleResult = {
  id: string;
  title: string;
  finding: string;
  severity: string;
  remediation: string;
  references: readonly string[];
};

export type TSnapshotSummary = {
  id: string;
  takenAt: Date;
  scanId: string | null;
  status: string;
  failingRules: string[];
  passwordPresent: boolean | null;
  accessKeyCount: number | null;
  certificateCount: number | null;
  mfaCount: number | null;
  errorCode: string | null;
  errorMessage: string | null;
};

export type TCredentials = {
  snapshotId: string;
  takenAt: Date;
  passwordPresent: boolean;
  passwordCreatedAt: Date | null;
  accessKeys: TAccessKey[];
  signingCertificates: TCertificate[];
  mfaDevices: TMfaDevice[];
};

export type TAccountDetail = {
  account: {
    id: string;
    organizationId: string;
    name: string;
    email: string;
    arn: string;
    state: string;
    joinedMethod: string | null;
    joinedAt: Date | null;
    isManagement: boolean;
    leftOrgAt: Date | null;
    syncedAt: Date;
    ou: { id: string; name: string; path: string } | null;
    status: TComplianceStatus;
    scannedStatus: string;
    statusReason: string | null;
    lastScannedAt: Date | null;
    stale: boolean;
  };
  /** Null until a scan has read the root credentials successfully. */
  credentials: TCredentials | null;
  failingRules: TRuleResult[];
  history: TSnapshotSummary[];
  errors: { at: Date; scanId: string | null; code: string | null; message: string }[];
  freshnessHours: number;
};

export async function getAccountDetail(options: {
  actor: TActor | null | undefined;
  accountId: string;
  db?: PrismaClient;
  now?: Date;
  freshnessHours?: number;
  historyLimit?: number;
}): Promise<TAccountDetail> {
  assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const freshnessHours = options.freshnessHours ?? getConfig().COMPLIANCE_FRESHNESS_HOURS;
  const now = options.now ?? new Date();

  const account = await db.account.findUnique({
    where: { id: options.accountId },
    include: { ou: { select: { id: true, name: true, path: true } } },
  });
  if (!account) {
    throw new AppError("NOT_FOUND", `Account ${options.accountId} is not in the inventory. Run an org sync if it was added recently.`);
  }

  const [history, lastGood, scanFailures] = await Promise.all([
    db.$queryRaw<TSnapshotSummary[]>`
      SELECT s."id", s."takenAt", s."scanId", s."status", coalesce(s."failingRules", '{}') AS "failingRules",
             s."passwordPresent",
             (CASE WHEN jsonb_typeof(s."accessKeys") = 'array' THEN jsonb_array_length(s."accessKeys") END)::int AS "accessKeyCount",
             (CASE WHEN jsonb_typeof(s."signingCertificates") = 'array' THEN jsonb_array_length(s."signingCertificates") END)::int AS "certificateCount",
             (CASE WHEN jsonb_typeof(s."mfaDevices") = 'array' THEN jsonb_array_length(s."mfaDevices") END)::int AS "mfaCount",
             s."errorCode", s."errorMessage"
      FROM "CredentialSnapshot" s
      WHERE s."accountId" = ${account.id}
      ORDER BY s."takenAt" DESC
      LIMIT ${options.historyLimit ?? 90}`,
    db.credentialSnapshot.findFirst({
      where: { accountId: account.id, passwordPresent: { not: null } },
      orderBy: { takenAt: "desc" },
    }),
    db.scanAccount.findMany({
      where: { accountId: account.id, status: "FAILED" },
      include: { scan: { select: { createdAt: true } } },
      orderBy: { scan: { createdAt: "desc" } },
      take: 20,
    }),
  ]);

  const effective = effectiveStatus(account, now, freshnessHours);
  const stale = account.status !== "NOT_APPLICABLE" && !!account.lastScannedAt && account.lastScannedAt < staleBefore(now, freshnessHours);

  const errors = [
    ...history
      .filter((s) => s.errorCode || s.errorMessage)
      .map((s) => ({ at: s.takenAt, scanId: s.scanId, code: s.errorCode, message: s.errorMessage ?? s.errorCode ?? "" })),
    // A failed scan attempt may have left no snapshot (e.g. the job gave up); its reason is on ScanAccount.
    ...scanFailures
      .filter((f) => !history.some((s) => s.scanId === f.scanId && (s.errorCode || s.errorMessage)))
      .map((f) => ({ at: f.finishedAt ?? f.scan.createdAt, scanId: f.scanId, code: null, message: f.reason ?? "Scan failed" })),
  ].sort((x, y) => y.at.getTime() - x.at.getTime());

  return {
    account: {
      id: account.id,
      organizationId: account.organizationId,
      name: account.name,
      email: account.email,
      arn: account.arn,
      state: account.state,
      joinedMethod: account.joinedMethod,
      joinedAt: account.joinedAt,
      isManagement: account.isManagement,
      leftOrgAt: account.leftOrgAt,
      syncedAt: account.syncedAt,
      ou: account.ou,
      status: effective.status,
      statusReason: effective.reason ?? account.statusReason,
      scannedStatus: account.status,
      lastScannedAt: account.lastScannedAt,
      stale,
    },
    credentials: lastGood
      ? {
          snapshotId: lastGood.id,
          takenAt: lastGood.takenAt,
          passwordPresent: lastGood.passwordPresent === true,
          passwordCreatedAt: lastGood.passwordCreatedAt,
          accessKeys: parseList(ZAccessKey, lastGood.accessKeys),
          signingCertificates: parseList(ZCertificate, lastGood.signingCertificates),
          mfaDevices: parseList(ZMfaDevice, lastGood.mfaDevices),
        }
      : null,
    failingRules: (account.failingRules ?? []).map(describeRule),
    history: history.map((s) => ({ ...s, failingRules: s.failingRules ?? [] })),
    errors,
    freshnessHours,
  };
}

export function describeRule(id: string): TRuleResult {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) return { id, title: id, finding: id, severity: "unknown", remediation: "", references: [] };
  return { id: rule.id, title: rule.title, finding: rule.finding, severity: rule.severity, remediation: rule.remediation, references: rule.references };
}

function parseList<T extends z.ZodType>(schema: T, value: unknown): z.output<T>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
