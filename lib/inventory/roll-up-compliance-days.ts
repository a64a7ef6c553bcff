// The compliance trend's per-day status counts of scanned accounts. Settled days (ended at least
// an hour ago) are computed once into ComplianceDaily; the rest is computed live. Re-reading every
// snapshot of the window on each overview load cost over a second at 10,000 accounts.
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import { Prisma, type PrismaClient } from "@/lib/db/generated/client";
import { ACCOUNT_STATUSES, toStatus, type TAccountStatus } from "@/lib/inventory/list-accounts";

/** Days the overview's trend shows (and the scanner keeps rolled up). */
export const TREND_DAYS = 30;

const DAY_SECONDS = 86_400;
// ComplianceDaily."day" (00:00 UTC) as a day number.
const DAY_NUMBER = Prisma.raw(`floor(extract(epoch FROM "day") / 86400)::int`);
/**
 * A day is rolled up only this long after it ended: a scan batch stamps snapshots when each audit
 * finishes and commits them a little later, so a day that just ended may still receive a few.
 */
const SETTLE_SECONDS = 3600;

/** Whole UTC days since the epoch, as the trend counts them. */
export function utcDay(at: Date): number {
  return Math.floor(at.getTime() / 1000 / DAY_SECONDS);
}

/** The last day whose counts can no longer change (snapshots are written at "now"). */
export function lastSettledDay(now: Date): number {
  return Math.floor((now.getTime() / 1000 - SETTLE_SECONDS) / DAY_SECONDS) - 1;
}

export type TDayStatusCount = { day: number; status: TAccountStatus; n: number };

type TRollUpOptions = {
  /** The reader (the overview) or SYSTEM (the end of a scan batch). */
  actor: TCaller | null;
  db: PrismaClient;
  organizationId: string;
  now: Date;
  freshnessHours: number;
  days: number;
  /** The earliest snapshot just written: settled days from its day on are computed again. */
  redoFrom?: Date;
};

/**
 * The settled days of the trend window, per status: read from ComplianceDaily, and computed and
 * written there for days that are missing (or were made with another freshness window).
 * Idempotent: concurrent callers compute the same rows. Called at the end of every scan batch, so
 * the overview normally finds every day ready, and by the overview itself for any gap.
 */
export async function rollUpComplianceDays(options: TRollUpOptions): Promise<TDayStatusCount[]> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const { db, organizationId, now, freshnessHours } = options;
  const firstDay = utcDay(now) - (options.days - 1);
  const settled = lastSettledDay(now);
  if (settled < firstDay) return [];
  if (options.redoFrom && utcDay(options.redoFrom) <= settled) {
    await db.$executeRaw`
      DELETE FROM "ComplianceDaily"
      WHERE "organizationId" = ${organizationId} AND "day" >= ${dayStart(utcDay(options.redoFrom))}`;
  }
  const stored = await db.$queryRaw<{ day: number; status: string; n: number }[]>`
    SELECT ${DAY_NUMBER} AS day, "status", "count" AS n FROM "ComplianceDaily"
    WHERE "organizationId" = ${organizationId} AND "freshnessHours" = ${freshnessHours}
      AND "day" BETWEEN ${dayStart(firstDay)} AND ${dayStart(settled)}`;
  // A day is written whole (a row per status, zeros too), so a complete set of rows marks it done.
  const rowsOn = new Map<number, number>();
  for (const r of stored) rowsOn.set(r.day, (rowsOn.get(r.day) ?? 0) + 1);
  const missing: number[] = [];
  for (let d = firstDay; d <= settled; d++) if (rowsOn.get(d) !== ACCOUNT_STATUSES.length) missing.push(d);
  const kept: TDayStatusCount[] = stored
    .filter((r) => rowsOn.get(r.day) === ACCOUNT_STATUSES.length)
    .map((r) => ({ day: r.day, status: toStatus(r.status), n: r.n }));
  if (missing.length === 0) return kept;

  const counted = await scannedStatusesOnClosedDays({ actor: options.actor, db, organizationId, now, freshnessHours, days: missing });
  const byKey = new Map(counted.map((r) => [`${r.day}:${r.status}`, r.n]));
  const computed = missing.flatMap((day) => ACCOUNT_STATUSES.map((status) => ({ day, status, n: byKey.get(`${day}:${status}`) ?? 0 })));
  await db.$executeRaw`
    INSERT INTO "ComplianceDaily" ("organizationId", "day", "status", "count", "freshnessHours", "computedAt")
    SELECT ${organizationId}, to_timestamp(r.day * 86400.0), r.status, r.n, ${freshnessHours}::int, ${now}::timestamptz
    FROM unnest(${computed.map((r) => r.day)}::int[], ${computed.map((r) => r.status)}::text[], ${computed.map((r) => r.n)}::int[])
      AS r(day, status, n)
    ON CONFLICT ("organizationId", "day", "status")
    DO UPDATE SET "count" = EXCLUDED."count", "freshnessHours" = EXCLUDED."freshnessHours", "computedAt" = EXCLUDED."computedAt"`;
  return [...kept, ...computed];
}

