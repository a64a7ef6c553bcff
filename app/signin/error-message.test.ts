// The sign-in page's error line: known next-auth codes, and hostile ones that used to render an object.
import { describe, expect, it } from "vitest";
import { signInErrorMessage } from "./error-message";

describe("signInErrorMessage", () => {
  it("explains next-auth's codes", () => {
    expect(signInErrorMessage("AccessDenied")).toMatch(/cancelled or refused/);
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty", "x".repeat(10_000)])("answers %s with the generic line", (code) => {
    expect(signInErrorMessage(code)).toBe("Sign-in failed. Try again.");
  });
});
