// The session cookie: round trip through next-auth's encryption, chunked cookies, the absolute
// session length, and everything that must read as "no session".
import { encode } from "next-auth/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { actorFromClaims, actorFromRequest, parseCookieHeader, sessionCookieName, sessionTokenFromCookies } from "./session";
import { TEST_SECRET, sessionCookie, testConfig, testSession, testSessions } from "./test-helpers";

const config = testConfig();

const deps = { sessions: testSessions };

function request(cookie: string | null): Request {
  return new Request("http://127.0.0.1:3000/api/me", { headers: cookie ? { cookie } : {} });
}

describe("session cookie", () => {
  afterEach(() => vi.useRealTimers());

  it("reads back the actor from a cookie next-auth would set", async () => {
    const authTime = Math.floor(Date.now() / 1000) - 120;
    const actor = await actorFromRequest(request(await sessionCookie(["operator", "approver"], config, { sub: "alice", authTime })), config, deps);
    expect(actor).toEqual({
      userId: "00000000-0000-4000-8000-000000000001",
      subject: "alice",
      email: "alice@example.test",
      name: "alice",
      roles: ["operator", "approver"],
      authTime: new Date(authTime * 1000),
    });
  });

  it("reads a cookie without auth_time (IdP sent none, or made before it was recorded) as unknown", async () => {
    const actor = await actorFromRequest(request(await sessionCookie(["approver"], config, { authTime: null })), config, deps);
    expect(actor?.authTime).toBeNull();
  });

  it("uses the __Host- cookie name behind HTTPS and ignores the plain one there", async () => {
    const secure = testConfig({ APP_URL: "https://rootwarden.example.com" });
    expect(sessionCookieName(secure)).toBe("__Host-next-auth.session-token");
    expect(sessionCookieName(config)).toBe("next-auth.session-token");
    const plain = await sessionCookie(["admin"], config);
    expect(await actorFromRequest(request(plain), secure, deps)).toBeNull();
    expect(await actorFromRequest(request(await sessionCookie(["admin"], secure)), secure, deps)).not.toBeNull();
  });

  it("treats missing, tampered and foreign-secret cookies as no session", async () => {
    expect(await actorFromRequest(request(null), config, deps)).toBeNull();
    const good = await sessionCookie(["admin"], config);
    expect(await actorFromRequest(request(`${good.slice(0, -4)}AAAA`), config, deps)).toBeNull();
    const other = testConfig({ AUTH_SECRET: "another-secret-another-secret-another-secret" });
    expect(await actorFromRequest(request(good), other, deps)).toBeNull();
  });

  it("refuses tokens that are not Rootwarden sessions", async () => {
    const value = await encode({ token: { sub: "x", email: "x@y" }, secret: TEST_SECRET });
    expect(await actorFromRequest(request(`next-auth.session-token=${value}`), config, deps)).toBeNull();
  });

  it("refuses a cookie once its exp has passed, also after it was read while valid", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const signedInAt = Math.floor(Date.now() / 1000);
    const open = await testSession(["viewer"], config);
    const token = { sub: "b", uid: "u", sid: open.sessionId, email: null, name: null, roles: ["viewer"], signedInAt };
    // A one-minute token inside an eight-hour session: only exp can end it.
    const cookie = `next-auth.session-token=${await encode({ token, secret: TEST_SECRET, maxAge: 60 })}`;
    expect(await actorFromRequest(request(cookie), config, deps)).not.toBeNull();
    vi.setSystemTime((signedInAt + 60 + 14) * 1000);
    expect(await actorFromRequest(request(cookie), config, deps)).not.toBeNull();
    vi.setSystemTime((signedInAt + 60 + 16) * 1000);
    expect(await actorFromRequest(request(cookie), config, deps)).toBeNull();
  });

  it("ends a session SESSION_MAX_AGE_HOURS after sign-in, however active", () => {
    const claims = { sub: "a", uid: "u", sid: "s", email: null, name: null, roles: ["viewer"], signedInAt: 1_000_000 };
    const eightHours = 8 * 3600;
    expect(actorFromClaims(claims, config, 1_000_000 + eightHours - 1)).not.toBeNull();
    expect(actorFromClaims(claims, config, 1_000_000 + eightHours + 1)).toBeNull();
    const short = testConfig({ SESSION_MAX_AGE_HOURS: "1" });
    expect(actorFromClaims(claims, short, 1_000_000 + 3601)).toBeNull();
  });

  it("drops role names it does not know", () => {
    const claims = { sub: "a", uid: "u", sid: "s", roles: ["viewer", "root"], signedInAt: Math.floor(Date.now() / 1000) };
    expect(actorFromClaims(claims, config)?.roles).toEqual(["viewer"]);
  });

  it("refuses a valid cookie whose server-side session has ended", async () => {
    const open = await testSession(["admin"], config);
    expect(await actorFromRequest(request(open.header), config, deps)).not.toBeNull();
    testSessions.end(open.sessionId);
    expect(await actorFromRequest(request(open.header), config, deps)).toBeNull();
  });

  it("refuses a cookie without a session id (made before sessions were recorded)", async () => {
    const token = { sub: "old", uid: "u", email: null, name: null, roles: ["admin"], signedInAt: Math.floor(Date.now() / 1000) };
    const cookie = `next-auth.session-token=${await encode({ token, secret: TEST_SECRET })}`;
    expect(await actorFromRequest(request(cookie), config, { sessions: { isActive: async () => true } })).toBeNull();
  });

  it("reassembles chunked cookies in numeric order", () => {
    const cookies = [
      { name: "next-auth.session-token.10", value: "K" },
      { name: "next-auth.session-token.2", value: "C" },
      { name: "next-auth.session-token.0", value: "A" },
      { name: "next-auth.session-token.1", value: "B" },
      { name: "next-auth.session-token-other", value: "X" },
    ];
    expect(sessionTokenFromCookies(cookies, config)).toBe("ABCK");
  });

  it("parses Cookie headers with spaces, quotes and encoded values", () => {
    expect(parseCookieHeader('a=1; b="two"; c=%41%42; broken; d=%E0%A4%A')).toEqual([
      { name: "a", value: "1" },
      { name: "b", value: "two" },
      { name: "c", value: "AB" },
    ]);
  });
});
