// The report's rows as SQL: each member account of the organization as of a time (its last
// snapshot by then, the freshness window applied at that time), filtered exactly as the Accounts
// page filters, and expanded to one row per account rule. Read through a cursor (stream-query-rows),
// each row an array of text values in the order RAW_COMPLIANCE / RAW_ACCOUNT name.
import { Prisma } from "@/lib/db/generated/client";
import { RULES } from "@/lib/inventory/compliance";
import { accountFilterConditions, effectiveStatusSql, freshnessCutoff, listQueryCtes } from "@/lib/inventory/list-accounts";
import type { TReportFilters } from "./report-query";

export const ACCOUNT_RULES = RULES.filter((r) => r.scope === "account");
export const ROW_STATUS_ORDER = ["FAIL", "ERROR", "UNKNOWN", "PASS", "NOT_APPLICABLE"] as const;
export type TRowStatus = (typeof ROW_STATUS_ORDER)[number];
const SEVERITY_ORDER = ["critical", "high", "medium", "low"];
// The account summary's order: worst first, as the Accounts page sorts by status.
const ACCOUNT_STATUS_ORDER = ["NON_COMPLIANT", "ERROR", "UNKNOWN", "COMPLIANT", "NOT_APPLICABLE"];

type TScope = { organizationId: string; asOf: Date; freshnessHours: number; filters: TReportFilters };

/**
 * The columns complianceRowsSql returns, in order, every one as text (a row arrives as an array of
 * strings and nulls; times are ISO 8601 UTC with milliseconds, as Date.prototype.toISOString writes).
 */
export const RAW_COMPLIANCE = {
  accountId: 0,
  accountName: 1,
  ouPath: 2,
  state: 3,
  ruleId: 4,
  status: 5,
  accountStatus: 6,
  snapshotAt: 7,
  statusReason: 8,
  errorCode: 9,
  errorMessage: 10,
} as const;

/** The columns accountRowsSql returns, in order, as text; failingRules is the rule ids joined by spaces. */
export const RAW_ACCOUNT = {
  accountId: 0,
  accountName: 1,
  email: 2,
  ouPath: 3,
  state: 4,
  status: 5,
  failingRules: 6,
  snapshotAt: 7,
  statusReason: 8,
  errorCode: 9,
  errorMessage: 10,
} as const;

/** A row as the cursor gives it: the query's columns in order, as text or null. */
export type TRawRow = readonly (string | null)[];

const isoText = (column: Prisma.Sql) => Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Accounts as of `asOf`, with Account's column names so the Accounts page's filter conditions apply
 * unchanged. An account's denormalized status (what the Accounts page shows) is used while its latest
 * snapshot is not after asOf: then it is that snapshot's. Otherwise its last snapshot by asOf is
 * looked up (one index probe). Its OU (ouId, ouIdPath, and the path of names as "ouPathAt") is its
 * AccountPlacement row that held at asOf; before an account's first row (history kept since the
 * placements migration) the earliest row, and without any row the account's current OU.
 * Members: joined by asOf, not left by then, and not between two placements (left and rejoined).
 */
function membersAsOfSql(scope: TScope): Prisma.Sql {
  const t = scope.asOf;
  const current = Prisma.sql`(acc."isManagement" OR ((ls."id" IS NULL OR ls."takenAt" <= ${t}::timestamptz)
    AND (acc."status" <> 'NOT_APPLICABLE' OR acc."syncedAt" <= ${t}::timestamptz)))`;
  const placed = (column: string) => {
    const c = Prisma.raw(`"${column}"`);
    return Prisma.sql`CASE WHEN pl.found THEN pl.${c} WHEN pf.found THEN pf.${c} ELSE acc.${c} END`;
  };
  return Prisma.sql`
    SELECT acc."id", acc."organizationId", ${placed("ouId")} AS "ouId", ${placed("ouIdPath")} AS "ouIdPath",
           CASE WHEN pl.found THEN pl."ouPath" WHEN pf.found THEN pf."ouPath" END AS "ouPathAt",
           acc."name", acc."email", acc."state", acc."isManagement",
           CASE WHEN cur.v THEN acc."status" ELSE COALESCE(h."status", 'UNKNOWN') END AS "status",
           CASE WHEN cur.v THEN acc."failingRules" ELSE COALESCE(h."failingRules", '{}') END AS "failingRules",
           CASE WHEN cur.v THEN acc."lastScannedAt" ELSE h."takenAt" END AS "lastScannedAt",
           CASE WHEN cur.v THEN acc."latestSnapshotId" ELSE h."id" END AS "snapshotId",
           CASE WHEN cur.v THEN acc."statusReason" END AS "statusReason"
    FROM "Account" acc
    LEFT JOIN "CredentialSnapshot" ls ON ls."id" = acc."latestSnapshotId"
    CROSS JOIN LATERAL (SELECT ${current} AS v) cur
    LEFT JOIN LATERAL (
      SELECT s."id", s."status", s."failingRules", s."takenAt" FROM "CredentialSnapshot" s
      WHERE NOT cur.v AND s."accountId" = acc."id" AND s."takenAt" <= ${t}::timestamptz
      ORDER BY s."takenAt" DESC LIMIT 1
    ) h ON true
    LEFT JOIN LATERAL (
      SELECT true AS found, p."ouId", p."ouIdPath", p."ouPath", p."validTo" FROM "AccountPlacement" p
      WHERE p."accountId" = acc."id" AND p."validFrom" <= ${t}::timestamptz
      ORDER BY p."validFrom" DESC LIMIT 1
    ) pl ON true
    LEFT JOIN LATERAL (
      SELECT true AS found, p."ouId", p."ouIdPath", p."ouPath" FROM "AccountPlacement" p
      WHERE pl.found IS NULL AND p."accountId" = acc."id"
      ORDER BY p."validFrom" ASC LIMIT 1
    ) pf ON true
    WHERE acc."organizationId" = (SELECT "id" FROM org)
      AND (acc."joinedAt" IS NULL OR acc."joinedAt" <= ${t}::timestamptz)
      AND (acc."leftOrgAt" IS NULL OR acc."leftOrgAt" > ${t}::timestamptz)
      AND (pl.found IS NULL OR pl."validTo" IS NULL OR pl."validTo" > ${t}::timestamptz)`;
}

