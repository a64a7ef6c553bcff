// The whole sign-in in-process: next-auth (these options) <-> the dev IdP (real oidc-provider, PKCE,
// state) -> role mapping -> User row in a real Postgres -> a session cookie the guards accept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import NextAuth from "next-auth/next";
import { DEMO_ROLE_GROUPS, startIdp, type TIdp } from "@/sim/idp/server";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { buildAuthOptions, oidcCallbackUrl } from "./options";
import { runWithPreviousSession } from "./previous-session";
import { actorFromCookies, sessionCookieName, sessionIdFromToken } from "./session";
import { testConfig } from "./test-helpers";
import { postgresSessionStore } from "./user-sessions";
import type { AuthOptions } from "next-auth";
import type { TConfig } from "@/lib/config";
import { flushAuditTrail } from "@/lib/audit/sequence";

const APP_URL = "http://127.0.0.1:3999";
const CLIENT = { clientId: "rootwarden", clientSecret: "rootwarden-dev-secret", redirectUris: [`${APP_URL}/api/auth/callback/oidc`] };
type TEnv = { idp: TIdp; config: TConfig; options: AuthOptions };
let db: TTestDatabase;
// main: claims in the ID token (Entra ID style); userinfoOnly: groups and email only from userinfo.
let main: TEnv;
let userinfoOnly: TEnv;
let idp: TIdp;
let config: TConfig;
let options: AuthOptions;

async function env(claimsInIdToken: boolean): Promise<TEnv> {
  const started = await startIdp({ port: 0, clients: [CLIENT], claimsInIdToken });
  const cfg = testConfig({
    APP_URL,
    OIDC_ISSUER: started.issuer,
    OIDC_CLIENT_ID: CLIENT.clientId,
    OIDC_CLIENT_SECRET: CLIENT.clientSecret,
    ROLE_GROUPS: DEMO_ROLE_GROUPS,
  });
  return { idp: started, config: cfg, options: buildAuthOptions(cfg, { db: db.prisma }) };
}

beforeAll(async () => {
  process.env.NEXTAUTH_URL = APP_URL;
  db = await createTestDatabase();
  [main, userinfoOnly] = await Promise.all([env(true), env(false)]);
  ({ idp, config, options } = main);
});
afterAll(async () => {
  await Promise.all([main?.idp.close(), userinfoOnly?.idp.close(), db?.drop()]);
});

type TResult = { status: number; location: string | null; setCookies: string[]; body: unknown };
type TJar = Map<string, string>;

