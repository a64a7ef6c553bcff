// withPermission and parseJsonBody with real forged session cookies: 401, 403 (permission and
// origin), 415, 400 and the happy path, plus error mapping.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { assertFreshAuth } from "./fresh-auth";
import { SIGNED_IN, parseInput, parseJsonBody, withPermission, type TErrorBody } from "./route";
import { sessionCookie, testConfig, testSessions } from "./test-helpers";

const config = testConfig();
const deps = { config: () => config, sessions: testSessions };
const ZBody = z.object({ accountIds: z.array(z.string().regex(/^\d{12}$/, "must be a 12-digit account id")).min(1) });

const startScan = withPermission(
  "scans.start",
  async (req, { actor, params }) => {
    const body = await parseJsonBody(req, ZBody);
    return Response.json({ by: actor.subject, accountIds: body.accountIds, params }, { status: 201 });
  },
  deps,
);
const readAccounts = withPermission("accounts.read", async (_req, { actor }) => Response.json({ roles: actor.roles }), deps);
const me = withPermission(SIGNED_IN, async (_req, { actor }) => Response.json({ roles: actor.roles }), deps);

async function post(cookie: string | null, init: { origin?: string | null; type?: string | null; body?: string } = {}): Promise<Response> {
  const headers = new Headers();
  if (cookie) headers.set("cookie", cookie);
  if (init.origin !== null) headers.set("origin", init.origin ?? "http://127.0.0.1:3000");
  if (init.type !== null) headers.set("content-type", init.type ?? "application/json");
  const req = new Request("http://127.0.0.1:3000/api/scans", { method: "POST", headers, body: init.body ?? '{"accountIds":["123456789012"]}' });
  return startScan(req, { params: Promise.resolve({ scanId: "s1" }) });
}

async function errorOf(res: Response): Promise<TErrorBody["error"]> {
  return ((await res.json()) as TErrorBody).error;
}

const approve = withPermission(
  "accounts.read",
  async (_req, { actor }) => {
    assertFreshAuth(actor, { now: new Date(), maxAgeMinutes: 15, action: "Approving" });
    return Response.json({ authTime: actor.authTime.toISOString() });
  },
  deps,
);

describe("parseJsonBody", () => {
  it("refuses NUL characters in any string with a 400 (Postgres text cannot store them)", async () => {
    const cookie = await sessionCookie(["operator"], config);
    for (const body of ['{"accountIds":["12345678901\\u0000"]}', '{"accountIds":["123456789012"],"reason":"x\\u0000y"}']) {
      const res = await post(cookie, { body });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/NUL/);
    }
    expect((await post(cookie)).status).toBe(201);
  });

  it("refuses a lone UTF-16 surrogate in any string or key with a 400 naming where it is", async () => {
    const cookie = await sessionCookie(["operator"], config);
    const cases: [string, string][] = [
      ['{"accountIds":["123456789012"],"reason":"x \\ud800"}', "reason"],
      ['{"accountIds":["123456789012"],"nested":[{"a":"\\udc00 y"}]}', "nested.0.a"],
      ['{"accountIds":["123456789012"],"\\ud800k":1}', "\ufffdk"],
    ];
    for (const [body, path] of cases) {
      const res = await post(cookie, { body });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.message).toMatch(/lone UTF-16 surrogate/);
      expect(error.details).toEqual({ path });
    }
    // Nesting deeper than the call stack is walked without overflowing it (was a RangeError, a 500).
    const deep = await post(cookie, { body: `{"accountIds":["123456789012"],"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}` });
    expect(deep.status).toBe(201);
    // A well-formed pair (an emoji) is fine.
    expect((await post(cookie, { body: '{"accountIds":["123456789012"],"reason":"ok \\ud83d\\ude00"}' })).status).toBe(201);
  });
});

