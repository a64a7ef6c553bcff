// next-auth options built from configuration: the generic OIDC provider, cookies, session length,
// ROLE_GROUPS validation and the redirect guard.
import { describe, expect, it } from "vitest";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { buildAuthOptions, oidcCallbackUrl } from "./options";
import { RoleGroupsError } from "./role-mapping";
import { testConfig } from "./test-helpers";

const OIDC = { OIDC_ISSUER: "https://login.example.com/realms/corp/", OIDC_CLIENT_ID: "rw", OIDC_CLIENT_SECRET: "s3cret" };

describe("buildAuthOptions", () => {
  it("configures one OIDC provider with discovery, PKCE, state and the configured scopes", () => {
    const options = buildAuthOptions(testConfig({ ...OIDC, OIDC_SCOPES: "openid email profile", OIDC_PROVIDER_NAME: "Okta" }));
    expect(options.providers).toHaveLength(1);
    const provider = options.providers[0] as OAuthConfig<Record<string, unknown>>;
    expect(provider).toMatchObject({
      id: "oidc",
      name: "Okta",
      type: "oauth",
      wellKnown: "https://login.example.com/realms/corp/.well-known/openid-configuration",
      clientId: "rw",
      clientSecret: "s3cret",
      checks: ["pkce", "state"],
      idToken: true,
      authorization: { params: { scope: "openid email profile" } },
    });
    expect(options.session).toEqual({ strategy: "jwt", maxAge: 8 * 3600 });
    expect(options.pages).toEqual({ signIn: "/signin", error: "/signin" });
  });

  it("has no provider until the IdP is configured", () => {
    expect(buildAuthOptions(testConfig()).providers).toEqual([]);
    expect(buildAuthOptions(testConfig({ OIDC_ISSUER: OIDC.OIDC_ISSUER })).providers).toEqual([]);
  });

  it("takes the session length from SESSION_MAX_AGE_HOURS", () => {
    const options = buildAuthOptions(testConfig({ SESSION_MAX_AGE_HOURS: "2" }));
    expect(options.session?.maxAge).toBe(7200);
    expect(options.jwt?.maxAge).toBe(7200);
  });

  it("uses Secure cookies exactly when the app URL is HTTPS", () => {
    expect(buildAuthOptions(testConfig({ APP_URL: "https://rw.example.com" })).useSecureCookies).toBe(true);
    expect(buildAuthOptions(testConfig({ APP_URL: "http://127.0.0.1:3000" })).useSecureCookies).toBe(false);
  });

  it("refuses an invalid ROLE_GROUPS", () => {
    // parseConfig already refuses it at start-up; the options builder checks again on its own.
    expect(() => testConfig({ ROLE_GROUPS: "root:everyone" })).toThrow(/ROLE_GROUPS/);
    expect(() => buildAuthOptions({ ...testConfig(), ROLE_GROUPS: "root:everyone" })).toThrow(RoleGroupsError);
  });

  it("derives the redirect URI to register with the IdP", () => {
    expect(oidcCallbackUrl(testConfig({ APP_URL: "https://rw.example.com/" }))).toBe("https://rw.example.com/api/auth/callback/oidc");
  });

  it("only redirects back into the app after sign-in", async () => {
    const redirect = buildAuthOptions(testConfig()).callbacks?.redirect;
    if (!redirect) throw new Error("redirect callback missing");
    const baseUrl = "http://127.0.0.1:3000";
    expect(await redirect({ url: "/accounts?status=NON_COMPLIANT", baseUrl })).toBe(`${baseUrl}/accounts?status=NON_COMPLIANT`);
    expect(await redirect({ url: `${baseUrl}/overview`, baseUrl })).toBe(`${baseUrl}/overview`);
    expect(await redirect({ url: "https://evil.example/phish", baseUrl })).toBe(`${baseUrl}/overview`);
    expect(await redirect({ url: "//evil.example/phish", baseUrl })).toBe(`${baseUrl}/overview`);
    // A tab is stripped by browsers: "/\t/evil.example" would be read as "//evil.example".
    expect(await redirect({ url: "/\t/evil.example", baseUrl })).toBe(`${baseUrl}/overview`);
    expect(await redirect({ url: "/\\evil.example", baseUrl })).toBe(`${baseUrl}/overview`);
  });
});
