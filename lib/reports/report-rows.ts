// The report's row shapes (the columns auditors get, in order) and how a raw database row and the
// organization rules become one. A row travels as its values in column order (TRowValues), built
// and encoded while pg parses it, so no per-row object outlives its row. Pure functions: the same
// input gives the same bytes.
import { evaluateOrganization, getRule, type TRule } from "@/lib/inventory/compliance";
import { RAW_ACCOUNT, RAW_COMPLIANCE, ROW_STATUS_ORDER, type TRawRow, type TRowStatus } from "./report-rows-sql";
import type { TReportOrganization } from "./resolve-report-scope";

export type TComplianceRow = {
  accountId: string;
  accountName: string;
  ouPath: string;
  state: string;
  ruleId: string;
  ruleTitle: string;
  severity: string;
  status: TRowStatus;
  finding: string;
  remediation: string;
  references: string;
  snapshotAt: string | null;
};

export type TAccountSummaryRow = {
  accountId: string;
  accountName: string;
  email: string;
  ouPath: string;
  state: string;
  status: string;
  failingRuleCount: number;
  failingRules: string;
  finding: string;
  snapshotAt: string | null;
};

export const COMPLIANCE_COLUMNS: { key: keyof TComplianceRow; header: string }[] = [
  { key: "accountId", header: "Account ID" },
  { key: "accountName", header: "Account name" },
  { key: "ouPath", header: "OU path" },
  { key: "state", header: "Account state" },
  { key: "ruleId", header: "Rule ID" },
  { key: "ruleTitle", header: "Rule" },
  { key: "severity", header: "Severity" },
  { key: "status", header: "Status" },
  { key: "finding", header: "Finding" },
  { key: "remediation", header: "Remediation" },
  { key: "references", header: "References" },
  { key: "snapshotAt", header: "Snapshot time (UTC)" },
];

export const ACCOUNT_COLUMNS: { key: keyof TAccountSummaryRow; header: string }[] = [
  { key: "accountId", header: "Account ID" },
  { key: "accountName", header: "Account name" },
  { key: "email", header: "Email" },
  { key: "ouPath", header: "OU path" },
  { key: "state", header: "Account state" },
  { key: "status", header: "Status" },
  { key: "failingRuleCount", header: "Failing rules" },
  { key: "failingRules", header: "Failing rule IDs" },
  { key: "finding", header: "Finding" },
  { key: "snapshotAt", header: "Snapshot time (UTC)" },
];

/** A row's values in COMPLIANCE_COLUMNS or ACCOUNT_COLUMNS order. */
export type TRowValues = (string | number | null)[];

/** Where each compliance column sits in a TRowValues. */
export const COMPLIANCE = Object.fromEntries(COMPLIANCE_COLUMNS.map((c, i) => [c.key, i])) as Record<keyof TComplianceRow, number>;

type TContext = { asOf: Date; freshnessHours: number };

// Per rule, what its rows repeat: computed once, not per row.
const RULE_TEXT = new Map<string, { rule: TRule; references: string }>();
function ruleText(id: string): { rule: TRule; references: string } {
  let t = RULE_TEXT.get(id);
  if (!t) {
    const rule = getRule(id) as TRule;
    RULE_TEXT.set(id, (t = { rule, references: rule.references.join("; ") }));
  }
  return t;
}

export function complianceValues(r: TRawRow, ctx: TContext): TRowValues {
  const { rule, references } = ruleText(r[RAW_COMPLIANCE.ruleId]!);
  const status = r[RAW_COMPLIANCE.status]!;
  return [
    r[RAW_COMPLIANCE.accountId],
    r[RAW_COMPLIANCE.accountName],
    r[RAW_COMPLIANCE.ouPath] ?? "",
    r[RAW_COMPLIANCE.state],
    rule.id,
    rule.title,
    rule.severity,
    status,
    status === "FAIL"
      ? rule.finding
      : status === "PASS"
        ? "Passed."
        : accountReason(r[RAW_COMPLIANCE.accountStatus], r[RAW_COMPLIANCE.snapshotAt], r[RAW_COMPLIANCE.statusReason], r[RAW_COMPLIANCE.errorCode], r[RAW_COMPLIANCE.errorMessage], ctx),
    status === "FAIL" ? rule.remediation : "",
    references,
    r[RAW_COMPLIANCE.snapshotAt],
  ];
}

