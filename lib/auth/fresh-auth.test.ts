// assertFreshAuth with an injected clock: the boundary, an unknown auth_time, IdP clock skew, and
// the error the browser acts on.
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { AUTH_TIME_CLOCK_TOLERANCE_MS, assertFreshAuth, isAuthFresh } from "./fresh-auth";

const now = new Date("2026-12-02T10:00:00.000Z");
const minutesAgo = (m: number) => ({ authTime: new Date(now.getTime() - m * 60_000) });

function errorOf(fn: () => void): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

describe("assertFreshAuth", () => {
  it("accepts an IdP sign-in up to exactly maxAgeMinutes old", () => {
    expect(() => assertFreshAuth(minutesAgo(0), { now, maxAgeMinutes: 15 })).not.toThrow();
    expect(() => assertFreshAuth(minutesAgo(15), { now, maxAgeMinutes: 15 })).not.toThrow();
    expect(isAuthFresh({ authTime: new Date(now.getTime() - 15 * 60_000 - 1) }, { now, maxAgeMinutes: 15 })).toBe(false);
  });

  it("refuses an older sign-in with REAUTH_REQUIRED (401), details and a message saying what to do", () => {
    const err = errorOf(() => assertFreshAuth(minutesAgo(16), { now, maxAgeMinutes: 15, action: "Approving" }));
    expect(err.code).toBe("REAUTH_REQUIRED");
    expect(err.status).toBe(401);
    expect(err.message).toBe("Approving needs a sign-in within the last 15 minutes. Sign in again to continue.");
    expect(err.details).toEqual({ reauth: true, maxAgeMinutes: 15, authTime: "2026-12-02T09:44:00.000Z" });
  });

  it("treats an unknown auth_time (IdP sent none, or a cookie from before) as too old", () => {
    for (const actor of [{ authTime: null }, {}]) {
      const err = errorOf(() => assertFreshAuth(actor, { now, maxAgeMinutes: 15 }));
      expect(err.details).toEqual({ reauth: true, maxAgeMinutes: 15, authTime: null });
      expect(err.message).toMatch(/did not say when you signed in \(no auth_time/);
    }
  });

  it("tolerates a little IdP clock skew but not an auth_time far in the future", () => {
    const ahead = (ms: number) => ({ authTime: new Date(now.getTime() + ms) });
    expect(isAuthFresh(ahead(AUTH_TIME_CLOCK_TOLERANCE_MS), { now, maxAgeMinutes: 15 })).toBe(true);
    expect(isAuthFresh(ahead(AUTH_TIME_CLOCK_TOLERANCE_MS + 1), { now, maxAgeMinutes: 15 })).toBe(false);
  });

  it("uses the configured window and says it in the message", () => {
    expect(() => assertFreshAuth(minutesAgo(59), { now, maxAgeMinutes: 60 })).not.toThrow();
    expect(errorOf(() => assertFreshAuth(minutesAgo(2), { now, maxAgeMinutes: 1 })).message).toMatch(/^This action needs a sign-in within the last 1 minute\./);
  });
});
