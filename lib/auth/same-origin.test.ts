// The same-origin check that guards every state-changing request.
import { describe, expect, it } from "vitest";
import { checkSameOrigin, isMutatingMethod } from "./same-origin";

function req(origin: string | null, url = "http://127.0.0.1:3000/api/scans"): Request {
  const headers = new Headers();
  if (origin !== null) headers.set("origin", origin);
  return new Request(url, { method: "POST", headers });
}

describe("same-origin check", () => {
  const APP = "https://rootwarden.example.com";

  it("accepts the app's own origin", () => {
    expect(checkSameOrigin(req(APP, "http://10.0.0.5:3000/api/scans"), APP)).toEqual({ ok: true });
    expect(checkSameOrigin(req(APP), `${APP}/`)).toEqual({ ok: true });
  });

  it.each([
    ["another site", "https://evil.example"],
    ["a sibling subdomain", "https://x.rootwarden.example.com"],
    ["plain http", "http://rootwarden.example.com"],
    ["another port", "https://rootwarden.example.com:8443"],
  ])("refuses %s", (_what, origin) => {
    const result = checkSameOrigin(req(origin), APP);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(`expected ${APP}`);
  });

  it("refuses a missing, null or malformed Origin", () => {
    for (const origin of [null, "null", "not a url"]) {
      const result = checkSameOrigin(req(origin), APP);
      expect(result.ok).toBe(false);
    }
  });

  it("falls back to the request's own origin when APP_URL is unset (development)", () => {
    expect(checkSameOrigin(req("http://127.0.0.1:3000"), undefined)).toEqual({ ok: true });
    expect(checkSameOrigin(req("http://localhost:3000"), undefined).ok).toBe(false);
  });

  it("applies to every method except GET, HEAD and OPTIONS", () => {
    for (const m of ["POST", "PUT", "PATCH", "DELETE", "post"]) expect(isMutatingMethod(m)).toBe(true);
    for (const m of ["GET", "HEAD", "OPTIONS"]) expect(isMutatingMethod(m)).toBe(false);
  });
});
