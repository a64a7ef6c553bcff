// Error text that may be stored or shown: credentials are removed whatever the AWS message says.
import { describe, expect, it } from "vitest";
import { awsErrorCode, isAwsError, redactSecrets, toAwsCallError } from "./errors";

describe("aws errors", () => {
  it("redacts given secrets, key ids and long secret-looking strings", () => {
    const token = "IQoJb3JpZ2luX2VjE" + "a".repeat(120);
    const text = `bad ASIAABCDEFGHIJKLMNOP with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and ${token} and short-secret`;
    const out = redactSecrets(text, ["short-secret"]);
    expect(out).not.toMatch(/ASIAABCDEFGHIJKLMNOP|wJalrXUtnFEMI|IQoJb3J|short-secret/);
    expect(out).toContain("[redacted]");
  });

  it("redacts secrets echoed percent-encoded (from a query string or form body)", () => {
    const token = "IQoJb3JpZ2luX2VjE/abc+def=" + "b".repeat(30) + "/" + "c".repeat(30) + "+" + "d".repeat(20);
    const text = `request X-Amz-Security-Token=${encodeURIComponent(token)}&Action=GetUser`;
    expect(redactSecrets(text, [token])).not.toContain("IQoJb3J");
    expect(redactSecrets(text)).not.toMatch(/b{20}|c{20}/);
  });

  it("maps SDK error names to codes, with and without the Exception suffix", () => {
    const err = Object.assign(new Error("nope"), { name: "NoSuchEntityException" });
    expect(awsErrorCode(err)).toBe("NoSuchEntityException");
    expect(isAwsError(err, "NoSuchEntity")).toBe(true);
    expect(isAwsError(Object.assign(new Error("x"), { name: "Throttling" }), "Throttling")).toBe(true);
  });

  it("builds a new error with a hint, the operation and no cause", () => {
    const sdk = Object.assign(new Error("User: arn:aws:iam::1:user/x is not authorized, key ASIAABCDEFGHIJKLMNOP"), { name: "AccessDenied" });
    const safe = toAwsCallError(sdk, "sts:AssumeRoot");
    expect(safe.code).toBe("AccessDenied");
    expect(safe.message).toMatch(/^Access denied\./);
    expect(safe.message).not.toContain("ASIAABCDEFGHIJKLMNOP");
    expect(safe.cause).toBeUndefined();
  });
});
