// Rule-by-rule tests of the compliance catalogue and status functions (pure, no database).
import { describe, expect, it } from "vitest";
import {
  RULES,
  effectiveStatus,
  evaluateAccount,
  evaluateOrganization,
  notScannableReason,
  type TSnapshotFacts,
} from "./compliance";

const clean: TSnapshotFacts = { passwordPresent: false, accessKeys: [], signingCertificates: [], mfaDevices: [] };
const hardware = { type: "hardware" as const };
const virtual = { type: "virtual" as const };

describe("RULES", () => {
  it("has the nine stable ids, each with remediation and references", () => {
    expect(RULES.map((r) => r.id)).toEqual([
      "org.trusted-access",
      "org.root-credentials-management",
      "org.root-sessions",
      "account.no-password",
      "account.no-access-keys",
      "account.no-signing-certificates",
      "account.no-mfa-without-password",
      "account.mfa-while-password",
      "account.hardware-mfa-while-password",
    ]);
    for (const rule of RULES) {
      expect(rule.remediation.length).toBeGreaterThan(20);
      expect(rule.references.length).toBeGreaterThan(0);
      expect(rule.scope).toBe(rule.id.startsWith("org.") ? "org" : "account");
    }
  });

  it("states each failure as a finding, not as the requirement it breaks", () => {
    for (const rule of RULES) {
      expect(rule.finding.length, rule.id).toBeGreaterThan(10);
      expect(rule.finding, rule.id).not.toBe(rule.title);
    }
    expect(RULES.find((r) => r.id === "account.no-password")?.finding).toMatch(/still has a console password/);
  });

  it("cites CIS 2.4/2.5/2.6 and Security Hub IAM.4/IAM.9/IAM.6 on the right rules", () => {
    const refs = (id: string) => RULES.find((r) => r.id === id)!.references.join(" ");
    expect(refs("account.no-access-keys")).toMatch(/2\.4.*IAM\.4/);
    expect(refs("account.mfa-while-password")).toMatch(/2\.5.*IAM\.9/);
    expect(refs("account.hardware-mfa-while-password")).toMatch(/2\.6.*IAM\.6/);
    expect(refs("org.root-credentials-management")).toMatch(/2\.1\.1/);
  });
});

describe("evaluateAccount", () => {
  it("a member with no root credentials at all is COMPLIANT", () => {
    expect(evaluateAccount(clean)).toEqual({ status: "COMPLIANT", failingRules: [] });
  });

  it("account.no-password fails while a password exists (even with hardware MFA)", () => {
    const r = evaluateAccount({ ...clean, passwordPresent: true, mfaDevices: [hardware] });
    expect(r).toEqual({ status: "NON_COMPLIANT", failingRules: ["account.no-password"] });
  });

  it("account.no-access-keys fails for any key, inactive included", () => {
    const r = evaluateAccount({ ...clean, accessKeys: [{ status: "Inactive" }] });
    expect(r.failingRules).toEqual(["account.no-access-keys"]);
  });

  it("account.no-signing-certificates fails for any certificate", () => {
    expect(evaluateAccount({ ...clean, signingCertificates: [{ status: "Active" }] }).failingRules).toEqual([
      "account.no-signing-certificates",
    ]);
  });

  it("account.no-mfa-without-password fails when MFA devices outlive the password", () => {
    expect(evaluateAccount({ ...clean, mfaDevices: [virtual] }).failingRules).toEqual([
      "account.no-mfa-without-password",
    ]);
  });

  it("account.mfa-while-password and hardware rule both fail with a password and no MFA", () => {
    expect(evaluateAccount({ ...clean, passwordPresent: true }).failingRules).toEqual([
      "account.no-password",
      "account.mfa-while-password",
      "account.hardware-mfa-while-password",
    ]);
  });

  it("account.hardware-mfa-while-password fails with only virtual MFA", () => {
    expect(evaluateAccount({ ...clean, passwordPresent: true, mfaDevices: [virtual] }).failingRules).toEqual([
      "account.no-password",
      "account.hardware-mfa-while-password",
    ]);
  });
});

describe("notScannableReason", () => {
  it("management, suspended and closed accounts are not scannable", () => {
    expect(notScannableReason({ state: "ACTIVE", isManagement: true })).toMatch(/Management account/);
    expect(notScannableReason({ state: "SUSPENDED", isManagement: false })).toMatch(/SUSPENDED/);
    expect(notScannableReason({ state: "CLOSED", isManagement: false })).toMatch(/CLOSED/);
    expect(notScannableReason({ state: "ACTIVE", isManagement: false })).toBeNull();
  });
});

describe("effectiveStatus", () => {
  const now = new Date("2026-11-21T12:00:00Z");
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

  it("UNKNOWN when never scanned", () => {
    const r = effectiveStatus({ status: "UNKNOWN", failingRules: [], lastScannedAt: null }, now, 48);
    expect(r).toEqual({ status: "UNKNOWN", failingRules: [], reason: "Never scanned." });
  });

  it("keeps a fresh stored status and its failing rules", () => {
    const r = effectiveStatus(
      { status: "NON_COMPLIANT", failingRules: ["account.no-password"], lastScannedAt: hoursAgo(47) },
      now,
      48,
    );
    expect(r.status).toBe("NON_COMPLIANT");
    expect(r.failingRules).toEqual(["account.no-password"]);
  });

  it("UNKNOWN once the last scan is older than the freshness window", () => {
    const r = effectiveStatus({ status: "COMPLIANT", failingRules: [], lastScannedAt: hoursAgo(49) }, now, 48);
    expect(r.status).toBe("UNKNOWN");
    expect(r.reason).toMatch(/49 h ago/);
  });

  it("ERROR carries the reason of the failed scan", () => {
    const r = effectiveStatus(
      { status: "ERROR", failingRules: [], statusReason: "AccessDenied: no", lastScannedAt: hoursAgo(1) },
      now,
      48,
    );
    expect(r).toEqual({ status: "ERROR", failingRules: [], reason: "AccessDenied: no" });
  });

  it("NOT_APPLICABLE regardless of age", () => {
    const r = effectiveStatus(
      { status: "NOT_APPLICABLE", failingRules: [], statusReason: "Management account", lastScannedAt: null },
      now,
      48,
    );
    expect(r.status).toBe("NOT_APPLICABLE");
  });
});

describe("evaluateOrganization", () => {
  it("maps true/false/null to PASS/FAIL/UNKNOWN", () => {
    expect(evaluateOrganization({ trustedAccessIam: true, rootCredentialsManagement: false, rootSessions: null })).toEqual([
      { ruleId: "org.trusted-access", result: "PASS" },
      { ruleId: "org.root-credentials-management", result: "FAIL" },
      { ruleId: "org.root-sessions", result: "UNKNOWN" },
    ]);
  });
});
