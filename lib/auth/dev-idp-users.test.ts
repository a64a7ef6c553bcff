// The sign-in page's demo-user list: read from a running dev IdP and mapped to roles with the app's
// own ROLE_GROUPS; never requested from a non-loopback issuer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ROLE_GROUPS, startIdp, type TIdp } from "@/sim/idp/server";
import { fetchDevIdpUsers, isDevIdpIssuer } from "./dev-idp-users";

let idp: TIdp;
beforeAll(async () => {
  idp = await startIdp({ port: 0, clients: [{ clientId: "c", clientSecret: "secret-secret", redirectUris: ["http://127.0.0.1:1/cb"] }] });
});
afterAll(async () => {
  await idp.close();
});

describe("fetchDevIdpUsers", () => {
  it("lists the demo users with the roles ROLE_GROUPS gives them", async () => {
    const list = await fetchDevIdpUsers({ OIDC_ISSUER: idp.issuer, ROLE_GROUPS: DEMO_ROLE_GROUPS });
    expect(list?.password).toBe("demo");
    expect(Object.fromEntries((list?.users ?? []).map((u) => [u.username, u.roles]))).toEqual({
      viewer: ["viewer"],
      auditor: ["auditor"],
      operator: ["operator"],
      approver: ["approver"],
      admin: ["admin"],
      opsapprover: ["operator", "approver"],
      norole: [],
    });
  });

  it("never asks a real IdP", async () => {
    let called = false;
    const spy: typeof fetch = async () => {
      called = true;
      return new Response("{}");
    };
    expect(await fetchDevIdpUsers({ OIDC_ISSUER: "https://example.okta.com", ROLE_GROUPS: "" }, spy)).toBeNull();
    expect(called).toBe(false);
    expect(isDevIdpIssuer("https://127.0.0.1.example.com")).toBe(false);
    expect(isDevIdpIssuer("http://localhost:4000")).toBe(true);
  });

  it("shows no list when the local IdP is down", async () => {
    expect(await fetchDevIdpUsers({ OIDC_ISSUER: "http://127.0.0.1:9", ROLE_GROUPS: "" })).toBeNull();
  });
});
