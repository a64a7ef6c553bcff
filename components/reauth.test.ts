// The browser's re-authentication: which errors trigger it, where it comes back to, the OIDC
// parameters it sends, and the guard that stops a loop when the IdP gives no recent auth_time.
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "./fetch-json";
import { REAUTH_LOOP_GUARD_MS, isReauthRequired, reauthCallbackPath, startReauth } from "./reauth";

const location = { origin: "http://127.0.0.1:3000", pathname: "/requests/abc", search: "?tab=approve", hash: "" };

function memoryStorage(): Pick<Storage, "getItem" | "setItem"> {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe("re-authentication in the browser", () => {
  it("recognises REAUTH_REQUIRED and nothing else", () => {
    expect(isReauthRequired(new ApiError(401, "Sign in again", "REAUTH_REQUIRED", { reauth: true, maxAgeMinutes: 15 }))).toBe(true);
    expect(isReauthRequired(new ApiError(401, "You are not signed in", "UNAUTHENTICATED"))).toBe(false);
    expect(isReauthRequired(new Error("REAUTH_REQUIRED"))).toBe(false);
  });

  it("comes back to the same page, never to another origin", () => {
    expect(reauthCallbackPath(location)).toBe("/requests/abc?tab=approve");
    expect(reauthCallbackPath({ ...location, pathname: "//evil.example/x", search: "" })).toBe("/overview");
  });

  it("signs in with max_age=0 and prompt=login, and does not loop when the IdP keeps the sign-in stale", async () => {
    const storage = memoryStorage();
    const redirect = vi.fn(async () => undefined);
    const now = 1_000_000;
    expect(await startReauth({ location, storage, now, redirect: redirect as never })).toBe(true);
    expect(redirect).toHaveBeenCalledWith("oidc", { callbackUrl: "/requests/abc?tab=approve" }, { max_age: "0", prompt: "login" });
    expect(await startReauth({ location, storage, now: now + 1000, redirect: redirect as never })).toBe(false);
    expect(await startReauth({ location, storage, now: now + REAUTH_LOOP_GUARD_MS, redirect: redirect as never })).toBe(true);
    expect(redirect).toHaveBeenCalledTimes(2);
  });
});