function filteredAccountsSql(scope: TScope): Prisma.Sql {
  const cutoff = freshnessCutoff(scope.asOf, scope.freshnessHours);
  const where = Prisma.join(accountFilterConditions(scope.filters, cutoff, { ouSubtree: "as-placed" }), " AND ");
  return Prisma.sql`
    SELECT a.*, ${effectiveStatusSql(cutoff)} AS "effectiveStatus", COALESCE(a."ouPathAt", o."path") AS "ouPath",
           sn."errorCode", sn."errorMessage"
    FROM (${membersAsOfSql(scope)}) a
    LEFT JOIN "Ou" o ON o."id" = a."ouId"
    LEFT JOIN "CredentialSnapshot" sn ON sn."id" = a."snapshotId"
    WHERE ${where}`;
}

/** One row per filtered account and account rule (RAW_COMPLIANCE), FAIL first, then severity, OU path, account, rule. */
export function complianceRowsSql(scope: TScope): Prisma.Sql {
  const ruleIds = ACCOUNT_RULES.map((r) => r.id);
  const severities = ACCOUNT_RULES.map((r) => SEVERITY_ORDER.indexOf(r.severity));
  return Prisma.sql`
    WITH ${listQueryCtes(scope.filters, scope.organizationId)}, f AS (${filteredAccountsSql(scope)})
    SELECT x."accountId", x."accountName", x."ouPath", x."state", x."ruleId", x."status", x."accountStatus",
           ${isoText(Prisma.sql`x."snapshotAt"`)}, x."statusReason", x."errorCode", x."errorMessage"
    FROM (
      SELECT f."id" AS "accountId", f."name" AS "accountName", f."ouPath", f."state", r.rule_id AS "ruleId",
             CASE f."effectiveStatus"
               WHEN 'NON_COMPLIANT' THEN CASE WHEN r.rule_id = ANY(f."failingRules") THEN 'FAIL' ELSE 'PASS' END
               WHEN 'COMPLIANT' THEN 'PASS'
               ELSE f."effectiveStatus" END AS "status",
             f."effectiveStatus" AS "accountStatus", f."lastScannedAt" AS "snapshotAt", f."statusReason",
             f."errorCode", f."errorMessage", r.ord, r.severity
      FROM f CROSS JOIN unnest(${ruleIds}::text[], ${severities}::int[]) WITH ORDINALITY AS r(rule_id, severity, ord)
    ) x
    ORDER BY array_position(${[...ROW_STATUS_ORDER]}::text[], x."status"), x.severity, x."ouPath" NULLS LAST,
             x."accountName", x."accountId", x.ord`;
}

/** One row per filtered account (RAW_ACCOUNT), worst status first. */
export function accountRowsSql(scope: TScope): Prisma.Sql {
  return Prisma.sql`
    WITH ${listQueryCtes(scope.filters, scope.organizationId)}, f AS (${filteredAccountsSql(scope)})
    SELECT f."id" AS "accountId", f."name" AS "accountName", f."email", f."ouPath", f."state",
           f."effectiveStatus" AS "status",
           CASE WHEN f."effectiveStatus" = 'NON_COMPLIANT' THEN array_to_string(f."failingRules", ' ') ELSE '' END AS "failingRules",
           ${isoText(Prisma.sql`f."lastScannedAt"`)} AS "snapshotAt", f."statusReason", f."errorCode", f."errorMessage"
    FROM f
    ORDER BY array_position(${ACCOUNT_STATUS_ORDER}::text[], f."effectiveStatus"), f."ouPath" NULLS LAST, f."name", f."id"`;
}