/**
 * Per day before today: each account's last snapshot taken by the end of that day, with the
 * freshness window applied at the end of that day (a snapshot taken at t is fresh through the day
 * containing t + freshness - 1 day). Accounts that left stop counting on the day they left.
 * One index probe per account and day.
 */
export async function scannedStatusesOnClosedDays(options: {
  actor: TCaller | null;
  db: PrismaClient;
  organizationId: string;
  now: Date;
  freshnessHours: number;
  days: number[];
}): Promise<TDayStatusCount[]> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const { db, organizationId, now } = options;
  if (options.days.length === 0) return [];
  const freshSec = options.freshnessHours * 3600;
  const rows = await db.$queryRaw<{ day: number; status: string; n: number }[]>`
    SELECT g.day,
           CASE WHEN s."status" = 'NOT_APPLICABLE' THEN 'NOT_APPLICABLE'
                WHEN g.day >= floor((s.t + ${freshSec}::float8 - 86400) / 86400)::int + 1 THEN 'UNKNOWN'
                ELSE s."status" END AS status,
           count(*)::int AS n
    FROM unnest(${options.days}::int[]) AS g(day)
    JOIN "Account" a ON a."organizationId" = ${organizationId}
      AND (a."leftOrgAt" IS NULL OR g.day <= floor(extract(epoch FROM a."leftOrgAt")::float8 / 86400)::int - 1)
    CROSS JOIN LATERAL (
      SELECT extract(epoch FROM s."takenAt")::float8 AS t, s."status"
      FROM "CredentialSnapshot" s
      WHERE s."accountId" = a."id" AND s."organizationId" = ${organizationId}
        AND s."takenAt" < LEAST(to_timestamp((g.day + 1) * 86400.0), ${now}::timestamptz)
      ORDER BY s."takenAt" DESC
      LIMIT 1
    ) s
    GROUP BY 1, 2`;
  return sumByStatus(rows);
}

/**
 * Today (as of now): from the snapshot fields the scanner copies onto each account (status and
 * takenAt of its latest snapshot), so no snapshot is read. An account whose latest snapshot is not
 * before `now` (only when asked about a past moment) is looked up in its snapshots instead.
 */
export async function scannedStatusesToday(options: {
  actor: TCaller | null;
  db: PrismaClient;
  organizationId: string;
  now: Date;
  freshnessHours: number;
}): Promise<TDayStatusCount[]> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const { db, organizationId, now } = options;
  const today = utcDay(now);
  const freshSec = options.freshnessHours * 3600;
  const nowSec = now.getTime() / 1000;
  const rows = await db.$queryRaw<{ day: number; status: string; n: number }[]>`
    WITH members AS (
      SELECT a."id", a."status", a."lastScannedAt", a."latestSnapshotId" FROM "Account" a
      WHERE a."organizationId" = ${organizationId}
        AND (a."leftOrgAt" IS NULL OR ${today}::int <= floor(extract(epoch FROM a."leftOrgAt")::float8 / 86400)::int - 1)
    ),
    latest AS (
      SELECT m."status", extract(epoch FROM m."lastScannedAt")::float8 AS t FROM members m
      WHERE m."latestSnapshotId" IS NOT NULL AND m."lastScannedAt" < ${now}::timestamptz
      UNION ALL
      SELECT s."status", s.t FROM members m
      CROSS JOIN LATERAL (
        SELECT extract(epoch FROM s."takenAt")::float8 AS t, s."status"
        FROM "CredentialSnapshot" s
        WHERE s."accountId" = m."id" AND s."organizationId" = ${organizationId} AND s."takenAt" < ${now}::timestamptz
        ORDER BY s."takenAt" DESC
        LIMIT 1
      ) s
      WHERE m."latestSnapshotId" IS NOT NULL AND (m."lastScannedAt" IS NULL OR m."lastScannedAt" >= ${now}::timestamptz)
    )
    SELECT ${today}::int AS day,
           CASE WHEN l."status" = 'NOT_APPLICABLE' THEN 'NOT_APPLICABLE'
                WHEN l.t < ${nowSec}::float8 - ${freshSec}::float8 THEN 'UNKNOWN'
                ELSE l."status" END AS status,
           count(*)::int AS n
    FROM latest l
    GROUP BY 1, 2`;
  return sumByStatus(rows);
}

function dayStart(day: number): Date {
  return new Date(day * DAY_SECONDS * 1000);
}

/** Statuses outside the known set read as UNKNOWN, as everywhere on the read side. */
function sumByStatus(rows: { day: number; status: string; n: number }[]): TDayStatusCount[] {
  const out = new Map<string, TDayStatusCount>();
  for (const r of rows) {
    const status = toStatus(r.status);
    const key = `${r.day}:${status}`;
    const prev = out.get(key);
    if (prev) prev.n += r.n;
    else out.set(key, { day: Number(r.day), status, n: r.n });
  }
  return [...out.values()];
}