describe("withPermission", () => {
  it("answers 401 REAUTH_REQUIRED with details the browser acts on when the IdP sign-in is too old", async () => {
    const now = Math.floor(Date.now() / 1000);
    const call = async (authTime: number | null) =>
      approve(new Request("http://127.0.0.1:3000/api/x", { headers: { cookie: await sessionCookie(["viewer"], config, { authTime }) } }));
    const stale = await call(now - 16 * 60);
    expect(stale.status).toBe(401);
    expect(await errorOf(stale)).toEqual({
      code: "REAUTH_REQUIRED",
      message: "Approving needs a sign-in within the last 15 minutes. Sign in again to continue.",
      details: { reauth: true, maxAgeMinutes: 15, authTime: new Date((now - 16 * 60) * 1000).toISOString() },
    });
    const unknown = await call(null);
    expect(await errorOf(unknown)).toMatchObject({ code: "REAUTH_REQUIRED", details: { reauth: true, authTime: null } });
    const fresh = await call(now - 60);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toEqual({ authTime: new Date((now - 60) * 1000).toISOString() });
  });

  it("answers 401 JSON without a session", async () => {
    const res = await post(null);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect((await errorOf(res)).code).toBe("UNAUTHENTICATED");
  });

  it("answers 403 JSON naming the permission when a role lacks it", async () => {
    const res = await post(await sessionCookie(["viewer", "approver"], config));
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe("FORBIDDEN");
    expect(error.details).toEqual({ permission: "scans.start" });
    expect(error.message).toContain("scans.start");
    expect(error.message).toContain("Your roles: viewer, approver");
  });

  it("answers 403 for a user without any role, even on read routes", async () => {
    const res = await readAccounts(new Request("http://127.0.0.1:3000/api/accounts", { headers: { cookie: await sessionCookie([], config) } }));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).details).toEqual({ permission: "accounts.read" });
  });

  it("lets a signed-in user without roles reach SIGNED_IN routes only", async () => {
    const res = await me(new Request("http://127.0.0.1:3000/api/me", { headers: { cookie: await sessionCookie([], config) } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ roles: [] });
  });

  it("runs the handler with the actor and params when allowed, and marks the answer uncacheable", async () => {
    const res = await post(await sessionCookie(["operator"], config, { sub: "olga" }));
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ by: "olga", accountIds: ["123456789012"], params: { scanId: "s1" } });
  });

  it("refuses any request a browser marks as coming from another site, GET included", async () => {
    const cookie = await sessionCookie(["viewer"], config);
    const from = (site: string) => readAccounts(new Request("http://127.0.0.1:3000/api/accounts", { headers: { cookie, "sec-fetch-site": site } }));
    const refused = await from("cross-site");
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toMatch(/other sites/);
    expect((await from("same-origin")).status).toBe(200);
    expect((await from("none")).status).toBe(200);
  });

  it("refuses writes from another origin or without Origin, before any permission check", async () => {
    const cookie = await sessionCookie(["operator"], config);
    for (const origin of ["https://evil.example", null]) {
      const res = await post(cookie, { origin });
      expect(res.status).toBe(403);
      const error = await errorOf(res);
      expect(error.details).toEqual({ reason: "cross-origin" });
    }
  });

  it("does not require Origin on reads", async () => {
    const res = await readAccounts(new Request("http://127.0.0.1:3000/api/accounts", { headers: { cookie: await sessionCookie(["viewer"], config) } }));
    expect(res.status).toBe(200);
  });

  it("answers 415 for a body that is not JSON", async () => {
    const cookie = await sessionCookie(["operator"], config);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", null]) {
      const res = await post(cookie, { type, body: "accountIds=1" });
      expect(res.status).toBe(415);
      expect((await errorOf(res)).message).toMatch(/Content-Type: application\/json/);
    }
    expect((await post(cookie, { type: "application/json; charset=utf-8" })).status).toBe(201);
  });

  it("answers 400 with a readable message for invalid or malformed JSON", async () => {
    const cookie = await sessionCookie(["operator"], config);
    const invalid = await post(cookie, { body: '{"accountIds":["12"]}' });
    expect(invalid.status).toBe(400);
    const error = await errorOf(invalid);
    expect(error.message).toBe("Invalid request: accountIds.0: must be a 12-digit account id");
    expect(error.details).toEqual({ issues: [{ path: "accountIds.0", message: "must be a 12-digit account id" }] });
    expect((await post(cookie, { body: "{not json" })).status).toBe(400);
    expect((await post(cookie, { body: "" })).status).toBe(400);
  });

  it("maps AppError to its status and hides unexpected errors behind a 500", async () => {
    const cookie = await sessionCookie(["viewer"], config);
    const notFound = withPermission("accounts.read", async () => {
      throw new AppError("NOT_FOUND", "No account 123456789012.");
    }, deps);
    const res = await notFound(new Request("http://127.0.0.1:3000/api/x", { headers: { cookie } }));
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toEqual({ code: "NOT_FOUND", message: "No account 123456789012." });

    const duplicate = withPermission("accounts.read", async () => {
      throw Object.assign(new Error("Unique constraint failed on the fields: (`name`)"), { code: "P2002" });
    }, deps);
    const conflict = await duplicate(new Request("http://127.0.0.1:3000/api/x", { headers: { cookie } }));
    expect(conflict.status).toBe(409);
    expect((await errorOf(conflict)).code).toBe("CONFLICT");

    const crash = withPermission("accounts.read", async () => {
      throw new Error("connection string postgres://user:secret@db");
    }, deps);
    const original = console.error;
    console.error = () => {};
    try {
      const boom = await crash(new Request("http://127.0.0.1:3000/api/x", { headers: { cookie } }));
      expect(boom.status).toBe(500);
      expect(JSON.stringify(await boom.json())).not.toContain("secret");
    } finally {
      console.error = original;
    }
  });
});

