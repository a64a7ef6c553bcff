// Callback URLs after sign-in: only same-origin paths survive; everything a browser could read as
// another host falls back to the overview.
import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

const APP = "http://127.0.0.1:3000";

describe("safeCallbackPath", () => {
  it.each([
    ["/accounts?status=NON_COMPLIANT", "/accounts?status=NON_COMPLIANT"],
    ["/accounts/123456789012#history", "/accounts/123456789012#history"],
    [`${APP}/settings`, "/settings"],
    ["/%09/evil.example", "/%09/evil.example"],
  ])("keeps the same-origin path %s", (value, expected) => {
    expect(safeCallbackPath(value, APP)).toBe(expected);
  });

  it.each([
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\u0000x",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example/overview",
    "https:evil.example",
    "http://127.0.0.1:3001/overview",
    "javascript:alert(1)",
    "data:text/html,hi",
    "",
    "/" + "a".repeat(3000),
  ])("refuses %j", (value) => {
    expect(safeCallbackPath(value, APP)).toBe("/overview");
  });

  it("refuses non-strings", () => {
    expect(safeCallbackPath(["/a", "/b"], APP)).toBe("/overview");
    expect(safeCallbackPath(undefined, APP)).toBe("/overview");
  });
});