// Calls next-auth's handler the way Next's API routes do, with a minimal req/res pair.
async function callAuth(jar: TJar, method: "GET" | "POST", action: string[], query: Record<string, string> = {}, body?: Record<string, string>): Promise<TResult> {
  const headers: Record<string, string> = { host: "127.0.0.1:3999", cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
  if (body) headers["content-type"] = "application/x-www-form-urlencoded";
  const req = { method, headers, cookies: Object.fromEntries(jar), query: { ...query, nextauth: action }, body: body ?? {} };
  const resHeaders = new Map<string, string | string[]>();
  const result: TResult = { status: 200, location: null, setCookies: [], body: undefined };
  const res = {
    getHeader: (name: string) => resHeaders.get(name.toLowerCase()),
    setHeader: (name: string, value: string | string[]) => {
      resHeaders.set(name.toLowerCase(), value);
      return res;
    },
    status: (code: number) => {
      result.status = code;
      return res;
    },
    end: () => res,
    send: (b: unknown) => {
      result.body = b;
      return res;
    },
    json: (b: unknown) => {
      result.body = b;
      return res;
    },
  };
  // As app/api/auth/[...nextauth]/route.ts does: a sign-in replaces the session of the cookie sent.
  const sent = jar.get(sessionCookieName(config));
  const previous = sent ? await sessionIdFromToken(sent, config) : null;
  await runWithPreviousSession(previous, () => NextAuth(req as never, res as never, options));
  const cookies = resHeaders.get("set-cookie") ?? [];
  result.setCookies = Array.isArray(cookies) ? cookies : [cookies];
  const location = resHeaders.get("location");
  result.location = typeof location === "string" ? location : null;
  for (const line of result.setCookies) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const value = decodeURIComponent(pair.slice(eq + 1));
    if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
  return result;
}

async function idpFetch(jar: TJar, url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return res;
}

type TSignInOptions = {
  /** The browser's cookies for the app and the IdP: reuse them to sign in again in the same browser. */
  appJar?: TJar;
  idpJar?: TJar;
  /** Extra authorization parameters, as signIn()'s third argument sends them (e.g. max_age). */
  authorizationParams?: Record<string, string>;
  /** The dev IdP's testing field: report the login as this many minutes old. */
  authAgeMinutes?: number;
};

async function signIn(
  username: string,
  tamper?: (q: URLSearchParams) => void,
  opts: TSignInOptions = {},
): Promise<{ appJar: TJar; idpJar: TJar; final: TResult; authorize: URL; loginFormShown: boolean }> {
  const appJar: TJar = opts.appJar ?? new Map();
  const csrf = await callAuth(appJar, "GET", ["csrf"]);
  const csrfToken = (csrf.body as { csrfToken: string }).csrfToken;
  const start = await callAuth(appJar, "POST", ["signin", "oidc"], opts.authorizationParams ?? {}, { csrfToken, callbackUrl: "/overview", json: "true" });
  const authorize = new URL((start.body as { url: string }).url);
  expect(authorize.origin).toBe(idp.issuer);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("state")).toBeTruthy();
  expect(authorize.searchParams.get("scope")).toBe("openid email profile groups");
  expect(authorize.searchParams.get("redirect_uri")).toBe(oidcCallbackUrl(config));

  const idpJar: TJar = opts.idpJar ?? new Map();
  const toForm = await idpFetch(idpJar, authorize.toString());
  const form = new URL(toForm.headers.get("location") ?? "", idp.issuer).toString();
  const formPage = await idpFetch(idpJar, form);
  const loginFormShown = formPage.status === 200 && (await formPage.text()).includes('name="password"');
  const fields: Record<string, string> = { username, password: "demo" };
  if (opts.authAgeMinutes !== undefined) fields.auth_age_minutes = String(opts.authAgeMinutes);
  const login = await idpFetch(idpJar, `${form}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  const resume = await idpFetch(idpJar, new URL(login.headers.get("location") ?? "", idp.issuer).toString());
  const callback = new URL(resume.headers.get("location") ?? "");
  expect(`${callback.origin}${callback.pathname}`).toBe(`${APP_URL}/api/auth/callback/oidc`);

  tamper?.(callback.searchParams);
  const final = await callAuth(appJar, "GET", ["callback", "oidc"], Object.fromEntries(callback.searchParams));
  return { appJar, idpJar, final, authorize, loginFormShown };
}

function cookiesOf(jar: TJar): { name: string; value: string }[] {
  return [...jar].map(([name, value]) => ({ name, value }));
}

describe("sign-in through the dev IdP", () => {
  it.each([
    ["viewer", ["viewer"]],
    ["opsapprover", ["operator", "approver"]],
    ["norole", []],
  ])("signs %s in with roles %j and records the user", async (username, roles) => {
    const { appJar, final } = await signIn(username);
    expect(final.status).toBe(302);
    expect(final.location).toBe(`${APP_URL}/overview`);
    const sessionLine = final.setCookies.find((c) => c.startsWith(`${sessionCookieName(config)}=`)) ?? "";
    expect(sessionLine).toMatch(/HttpOnly/i);
    expect(sessionLine).toMatch(/SameSite=Lax/i);
    expect(sessionLine).toMatch(/Expires=/i);

    const actor = await actorFromCookies(cookiesOf(appJar), config, { sessions: postgresSessionStore(db.prisma) });
    expect(actor).toMatchObject({ subject: `demo-${username}`, email: `${username}@rootwarden.example`, roles });
    const row = await db.prisma.user.findFirstOrThrow({ where: { subject: `demo-${username}` } });
    expect(row.id).toBe(actor?.userId);
    expect(row.roles).toEqual(roles);
    expect(row.groups).toContain("all-staff");
    expect(row.lastLoginAt).not.toBeNull();
  });

  it("refuses a callback whose state does not match (no session, no user row)", async () => {
    const { appJar, final } = await signIn("auditor", (q) => q.set("state", "forged-state"));
    expect(final.location).toMatch(/error=OAuthCallback/);
    expect([...appJar.keys()].some((k) => k.includes("session-token"))).toBe(false);
    expect(await db.prisma.user.count({ where: { subject: "demo-auditor" } })).toBe(0);
  });

  it("reads groups and email from userinfo when the IdP keeps them out of the ID token", async () => {
    ({ idp, config, options } = userinfoOnly);
    try {
      const { appJar } = await signIn("approver");
      const actor = await actorFromCookies(cookiesOf(appJar), config, { sessions: postgresSessionStore(db.prisma) });
      expect(actor).toMatchObject({ subject: "demo-approver", email: "approver@rootwarden.example", name: "April Approver", roles: ["approver"] });
      // auth_time stays in the ID token even when the other claims come from userinfo.
      expect(actor?.authTime).toBeInstanceOf(Date);
    } finally {
      ({ idp, config, options } = main);
    }
  });

  it("signing out ends the session for every copy of the cookie", async () => {
    const { appJar } = await signIn("viewer");
    const copy = cookiesOf(appJar);
    const sessions = postgresSessionStore(db.prisma);
    expect(await actorFromCookies(copy, config, { sessions })).not.toBeNull();
    const csrf = await callAuth(appJar, "GET", ["csrf"]);
    const out = await callAuth(appJar, "POST", ["signout"], {}, { csrfToken: (csrf.body as { csrfToken: string }).csrfToken, json: "true" });
    expect(out.status).toBeLessThan(400);
    // The copy kept elsewhere (another tab, a stolen cookie) is refused too.
    expect(await actorFromCookies(copy, config, { sessions })).toBeNull();
    const user = await db.prisma.user.findFirstOrThrow({ where: { subject: "demo-viewer" } });
    expect(await db.prisma.userSession.count({ where: { userId: user.id, revokedReason: "SIGNED_OUT" } })).toBeGreaterThanOrEqual(1);
  });

  it("records users under the issuer and subject of the ID token", async () => {
    await signIn("admin");
    const row = await db.prisma.user.findFirstOrThrow({ where: { subject: "demo-admin" } });
    expect(row.issuer).toBe(idp.issuer);
  });

  it("carries the IdP's auth_time into the session row, the cookie's actor and the sign-in audit event", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { appJar } = await signIn("operator");
    const actor = await actorFromCookies(cookiesOf(appJar), config, { sessions: postgresSessionStore(db.prisma) });
    const authTime = actor?.authTime?.getTime() ?? 0;
    expect(authTime / 1000).toBeGreaterThanOrEqual(before - 1);
    expect(authTime).toBeLessThanOrEqual(Date.now());
    const session = await db.prisma.userSession.findFirstOrThrow({ where: { user: { subject: "demo-operator" } }, orderBy: { createdAt: "desc" } });
    expect(session.authTime?.getTime()).toBe(authTime);
    await flushAuditTrail(db.prisma);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "user.signed_in", actorSubject: "demo-operator" }, orderBy: { seq: "desc" } });
    expect(event.payload).toMatchObject({ authTime: new Date(authTime).toISOString() });
  });

  it("re-authenticates with max_age=0: the IdP asks for the password again, the new session has a newer auth_time and fresh roles, the old one ends", async () => {
    const sessions = postgresSessionStore(db.prisma);
    // An IdP login reported as 30 minutes old, as after a long working session.
    const first = await signIn("approver", undefined, { authAgeMinutes: 30 });
    const old = await actorFromCookies(cookiesOf(first.appJar), config, { sessions });
    expect(Date.now() - (old?.authTime?.getTime() ?? 0)).toBeGreaterThanOrEqual(30 * 60_000 - 2000);
    const oldCookie = cookiesOf(first.appJar);
    const oldSid = await sessionIdFromToken(first.appJar.get(sessionCookieName(config)) ?? "", config);

    // The same browser (app and IdP cookies kept), as components/reauth.ts starts it.
    const again = await signIn("approver", undefined, { appJar: first.appJar, idpJar: first.idpJar, authorizationParams: { max_age: "0", prompt: "login" } });
    expect(again.authorize.searchParams.get("max_age")).toBe("0");
    expect(again.authorize.searchParams.get("prompt")).toBe("login");
    expect(again.loginFormShown).toBe(true);
    expect(again.final.location).toBe(`${APP_URL}/overview`);
    const fresh = await actorFromCookies(cookiesOf(again.appJar), config, { sessions });
    expect(fresh).toMatchObject({ subject: "demo-approver", roles: ["approver"] });
    expect(fresh?.authTime?.getTime()).toBeGreaterThan(old?.authTime?.getTime() ?? Infinity);
    expect(Date.now() - (fresh?.authTime?.getTime() ?? 0)).toBeLessThan(60_000);

    // The replaced cookie no longer works anywhere; the sign-in event names the session it replaced.
    expect(await actorFromCookies(oldCookie, config, { sessions })).toBeNull();
    const oldRow = await db.prisma.userSession.findUniqueOrThrow({ where: { id: oldSid ?? "" } });
    expect(oldRow.revokedReason).toBe("REPLACED_BY_SIGN_IN");
    await flushAuditTrail(db.prisma);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "user.signed_in", actorSubject: "demo-approver" }, orderBy: { seq: "desc" } });
    expect(event.payload).toMatchObject({ replacedSessionId: oldSid, authTime: fresh?.authTime?.toISOString() });
  });

  it("marks cookies Secure and __Host- behind HTTPS", () => {
    const secure = buildAuthOptions(testConfig({ APP_URL: "https://rootwarden.example.com" }));
    expect(secure.useSecureCookies).toBe(true);
    expect(secure.cookies?.sessionToken).toMatchObject({ name: "__Host-next-auth.session-token", options: { secure: true, path: "/", httpOnly: true } });
    expect(secure.cookies?.sessionToken?.options).not.toHaveProperty("domain");
    expect(options.useSecureCookies).toBe(false);
    expect(options.session?.maxAge).toBe(8 * 3600);
  });
});
