// The dev IdP as a relying party sees it: discovery, PKCE enforcement, the login form and a full
// authorization-code flow driven with fetch, ending in an ID token that carries the groups.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ROLE_GROUPS, DEMO_USERS, startIdp, type TIdp } from "./server";

const CLIENT = { clientId: "test-app", clientSecret: "test-app-secret", redirectUris: ["http://127.0.0.1:9/cb"] };
let idp: TIdp;

beforeAll(async () => {
  idp = await startIdp({ port: 0, clients: [CLIENT] });
});
afterAll(async () => {
  await idp.close();
});

class CookieJar {
  private cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

function base64url(buf: Buffer): string {
  return buf.toString("base64url");
}

async function get(url: string, jar: CookieJar): Promise<Response> {
  const res = await fetch(url, { redirect: "manual", headers: { cookie: jar.header() } });
  jar.store(res);
  return res;
}

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(`${idp.issuer}/auth`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Runs the browser half of the flow for one user; returns the redirect back to the app. */
async function signInAs(
  username: string,
  password: string,
  challenge: string,
  state: string,
  extra: { params?: Record<string, string>; fields?: Record<string, string> } = {},
): Promise<URL> {
  const jar = new CookieJar();
  const start = await get(
    authorizeUrl({
      client_id: CLIENT.clientId,
      redirect_uri: CLIENT.redirectUris[0],
      response_type: "code",
      scope: "openid email profile groups",
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...extra.params,
    }),
    jar,
  );
  expect(start.status).toBe(303);
  const interaction = new URL(start.headers.get("location") ?? "", idp.issuer);
  expect(interaction.pathname).toMatch(/^\/interaction\//);

  const form = await get(interaction.toString(), jar);
  expect(form.status).toBe(200);
  const html = await form.text();
  for (const u of DEMO_USERS) expect(html).toContain(u.username);

  const login = await fetch(`${interaction}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password, ...extra.fields }),
  });
  jar.store(login);
  if (login.status === 401 || login.status === 400) throw new Error(`login refused: ${await login.text()}`);
  expect(login.status).toBe(303);
  const resume = await get(new URL(login.headers.get("location") ?? "", idp.issuer).toString(), jar);
  expect(resume.status).toBe(303);
  return new URL(resume.headers.get("location") ?? "");
}

async function exchange(code: string, verifier: string): Promise<Response> {
  return fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: CLIENT.redirectUris[0],
    }),
  });
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash("sha256").update(verifier).digest()) };
}

describe("dev IdP", () => {
  it("publishes an OpenID discovery document with PKCE and a groups claim", async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(idp.issuer);
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile", "groups"]));
    expect(doc.claims_supported).toEqual(expect.arrayContaining(["groups", "email", "name"]));
  });

  it("refuses an authorization request without PKCE", async () => {
    const res = await get(
      authorizeUrl({ client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0], response_type: "code", scope: "openid", state: "s" }),
      new CookieJar(),
    );
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get("location") ?? "");
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("runs a full code flow and issues an ID token with the user's groups", async () => {
    const { verifier, challenge } = pkce();
    const back = await signInAs("opsapprover", "demo", challenge, "state-123");
    expect(`${back.origin}${back.pathname}`).toBe(CLIENT.redirectUris[0]);
    expect(back.searchParams.get("state")).toBe("state-123");
    const code = back.searchParams.get("code");
    expect(code).toBeTruthy();

    const wrongVerifier = await exchange(code ?? "", pkce().verifier);
    expect(wrongVerifier.status).toBe(400);

    // A code is single-use, and the failed attempt above consumed it: sign in again.
    const second = pkce();
    const again = await signInAs("opsapprover", "demo", second.challenge, "state-456");
    const tokens = (await (await exchange(again.searchParams.get("code") ?? "", second.verifier)).json()) as Record<string, string>;
    expect(tokens.id_token).toBeTruthy();
    const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
    expect(claims.iss).toBe(idp.issuer);
    expect(claims.aud).toBe(CLIENT.clientId);
    expect(claims.sub).toBe("demo-opsapprover");
    expect(claims.email).toBe("opsapprover@rootwarden.example");
    expect(claims.groups).toEqual(["all-staff", "rootwarden-operators", "rootwarden-approvers"]);
    expect(verifier).not.toBe(second.verifier);
  });

  it("puts auth_time in every ID token, back-dated when the testing field asks", async () => {
    const idTokenClaims = async (fields?: Record<string, string>): Promise<Record<string, unknown>> => {
      const { verifier, challenge } = pkce();
      const back = await signInAs("approver", "demo", challenge, "s", { fields });
      const tokens = (await (await exchange(back.searchParams.get("code") ?? "", verifier)).json()) as Record<string, string>;
      return JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
    };
    const now = Math.floor(Date.now() / 1000);
    const plain = await idTokenClaims();
    expect(plain.auth_time).toBeGreaterThanOrEqual(now - 1);
    expect(plain.auth_time).toBeLessThanOrEqual(now + 5);
    const older = await idTokenClaims({ auth_age_minutes: "30" });
    expect(Number(older.auth_time)).toBeGreaterThanOrEqual(now - 30 * 60 - 1);
    expect(Number(older.auth_time)).toBeLessThanOrEqual(now - 30 * 60 + 5);
    await expect(idTokenClaims({ auth_age_minutes: "-5" })).rejects.toThrow(/whole minutes from 0 to 1440/);
  });

  it("asks for the password again when max_age=0 although the IdP session is fresh", async () => {
    const jar = new CookieJar();
    const params = {
      client_id: CLIENT.clientId,
      redirect_uri: CLIENT.redirectUris[0],
      response_type: "code",
      scope: "openid",
      state: "s",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    };
    const first = await get(authorizeUrl(params), jar);
    const interaction = new URL(first.headers.get("location") ?? "", idp.issuer);
    await get(interaction.toString(), jar);
    const login = await fetch(`${interaction}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "viewer", password: "demo" }),
    });
    jar.store(login);
    await get(new URL(login.headers.get("location") ?? "", idp.issuer).toString(), jar);
    // Same browser, IdP session seconds old: max_age=0 still leads to the login form.
    const again = await get(authorizeUrl({ ...params, max_age: "0" }), jar);
    expect(again.status).toBe(303);
    const form = await get(new URL(again.headers.get("location") ?? "", idp.issuer).toString(), jar);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="password"');
  });

  it("rejects a wrong password on the login form", async () => {
    await expect(signInAs("viewer", "not-demo", pkce().challenge, "s")).rejects.toThrow(/Unknown user or wrong password/);
  });

  it("lists the demo users for the app's sign-in page, and maps every role to a group", async () => {
    const res = await fetch(`${idp.issuer}/dev/users`);
    const body = (await res.json()) as { password: string; users: { username: string }[] };
    expect(body.password).toBe("demo");
    expect(body.users.map((u) => u.username)).toEqual([
      "viewer",
      "auditor",
      "operator",
      "approver",
      "admin",
      "opsapprover",
      "norole",
    ]);
    expect(DEMO_ROLE_GROUPS.split(",").map((e) => e.split(":")[0])).toEqual(["viewer", "auditor", "operator", "approver", "admin"]);
  });
});