describe("parseInput", () => {
  it("turns zod failures into a 400 AppError", () => {
    expect(() => parseInput({ page: "x" }, z.object({ page: z.coerce.number().int() }))).toThrow(AppError);
    expect(parseInput({ page: "2" }, z.object({ page: z.coerce.number().int() }))).toEqual({ page: 2 });
  });
});

describe("withPermission's central input checks", () => {
  const echo = withPermission("accounts.read", async (_req, { params }) => Response.json({ params }), deps);
  // params is made after the cookie, so a rejected one is never left unhandled while we wait.
  const call = async (url: string, params: () => Promise<Record<string, string | string[]>>) => {
    const cookie = await sessionCookie(["viewer"], config);
    return echo(new Request(`http://127.0.0.1:3000${url}`, { headers: { cookie } }), { params: params() });
  };

  it("answers 400 when Next could not decode a route param", async () => {
    const res = await call("/api/accounts/%ff%fe", () => Promise.reject(new URIError("URI malformed")));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/not percent-encoded UTF-8/);
  });

  it.each([["a\u0000b"], ["\uFFFD\uFFFD"], ["\uD800"], ["x".repeat(5000)]])("answers 400 for the param %#", async (value) => {
    const res = await call("/api/accounts/x", () => Promise.resolve({ accountId: value }));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "BAD_REQUEST", details: { param: "accountId" } });
  });

  it.each(["q=%00", "q=a&q=%00", "%00=1", "q=%ff%fe"])("answers 400 for the query %s", async (qs) => {
    const res = await call(`/api/accounts?${qs}`, () => Promise.resolve({}));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("BAD_REQUEST");
  });

  it("passes readable params and queries through", async () => {
    const res = await call("/api/accounts/x?q=caf%C3%A9", () => Promise.resolve({ accountId: "123456789012", rest: ["a", "b"] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ params: { accountId: "123456789012", rest: ["a", "b"] } });
  });
});
