// The proxy's headers: a fresh script nonce per page response (no 'unsafe-inline' for scripts),
// form-action limited to this app and the IdP, HSTS only behind HTTPS, and the API locked down.
import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { proxy } from "./proxy";

afterEach(() => vi.unstubAllEnvs());

const page = (url: string, cookie = "next-auth.session-token=x") => proxy(new NextRequest(url, { headers: { cookie } }));

describe("proxy", () => {
  it("gives every page response its own nonce and no inline scripts", () => {
    vi.stubEnv("OIDC_ISSUER", "https://login.example.com/realms/corp");
    const a = page("http://127.0.0.1:3000/overview").headers.get("content-security-policy") ?? "";
    const b = page("http://127.0.0.1:3000/overview").headers.get("content-security-policy") ?? "";
    const nonce = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce(a)).toBeTruthy();
    expect(nonce(a)).not.toBe(nonce(b));
    const scriptSrc = a.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(a).toContain("form-action 'self' https://login.example.com;");
    expect(a).toContain("frame-ancestors 'none'");
  });

  it("sends Strict-Transport-Security only when APP_URL is https", () => {
    vi.stubEnv("APP_URL", "https://rootwarden.example.com");
    expect(page("https://rootwarden.example.com/overview").headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(proxy(new NextRequest("https://rootwarden.example.com/api/me")).headers.get("strict-transport-security")).toMatch(/^max-age=/);
    vi.stubEnv("APP_URL", "http://127.0.0.1:3000");
    expect(page("http://127.0.0.1:3000/overview").headers.get("strict-transport-security")).toBeNull();
  });

  it("sends signed-out page visits to sign-in, and knows the __Host- cookie as a session", () => {
    const out = page("http://127.0.0.1:3000/accounts?status=FAIL", "");
    const location = new URL(out.headers.get("location") ?? "");
    expect(`${location.pathname}${location.search}`).toBe("/signin?callbackUrl=%2Faccounts%3Fstatus%3DFAIL");
    expect(page("https://rw.example.com/accounts", "__Host-next-auth.session-token=x").headers.get("location")).toBeNull();
  });

  it("locks API responses down and answers 400 for an unreadable path", async () => {
    expect(proxy(new NextRequest("http://127.0.0.1:3000/api/me")).headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
    const bad = proxy(new NextRequest("http://127.0.0.1:3000/api/accounts/%ff%fe"));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("BAD_REQUEST");
  });
});

describe("proxy matcher", () => {
  it("runs for pages whatever their last segment looks like, and skips only Next's static assets", async () => {
    const { config } = await import("./proxy");
    const matches = (path: string) => config.matcher.some((m) => new RegExp(`^${m}$`).test(path));
    expect(matches("/accounts/123456789012.js")).toBe(true);
    expect(matches("/anything.png")).toBe(true);
    expect(matches("/overview")).toBe(true);
    expect(matches("/_next/static/chunks/app.js")).toBe(false);
    expect(matches("/robots.txt")).toBe(false);
  });
});
