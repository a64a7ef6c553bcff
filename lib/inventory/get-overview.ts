// The overview page's numbers: org features, counts per effective status, the OUs with most
// non-compliant accounts, a daily compliance trend (rolled up per day from snapshots), and scan timing.
import { SYSTEM, assertPermission, type TActor, type TCaller } from "@/lib/auth/actor";
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
import {
  lastSettledDay,
  rollUpComplianceDays,
  scannedStatusesOnClosedDays,
  scannedStatusesToday,
  TREND_DAYS,
  utcDay,
} from "@/lib/inventory/roll-up-compliance-days";

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
  const organizationId = await resolveOrganizationId({ actor: options.actor, db });
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
    getComplianceTrend({ actor: options.actor, db, organizationId, now, freshnessHours, days: options.trendDays ?? TREND_DAYS }),
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
 * snapshot yet count as UNKNOWN. Scanned accounts' counts of settled days come from the
 * ComplianceDaily roll-up (filled here when missing); the day that may still change and today are
 * computed live. Members per day (joined, not yet left) are counted from Account.
 */
export async function getComplianceTrend(options: {
  actor: TCaller | null;
  db: PrismaClient;
  organizationId: string;
  now: Date;
  freshnessHours: number;
  days: number;
}): Promise<TTrendPoint[]> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const { actor, db, organizationId, now, freshnessHours } = options;
  const lastDay = utcDay(now);
  const firstDay = lastDay - (options.days - 1);
  const settled = lastSettledDay(now);
  const unsettled: number[] = [];
  for (let d = Math.max(firstDay, settled + 1); d < lastDay; d++) unsettled.push(d);

  const [rolledUp, members, recent, today] = await Promise.all([
    rollUpComplianceDays({ actor, db, organizationId, now, freshnessHours, days: options.days }),
    db.$queryRaw<{ day: number; n: number; na: number }[]>`
      WITH member_groups AS (
        -- Accounts that can never be audited (the management account) have no snapshots but are NOT_APPLICABLE.
        SELECT floor(extract(epoch FROM a."joinedAt")::float8 / 86400)::int AS join_day,
               floor(extract(epoch FROM a."leftOrgAt")::float8 / 86400)::int AS left_day,
               (a."status" = 'NOT_APPLICABLE' AND a."latestSnapshotId" IS NULL) AS never_applicable,
               count(*)::int AS n
        FROM "Account" a
        WHERE a."organizationId" = ${organizationId}
        GROUP BY 1, 2, 3
      )
      SELECT g.day, sum(m.n)::int AS n, coalesce(sum(m.n) FILTER (WHERE m.never_applicable), 0)::int AS na
      FROM member_groups m
      CROSS JOIN LATERAL generate_series(GREATEST(coalesce(m.join_day, ${firstDay}::int), ${firstDay}::int),
        LEAST(coalesce(m.left_day - 1, ${lastDay}::int), ${lastDay}::int)) AS g(day)
      GROUP BY 1`,
    scannedStatusesOnClosedDays({ actor, db, organizationId, now, freshnessHours, days: unsettled }),
    scannedStatusesToday({ actor, db, organizationId, now, freshnessHours }),
  ]);

  const byDay = new Map<number, TTrendPoint>();
  for (let d = firstDay; d <= lastDay; d++) {
    byDay.set(d, { day: new Date(d * 86_400_000).toISOString().slice(0, 10), compliancePercent: null, ...emptyCounts() });
  }
  const scannedOn = new Map<number, number>();
  for (const r of [...rolledUp, ...recent, ...today]) {
    const point = byDay.get(r.day);
    if (!point) continue;
    point[r.status] += r.n;
    point.total += r.n;
    scannedOn.set(r.day, (scannedOn.get(r.day) ?? 0) + r.n);
  }
  for (const m of members) {
    const point = byDay.get(Number(m.day));
    if (!point) continue;
    // Members without any snapshot by then: never scanned, so UNKNOWN. Accounts that joined after
    // a snapshot could make "members - scanned" negative; clamp.
    const unscanned = Math.max(0, m.n - m.na - (scannedOn.get(Number(m.day)) ?? 0));
    point.NOT_APPLICABLE += m.na;
    point.UNKNOWN += unscanned;
    point.total += m.na + unscanned;
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
