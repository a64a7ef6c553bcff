// Compliance rules for centralized root access: one catalogue (ids, severity, remediation,
// references) and pure functions that turn a credential snapshot or org features into a status.

export type TComplianceStatus = "COMPLIANT" | "NON_COMPLIANT" | "UNKNOWN" | "ERROR" | "NOT_APPLICABLE";
export const COMPLIANCE_STATUSES: readonly TComplianceStatus[] = [
  "COMPLIANT",
  "NON_COMPLIANT",
  "UNKNOWN",
  "ERROR",
  "NOT_APPLICABLE",
];

export type TSeverity = "critical" | "high" | "medium" | "low";

export type TRuleId =
  | "org.trusted-access"
  | "org.root-credentials-management"
  | "org.root-sessions"
  | "account.no-password"
  | "account.no-access-keys"
  | "account.no-signing-certificates"
  | "account.no-mfa-without-password"
  | "account.mfa-while-password"
  | "account.hardware-mfa-while-password";

export type TRule = {
  id: TRuleId;
  scope: "org" | "account";
  /** The requirement, e.g. for filters and rule lists. */
  title: string;
  /** What is wrong when the rule fails, shown beside a failing account or organization. */
  finding: string;
  severity: TSeverity;
  remediation: string;
  references: string[];
};

export const RULES: readonly TRule[] = [
  {
    id: "org.trusted-access",
    scope: "org",
    title: "IAM has trusted access to AWS Organizations",
    finding: "IAM has no trusted access to AWS Organizations",
    severity: "high",
    remediation:
      "From the management account, enable trusted access for iam.amazonaws.com (Organizations console > Services > IAM, or `aws organizations enable-aws-service-access --service-principal iam.amazonaws.com`).",
    references: ["CIS AWS Foundations v7 2.1.1", "Prowler iam_root_credentials_management_enabled"],
  },
  {
    id: "org.root-credentials-management",
    scope: "org",
    title: "Root credentials management is enabled for the organization",
    finding: "Root credentials management is not enabled",
    severity: "high",
    remediation:
      "In the IAM console (Root access management) of the management account, enable Root credentials management (`aws iam enable-organizations-root-credentials-management`).",
    references: ["CIS AWS Foundations v7 2.1.1", "Prowler iam_root_credentials_management_enabled"],
  },
  {
    id: "org.root-sessions",
    scope: "org",
    title: "Privileged root actions in member accounts (root sessions) are enabled",
    finding: "Root sessions (privileged root actions) are not enabled",
    severity: "medium",
    remediation:
      "In the IAM console (Root access management) of the management account, enable Privileged root actions in member accounts (`aws iam enable-organizations-root-sessions`). Rootwarden needs it to audit accounts.",
    references: ["CIS AWS Foundations v7 2.1.1"],
  },
  {
    id: "account.no-password",
    scope: "account",
    title: "Root user has no password",
    finding: "The root user still has a console password",
    severity: "high",
    remediation:
      "Delete the root password with the IAMDeleteRootUserCredentials task (Rootwarden: request 'Delete root credentials'). The account can still be recovered later with 'Allow password recovery'.",
    references: ["CIS AWS Foundations v7 2.1.1", "CIS AWS Foundations v7 2.7"],
  },
  {
    id: "account.no-access-keys",
    scope: "account",
    title: "Root user has no access keys",
    finding: "The root user still has access keys",
    severity: "critical",
    remediation:
      "Delete every root access key with the IAMDeleteRootUserCredentials task; first check the key's last use so nothing still depends on it.",
    references: ["CIS AWS Foundations v7 2.4", "Security Hub IAM.4", "Prowler iam_no_root_access_key"],
  },
  {
    id: "account.no-signing-certificates",
    scope: "account",
    title: "Root user has no X.509 signing certificates",
    finding: "The root user still has X.509 signing certificates",
    severity: "high",
    remediation: "Delete every root signing certificate with the IAMDeleteRootUserCredentials task.",
    references: ["CIS AWS Foundations v7 2.1.1"],
  },
  {
    id: "account.no-mfa-without-password",
    scope: "account",
    title: "No MFA devices remain once the root password is gone",
    finding: "MFA devices remain on a root user without a password",
    severity: "low",
    remediation:
      "Deactivate (and for virtual devices, delete) the leftover root MFA devices with the IAMDeleteRootUserCredentials task; they serve no purpose without a password.",
    references: ["CIS AWS Foundations v7 2.1.1"],
  },
  {
    id: "account.mfa-while-password",
    scope: "account",
    title: "Root user has MFA while a password exists",
    finding: "The root user has a password but no MFA",
    severity: "critical",
    remediation:
      "Preferably delete the root password. Otherwise sign in as root and enable MFA (hardware preferred) until the password is removed.",
    references: ["CIS AWS Foundations v7 2.5", "Security Hub IAM.9", "Prowler iam_root_mfa_enabled"],
  },
  {
    id: "account.hardware-mfa-while-password",
    scope: "account",
    title: "Root user has hardware MFA while a password exists",
    finding: "The root user has a password without hardware MFA",
    severity: "medium",
    remediation:
      "Preferably delete the root password. Otherwise register a hardware MFA device (FIDO security key or hardware TOTP token) for the root user.",
    references: ["CIS AWS Foundations v7 2.6", "Security Hub IAM.6", "Prowler iam_root_hardware_mfa_enabled"],
  },
];

