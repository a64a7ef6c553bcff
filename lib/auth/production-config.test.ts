// Production refuses to start without what makes sign-in safe (lib/config.ts productionProblems),
// and the auth layer never falls back to its development secret there.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@/lib/config";
import { authSecret } from "./session";

const GOOD = {
  NODE_ENV: "production",
  APP_URL: "https://rootwarden.example.com",
  AUTH_SECRET: "a-production-secret-of-at-least-32-characters",
  OIDC_ISSUER: "https://example.okta.com",
  OIDC_CLIENT_ID: "rootwarden",
  OIDC_CLIENT_SECRET: "client-secret",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe("production start-up", () => {
  it("starts with a secret, an HTTPS app URL and an OIDC issuer with client credentials", () => {
    expect(problemsOf(GOOD)).toEqual([]);
  });

  it("refuses without a session secret and says how to make one", () => {
    expect(problemsOf({ ...GOOD, AUTH_SECRET: undefined })).toEqual([
      "AUTH_SECRET: required in production (openssl rand -base64 32)",
    ]);
  });

  it("refuses a short session secret", () => {
    expect(problemsOf({ ...GOOD, AUTH_SECRET: "short" }).join("\n")).toMatch(/AUTH_SECRET: must be at least 32 characters/);
  });

  it("refuses without an OIDC issuer", () => {
    expect(problemsOf({ ...GOOD, OIDC_ISSUER: undefined })).toEqual([
      "OIDC_ISSUER: required in production (your identity provider's issuer URL)",
    ]);
  });

  it("refuses a plain-HTTP or missing app URL", () => {
    expect(problemsOf({ ...GOOD, APP_URL: "http://rootwarden.example.com" })).toEqual([
      "APP_URL: must be an https:// URL in production",
    ]);
    expect(problemsOf({ ...GOOD, APP_URL: undefined })).toEqual(["APP_URL: must be an https:// URL in production"]);
  });

  it("names every problem at once", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "AUTH_SECRET",
      "APP_URL",
      "OIDC_ISSUER",
      "OIDC_CLIENT_ID",
      "OIDC_CLIENT_SECRET",
    ]);
    expect(() => parseConfig({ NODE_ENV: "production" })).toThrow(/See \.env\.example/);
  });

  it("lets the local demo (DEMO_MODE) use plain HTTP on 127.0.0.1, but still needs the secret and the IdP", () => {
    expect(problemsOf({ ...GOOD, APP_URL: "http://127.0.0.1:3000", DEMO_MODE: "true" })).toEqual([]);
    expect(problemsOf({ ...GOOD, APP_URL: "http://127.0.0.1:3000", DEMO_MODE: "true", AUTH_SECRET: undefined, OIDC_ISSUER: undefined }).map((p) => p.split(":")[0])).toEqual([
      "AUTH_SECRET",
      "OIDC_ISSUER",
    ]);
  });

  it("allows DEMO_MODE only when APP_URL is loopback, in any NODE_ENV", () => {
    for (const appUrl of ["http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000"]) {
      expect(problemsOf({ ...GOOD, APP_URL: appUrl, DEMO_MODE: "true", OIDC_ISSUER: "http://127.0.0.1:4000" }), appUrl).toEqual([]);
    }
    for (const appUrl of ["http://rootwarden.example.com", "https://rootwarden.example.com", "http://10.0.0.5:3000", "http://127.0.0.1.evil.example"]) {
      const problems = problemsOf({ ...GOOD, APP_URL: appUrl, DEMO_MODE: "true" });
      expect(problems.join("\n"), appUrl).toMatch(/^DEMO_MODE: only allowed when APP_URL is on this machine/);
    }
    expect(problemsOf({ NODE_ENV: "development", APP_URL: "http://rootwarden.internal:3000", DEMO_MODE: "true" })[0]).toMatch(/^DEMO_MODE/);
  });

  it("refuses a plain-HTTP issuer, and a loopback issuer outside the demo", () => {
    expect(problemsOf({ ...GOOD, OIDC_ISSUER: "http://idp.example.com" })).toEqual([
      "OIDC_ISSUER: must be an https:// URL in production (tokens and keys must not travel in cleartext)",
    ]);
    expect(problemsOf({ ...GOOD, OIDC_ISSUER: "http://127.0.0.1:4000" })[0]).toMatch(/^OIDC_ISSUER: must be an https/);
    expect(problemsOf({ ...GOOD, OIDC_ISSUER: "https://localhost:4000" })).toEqual([
      "OIDC_ISSUER: a local (loopback) identity provider is allowed only in the demo; set your IdP's issuer",
    ]);
    expect(problemsOf({ ...GOOD, APP_URL: "http://127.0.0.1:3000", DEMO_MODE: "true", OIDC_ISSUER: "http://idp.example.com" })[0]).toMatch(
      /^OIDC_ISSUER: must be an https:\/\/ URL unless it is the demo's/,
    );
  });

  it("caps sessions at 24 hours", () => {
    expect(problemsOf({ NODE_ENV: "development", SESSION_MAX_AGE_HOURS: "24" })).toEqual([]);
    expect(problemsOf({ NODE_ENV: "development", SESSION_MAX_AGE_HOURS: "25" })[0]).toMatch(/^SESSION_MAX_AGE_HOURS/);
  });

  it("does not apply in development or tests", () => {
    expect(problemsOf({ NODE_ENV: "development" })).toEqual([]);
    expect(problemsOf({ NODE_ENV: "test" })).toEqual([]);
  });

  it("never hands out the development secret in production", () => {
    expect(() => authSecret({ NODE_ENV: "production", AUTH_SECRET: undefined })).toThrow(/AUTH_SECRET is not set/);
    expect(authSecret({ NODE_ENV: "production", AUTH_SECRET: GOOD.AUTH_SECRET })).toBe(GOOD.AUTH_SECRET);
    expect(authSecret({ NODE_ENV: "development", AUTH_SECRET: undefined }).length).toBeGreaterThanOrEqual(32);
  });

  it("outside production without AUTH_SECRET signs with a random secret, the same for the whole process", () => {
    const secret = authSecret({ NODE_ENV: "development", AUTH_SECRET: undefined });
    expect(authSecret({ NODE_ENV: "test", AUTH_SECRET: undefined })).toBe(secret);
    // The constant that used to sign every development cookie, and any fixed-looking value.
    expect(secret).not.toBe("rootwarden-development-only-secret-never-use-in-production");
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