export function accountValues(r: TRawRow, ctx: TContext): TRowValues {
  const status = r[RAW_ACCOUNT.status]!;
  const ids = r[RAW_ACCOUNT.failingRules] ?? "";
  const failing = ids === "" ? [] : ids.split(" ");
  return [
    r[RAW_ACCOUNT.accountId],
    r[RAW_ACCOUNT.accountName],
    r[RAW_ACCOUNT.email],
    r[RAW_ACCOUNT.ouPath] ?? "",
    r[RAW_ACCOUNT.state],
    status,
    failing.length,
    ids,
    status === "NON_COMPLIANT"
      ? failing.map((id) => getRule(id)?.finding ?? id).join("; ")
      : status === "COMPLIANT"
        ? "Every rule passed."
        : accountReason(status, r[RAW_ACCOUNT.snapshotAt], r[RAW_ACCOUNT.statusReason], r[RAW_ACCOUNT.errorCode], r[RAW_ACCOUNT.errorMessage], ctx),
    r[RAW_ACCOUNT.snapshotAt],
  ];
}

/** A row object's values in its columns' order. */
export function rowValues(row: TComplianceRow): TRowValues {
  return COMPLIANCE_COLUMNS.map((c) => row[c.key]);
}

/**
 * The organization rules as rows, from the organization's features as of the report's time (the last
 * reading by then, resolve-report-scope.ts): UNKNOWN when none was taken by then.
 */
export function organizationRows(org: TReportOrganization, asOf: Date): TComplianceRow[] {
  const known = org.featuresReadAt !== null && org.featuresReadAt.getTime() <= asOf.getTime();
  return evaluateOrganization(org)
    .map((res) => {
      const rule = getRule(res.ruleId) as TRule;
      const status: TRowStatus = !known ? "UNKNOWN" : res.result === "PASS" ? "PASS" : res.result === "FAIL" ? "FAIL" : "UNKNOWN";
      return {
        accountId: org.managementAccountId,
        accountName: `Organization ${org.id}`,
        ouPath: "",
        state: "",
        ruleId: rule.id,
        ruleTitle: rule.title,
        severity: rule.severity,
        status,
        finding:
          status === "FAIL"
            ? rule.finding
            : status === "PASS"
              ? "Passed."
              : known
                ? "Rootwarden could not read this feature (e.g. access denied)."
                : "No reading of the organization's features by the as-of time.",
        remediation: status === "FAIL" ? rule.remediation : "",
        references: rule.references.join("; "),
        snapshotAt: known ? iso(org.featuresReadAt) : null,
      };
    })
    .sort((a, b) => statusRank(a.status) - statusRank(b.status));
}

export function statusRank(s: TRowStatus): number {
  return ROW_STATUS_ORDER.indexOf(s);
}

function accountReason(
  accountStatus: string | null,
  snapshotAt: string | null,
  statusReason: string | null,
  errorCode: string | null,
  errorMessage: string | null,
  ctx: TContext,
): string {
  switch (accountStatus) {
    case "NOT_APPLICABLE":
      return statusReason ?? "This account cannot be audited with AssumeRoot.";
    case "ERROR":
      return `The last scan failed${errorCode ? `: ${errorCode}` : ""}${errorMessage ? ` (${errorMessage})` : ""}.`;
    default:
      if (!snapshotAt) return "Not scanned by the as-of time.";
      if (Date.parse(snapshotAt) < ctx.asOf.getTime() - ctx.freshnessHours * 3_600_000) {
        return `The last scan was older than the ${ctx.freshnessHours} h freshness window at the as-of time.`;
      }
      return statusReason ?? "Status unknown.";
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