const RULES_BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function getRule(id: string): TRule | undefined {
  return RULES_BY_ID.get(id as TRuleId);
}

export function isRuleId(id: string): id is TRuleId {
  return RULES_BY_ID.has(id as TRuleId);
}

/** What one audit found; the shape stored in CredentialSnapshot. */
export type TSnapshotFacts = {
  passwordPresent: boolean;
  accessKeys: readonly { status?: string | null }[];
  signingCertificates: readonly { status?: string | null }[];
  mfaDevices: readonly { type: "virtual" | "hardware" }[];
};

/** Rules that fail for one account audit; any failure means NON_COMPLIANT. */
export function evaluateAccount(facts: TSnapshotFacts): {
  status: "COMPLIANT" | "NON_COMPLIANT";
  failingRules: TRuleId[];
} {
  const failing: TRuleId[] = [];
  const hasPassword = facts.passwordPresent;
  const hasMfa = facts.mfaDevices.length > 0;
  if (hasPassword) failing.push("account.no-password");
  // Inactive keys and certificates count too: they can be re-activated by anyone holding root.
  if (facts.accessKeys.length > 0) failing.push("account.no-access-keys");
  if (facts.signingCertificates.length > 0) failing.push("account.no-signing-certificates");
  if (!hasPassword && hasMfa) failing.push("account.no-mfa-without-password");
  if (hasPassword && !hasMfa) failing.push("account.mfa-while-password");
  if (hasPassword && !facts.mfaDevices.some((d) => d.type === "hardware")) {
    failing.push("account.hardware-mfa-while-password");
  }
  return { status: failing.length === 0 ? "COMPLIANT" : "NON_COMPLIANT", failingRules: failing };
}

/**
 * The status reason of an account that has become scannable again (it was not, e.g. SUSPENDED)
 * and has not been scanned since: its older snapshots no longer count.
 */
export const BECAME_SCANNABLE_REASON = "Not scanned since it became scannable.";

/**
 * Why an account cannot be audited with AssumeRoot, or null when it can (management account, or
 * state not ACTIVE; lib/reports/report-rows-sql.ts applies the same test to the account's history).
 */
export function notScannableReason(account: { state: string; isManagement: boolean }): string | null {
  if (account.isManagement) {
    return "Management account: AssumeRoot cannot target it; secure its root user directly (MFA, no access keys).";
  }
  if (account.state !== "ACTIVE") return `Account state is ${account.state}; only ACTIVE accounts can be audited.`;
  return null;
}

export type TEffectiveStatus = { status: TComplianceStatus; failingRules: string[]; reason: string | null };

/**
 * The status a reader should see now: the stored (denormalized) status, except that a scan older
 * than the freshness window no longer proves anything and reads as UNKNOWN.
 */
export function effectiveStatus(
  account: {
    status: string;
    failingRules: readonly string[];
    statusReason?: string | null;
    lastScannedAt: Date | null;
  },
  now: Date,
  freshnessHours: number,
): TEffectiveStatus {
  if (account.status === "NOT_APPLICABLE") {
    return { status: "NOT_APPLICABLE", failingRules: [], reason: account.statusReason ?? null };
  }
  if (!account.lastScannedAt) return { status: "UNKNOWN", failingRules: [], reason: "Never scanned." };
  if (account.lastScannedAt.getTime() < staleBefore(now, freshnessHours).getTime()) {
    const hours = Math.floor((now.getTime() - account.lastScannedAt.getTime()) / 3_600_000);
    return {
      status: "UNKNOWN",
      failingRules: [],
      reason: `Last scan was ${hours} h ago, older than the ${freshnessHours} h freshness window.`,
    };
  }
  const status = toComplianceStatus(account.status);
  if (status === "ERROR") return { status, failingRules: [], reason: account.statusReason ?? "The last scan failed." };
  if (status === "NON_COMPLIANT") return { status, failingRules: [...account.failingRules], reason: null };
  return { status, failingRules: [], reason: status === "UNKNOWN" ? (account.statusReason ?? null) : null };
}

/** Scans before this instant are stale; read-side SQL filters use the same cut-off. */
export function staleBefore(now: Date, freshnessHours: number): Date {
  return new Date(now.getTime() - freshnessHours * 3_600_000);
}

export type TOrgFeatures = {
  trustedAccessIam: boolean | null;
  rootCredentialsManagement: boolean | null;
  rootSessions: boolean | null;
};

export type TOrgRuleResult = { ruleId: TRuleId; result: "PASS" | "FAIL" | "UNKNOWN" };

/** Organization rules; UNKNOWN when Rootwarden could not read the feature (e.g. access denied). */
export function evaluateOrganization(org: TOrgFeatures): TOrgRuleResult[] {
  const result = (v: boolean | null) => (v === null ? "UNKNOWN" : v ? "PASS" : "FAIL");
  return [
    { ruleId: "org.trusted-access", result: result(org.trustedAccessIam) },
    { ruleId: "org.root-credentials-management", result: result(org.rootCredentialsManagement) },
    { ruleId: "org.root-sessions", result: result(org.rootSessions) },
  ];
}

function toComplianceStatus(stored: string): TComplianceStatus {
  return (COMPLIANCE_STATUSES as readonly string[]).includes(stored) ? (stored as TComplianceStatus) : "UNKNOWN";
}
