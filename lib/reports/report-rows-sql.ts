// The report's rows as SQL: each member account of the organization as of a time (its last
// snapshot by then, the freshness window applied at that time), filtered exactly as the Accounts
// page filters, and expanded to one row per account rule. Read through a cursor (stream-query-rows).
import { Prisma } from "@/lib/db/generated/client";
import { RULES, type TRuleId } from "@/lib/inventory/compliance";
import { accountFilterConditions, effectiveStatusSql, freshnessCutoff, listQueryCtes } from "@/lib/inventory/list-accounts";
import type { TReportFilters } from "./report-query";

export const ACCOUNT_RULES = RULES.filter((r) => r.scope === "account");
export const ROW_STATUS_ORDER = ["FAIL", "ERROR", "UNKNOWN", "PASS", "NOT_APPLICABLE"] as const;
export type TRowStatus = (typeof ROW_STATUS_ORDER)[number];
const SEVERITY_ORDER = ["critical", "high", "medium", "low"];
// The account summary's order: worst first, as the Accounts page sorts by status.
const ACCOUNT_STATUS_ORDER = ["NON_COMPLIANT", "ERROR", "UNKNOWN", "COMPLIANT", "NOT_APPLICABLE"];

type TScope = { organizationId: string; asOf: Date; freshnessHours: number; filters: TReportFilters };

export type TRawComplianceRow = {
  accountId: string;
  accountName: string;
  ouPath: string | null;
  state: string;
  ruleId: TRuleId;
  status: TRowStatus;
  accountStatus: string;
  snapshotAt: Date | null;
  statusReason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
};

export type TRawAccountRow = {
  accountId: string;
  accountName: string;
  email: string;
  ouPath: string | null;
  state: string;
  status: string;
  failingRules: string[];
  snapshotAt: Date | null;
  statusReason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
};

/**
 * Accounts as of `asOf`, with Account's column names so the Accounts page's filter conditions apply
 * unchanged. An account's denormalized status (what the Accounts page shows) is used while its latest
 * snapshot is not after asOf: then it is that snapshot's. Otherwise its last snapshot by asOf is
 * looked up (one index probe). Members: joined by asOf and not left by then.
 */
function membersAsOfSql(scope: TScope): Prisma.Sql {
  const t = scope.asOf;
  const current = Prisma.sql`(acc."isManagement" OR ((ls."id" IS NULL OR ls."takenAt" <= ${t}::timestamptz)
    AND (acc."status" <> 'NOT_APPLICABLE' OR acc."syncedAt" <= ${t}::timestamptz)))`;
  return Prisma.sql`
    SELECT acc."id", acc."organizationId", acc."ouId", acc."ouIdPath", acc."name", acc."email", acc."state", acc."isManagement",
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
    WHERE acc."organizationId" = (SELECT "id" FROM org)
      AND (acc."joinedAt" IS NULL OR acc."joinedAt" <= ${t}::timestamptz)
      AND (acc."leftOrgAt" IS NULL OR acc."leftOrgAt" > ${t}::timestamptz)`;
}

function filteredAccountsSql(scope: TScope): Prisma.Sql {
  const cutoff = freshnessCutoff(scope.asOf, scope.freshnessHours);
  const where = Prisma.join(accountFilterConditions(scope.filters, cutoff), " AND ");
  return Prisma.sql`
    SELECT a.*, ${effectiveStatusSql(cutoff)} AS "effectiveStatus", o."path" AS "ouPath",
           sn."errorCode", sn."errorMessage"
    FROM (${membersAsOfSql(scope)}) a
    LEFT JOIN "Ou" o ON o."id" = a."ouId"
    LEFT JOIN "CredentialSnapshot" sn ON sn."id" = a."snapshotId"
    WHERE ${where}`;
}

/** One row per filtered account and account rule, FAIL first, then severity, OU path, account, rule. */
export function complianceRowsSql(scope: TScope): Prisma.Sql {
  const ruleIds = ACCOUNT_RULES.map((r) => r.id);
  const severities = ACCOUNT_RULES.map((r) => SEVERITY_ORDER.indexOf(r.severity));
  return Prisma.sql`
    WITH ${listQueryCtes(scope.filters, scope.organizationId)}, f AS (${filteredAccountsSql(scope)})
    SELECT x.* FROM (
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

/** One row per filtered account, worst status first. */
export function accountRowsSql(scope: TScope): Prisma.Sql {
  return Prisma.sql`
    WITH ${listQueryCtes(scope.filters, scope.organizationId)}, f AS (${filteredAccountsSql(scope)})
    SELECT f."id" AS "accountId", f."name" AS "accountName", f."email", f."ouPath", f."state",
           f."effectiveStatus" AS "status",
           CASE WHEN f."effectiveStatus" = 'NON_COMPLIANT' THEN f."failingRules" ELSE '{}' END AS "failingRules",
           f."lastScannedAt" AS "snapshotAt", f."statusReason", f."errorCode", f."errorMessage"
    FROM f
    ORDER BY array_position(${ACCOUNT_STATUS_ORDER}::text[], f."effectiveStatus"), f."ouPath" NULLS LAST, f."name", f."id"`;
}
