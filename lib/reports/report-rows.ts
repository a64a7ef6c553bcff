// The report's row shapes (the columns auditors get, in order) and how a raw database row and the
// organization rules become one. Pure functions: the same input gives the same bytes.
import { evaluateOrganization, getRule, type TOrgFeatures, type TRule } from "@/lib/inventory/compliance";
import { ROW_STATUS_ORDER, type TRawAccountRow, type TRawComplianceRow, type TRowStatus } from "./report-rows-sql";

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

type TContext = { asOf: Date; freshnessHours: number };

export function toComplianceRow(r: TRawComplianceRow, ctx: TContext): TComplianceRow {
  const rule = getRule(r.ruleId) as TRule;
  return {
    accountId: r.accountId,
    accountName: r.accountName,
    ouPath: r.ouPath ?? "",
    state: r.state,
    ruleId: rule.id,
    ruleTitle: rule.title,
    severity: rule.severity,
    status: r.status,
    finding: r.status === "FAIL" ? rule.finding : r.status === "PASS" ? "Passed." : accountReason(r, ctx),
    remediation: r.status === "FAIL" ? rule.remediation : "",
    references: rule.references.join("; "),
    snapshotAt: iso(r.snapshotAt),
  };
}

export function toAccountSummaryRow(r: TRawAccountRow, ctx: TContext): TAccountSummaryRow {
  const failing = r.failingRules ?? [];
  return {
    accountId: r.accountId,
    accountName: r.accountName,
    email: r.email,
    ouPath: r.ouPath ?? "",
    state: r.state,
    status: r.status,
    failingRuleCount: failing.length,
    failingRules: failing.join(" "),
    finding:
      r.status === "NON_COMPLIANT"
        ? failing.map((id) => getRule(id)?.finding ?? id).join("; ")
        : r.status === "COMPLIANT"
          ? "Every rule passed."
          : accountReason({ ...r, accountStatus: r.status }, ctx),
    snapshotAt: iso(r.snapshotAt),
  };
}

/**
 * The organization rules as rows. Their features are only known as last read: as of a time before
 * that read they are UNKNOWN (Rootwarden keeps no history of them).
 */
export function organizationRows(
  org: TOrgFeatures & { id: string; managementAccountId: string; featuresCheckedAt: Date | null },
  asOf: Date,
): TComplianceRow[] {
  const known = org.featuresCheckedAt !== null && org.featuresCheckedAt.getTime() <= asOf.getTime();
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
                : "Not read by the as-of time: Rootwarden keeps only the last reading of the organization's features.",
        remediation: status === "FAIL" ? rule.remediation : "",
        references: rule.references.join("; "),
        snapshotAt: known ? iso(org.featuresCheckedAt) : null,
      };
    })
    .sort((a, b) => statusRank(a.status) - statusRank(b.status));
}

export function statusRank(s: TRowStatus): number {
  return ROW_STATUS_ORDER.indexOf(s);
}

function accountReason(
  r: Pick<TRawComplianceRow, "accountStatus" | "snapshotAt" | "statusReason" | "errorCode" | "errorMessage">,
  ctx: TContext,
): string {
  switch (r.accountStatus) {
    case "NOT_APPLICABLE":
      return r.statusReason ?? "This account cannot be audited with AssumeRoot.";
    case "ERROR":
      return `The last scan failed${r.errorCode ? `: ${r.errorCode}` : ""}${r.errorMessage ? ` (${r.errorMessage})` : ""}.`;
    default:
      if (!r.snapshotAt) return "Not scanned by the as-of time.";
      if (r.snapshotAt.getTime() < ctx.asOf.getTime() - ctx.freshnessHours * 3_600_000) {
        return `The last scan was older than the ${ctx.freshnessHours} h freshness window at the as-of time.`;
      }
      return r.statusReason ?? "Status unknown.";
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
