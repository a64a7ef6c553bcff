// The overview page's numbers: org features, counts per effective status, the OUs with most
// non-compliant accounts, a daily compliance trend rebuilt from snapshots, and scan timing.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { emptyCounts, getOuTree, type TStatusCounts } from "@/lib/inventory/get-ou-tree";
import {
  effectiveStatusSql,
  freshnessCutoff,
  resolveOrganizationId,
  toStatus,
} from "@/lib/inventory/list-accounts";

export type TTrendPoint = { day: string; compliancePercent: number | null } & TStatusCounts;

export type TScanSummary = {
  id: string;
  scopeType: string;
  scopeLabel: string;
  trigger: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

export type TOverview = {
  organization: {
    id: string;
    managementAccountId: string;
    featureSet: string;
    trustedAccessIam: boolean | null;
    rootCredentialsManagement: boolean | null;
    rootSessions: boolean | null;
    delegatedAdminAccountId: string | null;
    featuresCheckedAt: Date | null;
    lastSyncedAt: Date | null;
  } | null;
  counts: TStatusCounts;
  worstOus: { id: string; name: string; path: string; nonCompliant: number; total: number }[];
  trend: TTrendPoint[];
  lastScan: TScanSummary | null;
  lastOrgScan: TScanSummary | null;
  nextScheduledScanAt: Date | null;
  scanIntervalHours: number;
  freshnessHours: number;
};

export async function getOverview(options: {
  actor: TActor | null | undefined;
  db?: PrismaClient;
  now?: Date;
  freshnessHours?: number;
  scanIntervalHours?: number;
  trendDays?: number;
}): Promise<TOverview> {
  assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const now = options.now ?? new Date();
  const freshnessHours = options.freshnessHours ?? getConfig().COMPLIANCE_FRESHNESS_HOURS;
  const scanIntervalHours = options.scanIntervalHours ?? getConfig().SCAN_INTERVAL_HOURS;
  const organizationId = await resolveOrganizationId(db);
  const base = { scanIntervalHours, freshnessHours };
  if (!organizationId) {
    return { ...base, organization: null, counts: emptyCounts(), worstOus: [], trend: [], lastScan: null, lastOrgScan: null, nextScheduledScanAt: null };
  }
  const cutoff = freshnessCutoff(now, freshnessHours);

  const [organization, countRows, tree, trend, lastScan, lastOrgScan, lastFullScan] = await Promise.all([
    db.organization.findUnique({
      where: { id: organizationId },
      select: {
        id: true,
        managementAccountId: true,
        featureSet: true,
        trustedAccessIam: true,
        rootCredentialsManagement: true,
        rootSessions: true,
        delegatedAdminAccountId: true,
        featuresCheckedAt: true,
        lastSyncedAt: true,
      },
    }),
    db.$queryRaw<{ status: string; n: number }[]>`
      SELECT ${effectiveStatusSql(cutoff)} AS status, count(*)::int AS n
      FROM "Account" a
      WHERE a."organizationId" = ${organizationId} AND a."leftOrgAt" IS NULL
      GROUP BY 1`,
    getOuTree({ actor: options.actor, db, now, freshnessHours, organizationId }),
    getComplianceTrend({ db, organizationId, now, freshnessHours, days: options.trendDays ?? 30 }),
    db.scan.findFirst({ where: { organizationId }, orderBy: { createdAt: "desc" }, select: scanSelect }),
    db.scan.findFirst({ where: { organizationId, scopeType: "ORG" }, orderBy: { createdAt: "desc" }, select: scanSelect }),
    // The scheduler (scan-scheduled.ts) counts any full scan that did not fail or get cancelled.
    db.scan.findFirst({
      where: { organizationId, scopeType: "ORG", status: { in: ["SUCCEEDED", "RUNNING", "QUEUED"] } },
      orderBy: { createdAt: "desc" },
      select: { createdAt: true },
    }),
  ]);

  const counts = emptyCounts();
  for (const r of countRows) {
    counts[toStatus(r.status)] += r.n;
    counts.total += r.n;
  }
  const worstOus = tree.nodes
    .filter((n) => n.direct.NON_COMPLIANT > 0)
    .sort((x, y) => y.direct.NON_COMPLIANT - x.direct.NON_COMPLIANT || x.path.localeCompare(y.path))
    .slice(0, 10)
    .map((n) => ({ id: n.id, name: n.name, path: n.path, nonCompliant: n.direct.NON_COMPLIANT, total: n.direct.total }));

  return {
    ...base,
    organization,
    counts,
    worstOus,
    trend,
    lastScan,
    lastOrgScan,
    nextScheduledScanAt: nextScheduledScan(now, scanIntervalHours, lastFullScan?.createdAt ?? null),
  };
}

/**
 * Per UTC day, the status of every account as of the end of that day (today: as of now), from the
 * last snapshot taken by then, with the freshness window applied at that moment. Accounts with no
 * snapshot yet count as UNKNOWN. One SQL statement: each account's last snapshot per day becomes a
 * span of days until its next one, which is expanded and counted.
 */
export async function getComplianceTrend(options: {
  db: PrismaClient;
  organizationId: string;
  now: Date;
  freshnessHours: number;
  days: number;
}): Promise<TTrendPoint[]> {
  const { db, organizationId, now } = options;
  const lastDay = startOfUtcDay(now);
  const firstDay = new Date(lastDay.getTime() - (options.days - 1) * 86_400_000);
  const freshness = `${options.freshnessHours} hours`;

  const rows = await db.$queryRaw<{ day: Date; status: string; n: number }[]>`
    WITH days AS (
      SELECT d AS day, LEAST(d + interval '1 day', ${now}::timestamptz) AS as_of
      FROM generate_series(${firstDay}::timestamptz, ${lastDay}::timestamptz, interval '1 day') AS d
    ),
    live AS (
      -- Accounts that can never be audited (the management account) have no snapshots but are NOT_APPLICABLE.
      SELECT a."id", a."joinedAt", a."leftOrgAt",
             (a."status" = 'NOT_APPLICABLE' AND a."latestSnapshotId" IS NULL) AS never_applicable
      FROM "Account" a WHERE a."organizationId" = ${organizationId}
    ),
    daily AS (
      SELECT DISTINCT ON (s."accountId", date_trunc('day', s."takenAt", 'UTC'))
             s."accountId", date_trunc('day', s."takenAt", 'UTC') AS day, s."takenAt", s."status"
      FROM "CredentialSnapshot" s
      WHERE s."organizationId" = ${organizationId} AND s."takenAt" < ${now}::timestamptz
      ORDER BY s."accountId", date_trunc('day', s."takenAt", 'UTC'), s."takenAt" DESC
    ),
    spans AS (
      SELECT daily.*, lead(daily.day) OVER (PARTITION BY daily."accountId" ORDER BY daily.day) AS next_day
      FROM daily
    ),
    expanded AS (
      SELECT g.day, sp."accountId", sp."takenAt", sp."status"
      FROM spans sp
      CROSS JOIN LATERAL generate_series(
        GREATEST(sp.day, ${firstDay}::timestamptz),
        LEAST(COALESCE(sp.next_day - interval '1 day', ${lastDay}::timestamptz), ${lastDay}::timestamptz),
        interval '1 day') AS g(day)
    ),
    scanned AS (
      SELECT e.day,
             -- Same rule as effectiveStatus(): NOT_APPLICABLE stays, anything older than the window is UNKNOWN.
             CASE WHEN e."status" = 'NOT_APPLICABLE' THEN 'NOT_APPLICABLE'
                  WHEN e."takenAt" < days.as_of - ${freshness}::interval THEN 'UNKNOWN'
                  ELSE e."status" END AS status,
             count(*)::int AS n
      FROM expanded e
      JOIN days ON days.day = e.day
      JOIN live l ON l."id" = e."accountId"
      WHERE (l."leftOrgAt" IS NULL OR l."leftOrgAt" >= days.as_of)
      GROUP BY 1, 2
    ),
    members AS (
      SELECT days.day, count(l."id")::int AS n, count(l."id") FILTER (WHERE l.never_applicable)::int AS na
      FROM days
      LEFT JOIN live l ON (l."joinedAt" IS NULL OR l."joinedAt" < days.as_of)
                      AND (l."leftOrgAt" IS NULL OR l."leftOrgAt" >= days.as_of)
      GROUP BY 1
    )
    SELECT day, status, n FROM scanned
    UNION ALL
    SELECT m.day, 'NOT_APPLICABLE' AS status, m.na AS n FROM members m
    UNION ALL
    -- Members without any snapshot by then: never scanned, so UNKNOWN.
    SELECT m.day, 'UNSCANNED' AS status,
           (m.n - m.na - coalesce((SELECT sum(s.n) FROM scanned s WHERE s.day = m.day), 0))::int AS n
    FROM members m
    ORDER BY 1`;

  const byDay = new Map<string, TTrendPoint>();
  for (let t = firstDay.getTime(); t <= lastDay.getTime(); t += 86_400_000) {
    const key = new Date(t).toISOString().slice(0, 10);
    byDay.set(key, { day: key, compliancePercent: null, ...emptyCounts() });
  }
  for (const r of rows) {
    const point = byDay.get(new Date(r.day).toISOString().slice(0, 10));
    if (!point) continue;
    // Accounts that joined after a snapshot could make "members - scanned" negative; clamp.
    const n = Math.max(0, r.n);
    const status = r.status === "UNSCANNED" ? "UNKNOWN" : toStatus(r.status);
    point[status] += n;
    point.total += n;
  }
  for (const p of byDay.values()) {
    const judged = p.COMPLIANT + p.NON_COMPLIANT + p.UNKNOWN + p.ERROR;
    p.compliancePercent = judged > 0 ? Math.round((p.COMPLIANT / judged) * 1000) / 10 : null;
  }
  return [...byDay.values()];
}

// A full scan is due SCAN_INTERVAL_HOURS after the last one (0 turns them off); the worker's tick
// checks every few minutes, so "now" means "at the next tick".
function nextScheduledScan(now: Date, intervalHours: number, last: Date | null): Date | null {
  if (intervalHours <= 0) return null;
  if (!last) return now;
  const next = new Date(last.getTime() + intervalHours * 3_600_000);
  return next < now ? now : next;
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

const scanSelect = {
  id: true,
  scopeType: true,
  scopeLabel: true,
  trigger: true,
  status: true,
  total: true,
  done: true,
  failed: true,
  skipped: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} as const;
