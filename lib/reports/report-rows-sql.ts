// The report's rows as SQL: each member account of the organization as of a time (its last
// snapshot by then, the freshness window applied at that time), filtered exactly as the Accounts
// page filters, and expanded to one row per account rule. Read through a cursor (stream-query-rows),
// each row an array of text values in the order RAW_COMPLIANCE / RAW_ACCOUNT name.
import { Prisma } from "@/lib/db/generated/client";
import { BECAME_SCANNABLE_REASON, RULES, notScannableReason } from "@/lib/inventory/compliance";
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

// notScannableReason's texts as SQL over a history row's state and isManagement, built from the
// function itself so the two cannot differ.
const STATE_MARK = "{state}";
const MANAGEMENT_REASON = notScannableReason({ state: "ACTIVE", isManagement: true })!;
const [STATE_REASON_BEFORE, STATE_REASON_AFTER] = notScannableReason({ state: STATE_MARK, isManagement: false })!.split(STATE_MARK);

/**
 * Accounts as of `asOf`, with Account's column names so the Accounts page's filter conditions apply
 * unchanged, every value from history (nothing a later sync or scan rewrites):
 * - OU (ouId, ouIdPath, and the path of names as "ouPathAt"), name, email, state and whether it is
 *   the management account: its AccountPlacement row that held at asOf; before an account's first
 *   row (history kept since the placements migration) the earliest row, and without any row the
 *   account's current values.
 * - Status: NOT_APPLICABLE when that row says it could not be audited (management account, state not
 *   ACTIVE; the reason as notScannableReason words it). Otherwise its last snapshot by asOf (one index
 *   probe), unless the account became scannable again after that snapshot (a row by asOf that could
 *   not be audited ended after it): then UNKNOWN, as the sync leaves it until the next scan. No
 *   snapshot: UNKNOWN. lastScannedAt is that snapshot's time in every case, as on the account.
 * Members: joined by asOf, not left by then, and not between two placements (left and rejoined).
 */
function membersAsOfSql(scope: TScope): Prisma.Sql {
  const t = scope.asOf;
  const held = (column: string) => {
    const c = Prisma.raw(`"${column}"`);
    return Prisma.sql`CASE WHEN pl.found THEN pl.${c} WHEN pf.found THEN pf.${c} ELSE acc.${c} END`;
  };
  return Prisma.sql`
    SELECT acc."id", acc."organizationId", v."ouId", v."ouIdPath", v."ouPathAt", v."name", v."email", v."state", v."isManagement",
           CASE WHEN v.na THEN 'NOT_APPLICABLE' WHEN h."id" IS NULL OR sc.reset THEN 'UNKNOWN' ELSE h."status" END AS "status",
           CASE WHEN v.na OR h."id" IS NULL OR sc.reset THEN '{}'::text[] ELSE h."failingRules" END AS "failingRules",
           h."takenAt" AS "lastScannedAt", h."errorCode", h."errorMessage",
           CASE WHEN v.na THEN (CASE WHEN v."isManagement" THEN ${MANAGEMENT_REASON}::text
                                     ELSE ${STATE_REASON_BEFORE}::text || v."state" || ${STATE_REASON_AFTER}::text END)
                WHEN sc.reset THEN ${BECAME_SCANNABLE_REASON}::text
                WHEN h."status" = 'ERROR' THEN h."errorMessage" END AS "statusReason"
    FROM "Account" acc
    LEFT JOIN LATERAL (
      SELECT true AS found, p."ouId", p."ouIdPath", p."ouPath", p."name", p."email", p."state", p."isManagement",
             p."validFrom", p."validTo"
      FROM "AccountPlacement" p
      WHERE p."accountId" = acc."id" AND p."validFrom" <= ${t}::timestamptz
      ORDER BY p."validFrom" DESC LIMIT 1
    ) pl ON true
    LEFT JOIN LATERAL (
      SELECT true AS found, p."ouId", p."ouIdPath", p."ouPath", p."name", p."email", p."state", p."isManagement", p."validFrom"
      FROM "AccountPlacement" p
      WHERE pl.found IS NULL AND p."accountId" = acc."id"
      ORDER BY p."validFrom" ASC LIMIT 1
    ) pf ON true
    CROSS JOIN LATERAL (
      SELECT ${held("ouId")} AS "ouId", ${held("ouIdPath")} AS "ouIdPath",
             CASE WHEN pl.found THEN pl."ouPath" WHEN pf.found THEN pf."ouPath" END AS "ouPathAt",
             ${held("name")} AS "name", ${held("email")} AS "email", ${held("state")} AS "state",
             ${held("isManagement")} AS "isManagement",
             (${held("isManagement")} OR ${held("state")} <> 'ACTIVE') AS na,
             CASE WHEN pl.found THEN pl."validFrom" WHEN pf.found THEN pf."validFrom" END AS "heldFrom"
    ) v
    LEFT JOIN LATERAL (
      SELECT s."id", s."status", s."failingRules", s."takenAt", s."errorCode", s."errorMessage" FROM "CredentialSnapshot" s
      WHERE s."accountId" = acc."id" AND s."takenAt" <= ${t}::timestamptz
      ORDER BY s."takenAt" DESC LIMIT 1
    ) h ON true
    -- Only probed when the snapshot is older than the row that held (a row that could not be audited
    -- and ended after the snapshot must have ended by then).
    LEFT JOIN LATERAL (
      SELECT true AS reset FROM "AccountPlacement" p
      WHERE NOT v.na AND h."takenAt" < v."heldFrom" AND p."accountId" = acc."id" AND p."validFrom" <= ${t}::timestamptz
        AND (p."isManagement" OR p."state" <> 'ACTIVE') AND p."validTo" > h."takenAt"
      LIMIT 1
    ) sc ON true
    WHERE acc."organizationId" = (SELECT "id" FROM org)
      AND (acc."joinedAt" IS NULL OR acc."joinedAt" <= ${t}::timestamptz)
      AND (acc."leftOrgAt" IS NULL OR acc."leftOrgAt" > ${t}::timestamptz)
      AND (pl.found IS NULL OR pl."validTo" IS NULL OR pl."validTo" > ${t}::timestamptz)`;
}

function filteredAccountsSql(scope: TScope): Prisma.Sql {
  const cutoff = freshnessCutoff(scope.asOf, scope.freshnessHours);
  const where = Prisma.join(accountFilterConditions(scope.filters, cutoff, { ouSubtree: "as-placed" }), " AND ");
  return Prisma.sql`
    SELECT a.*, ${effectiveStatusSql(cutoff)} AS "effectiveStatus", COALESCE(a."ouPathAt", o."path") AS "ouPath"
    FROM (${membersAsOfSql(scope)}) a
    LEFT JOIN "Ou" o ON o."id" = a."ouId"
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
