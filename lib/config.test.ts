// Configuration parsing: defaults, and errors that name the variable and say what to fix.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("parseConfig", () => {
  it("fills defaults for an empty development environment", () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.SESSION_MAX_AGE_HOURS).toBe(8);
    expect(config.REAUTH_MAX_AGE_MINUTES).toBe(15);
    expect(config.COMPLIANCE_FRESHNESS_HOURS).toBe(48);
    expect(config.SCAN_INTERVAL_HOURS).toBe(24);
    expect(config.WORKER_IN_WEB).toBe(true);
    expect([config.SCAN_LIMIT_WINDOW_MINUTES, config.SCAN_LIMIT_SCANS, config.SCAN_LIMIT_ROOT_SESSIONS]).toEqual([60, 20, 10_000]);
    expect(config.OIDC_GROUPS_CLAIM).toBe("groups");
  });

  it("names each bad variable and what is expected", () => {
    const problems = problemsOf({ PORT: "eighty", DATABASE_URL: "mysql://x", SCAN_CONCURRENCY: "0", WORKER_IN_WEB: "maybe" });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: must be a whole number from 1 to 65535, got "eighty"/),
        expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\//),
        expect.stringMatching(/^SCAN_CONCURRENCY: must be a whole number from 1 to 512/),
        expect.stringMatching(/^WORKER_IN_WEB: must be true or false/),
      ]),
    );
  });

  it("takes REAUTH_MAX_AGE_MINUTES from 1 to 1440 and names a bad value", () => {
    expect(parseConfig({ REAUTH_MAX_AGE_MINUTES: "5" }).REAUTH_MAX_AGE_MINUTES).toBe(5);
    for (const bad of ["0", "1441", "ten", "2.5"]) {
      expect(problemsOf({ REAUTH_MAX_AGE_MINUTES: bad })).toEqual([`REAUTH_MAX_AGE_MINUTES: must be a whole number from 1 to 1440, got "${bad}"`]);
    }
  });

  it("rejects a short session secret and a malformed role ARN", () => {
    const problems = problemsOf({ AUTH_SECRET: "short", AWS_ROLE_ARN: "admin" });
    expect(problems.some((p) => p.startsWith("AUTH_SECRET: must be at least 32 characters"))).toBe(true);
    expect(problems.some((p) => p.startsWith("AWS_ROLE_ARN: must be an IAM role ARN"))).toBe(true);
  });

  it("refuses a ROLE_GROUPS it cannot read, naming the variable", () => {
    const problems = problemsOf({ ROLE_GROUPS: "admin:platform-admins,superuser:everyone" });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith("ROLE_GROUPS: "))).toBe(true);
    expect(problems.join("\n")).toContain("superuser");
  });

  it("refuses production without a secret, an https app URL and an issuer, saying what to set", () => {
    const problems = problemsOf({ NODE_ENV: "production", APP_URL: "http://rootwarden.example.com" });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AUTH_SECRET: required in production/),
        expect.stringMatching(/^APP_URL: must be an https:\/\/ URL in production/),
        expect.stringMatching(/^OIDC_ISSUER: required in production/),
      ]),
    );
  });

  it("accepts a complete production configuration", () => {
    const config = parseConfig({
      NODE_ENV: "production",
      APP_URL: "https://rootwarden.example.com",
      AUTH_SECRET: "x".repeat(40),
      OIDC_ISSUER: "https://example.okta.com",
      OIDC_CLIENT_ID: "rootwarden",
      OIDC_CLIENT_SECRET: "secret",
      AUDIT_SIGNING_KEY: "/etc/rootwarden/audit-key.pem",
    });
    expect(config.APP_URL).toBe("https://rootwarden.example.com");
  });
});
