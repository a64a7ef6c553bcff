// The pure policy rules of the unlock tasks: what denies everyone, which replacements pass, how
// policies compare and differ, and the AWS naming rules for buckets and queues.
import { describe, expect, it } from "vitest";
import { describePolicyDifferences, policyDeniesEveryone, samePolicy, validateReplacementPolicy, ZBucketName, ZQueueName } from "./resource-policy";

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const deny = (extra: Record<string, unknown> = {}) => ({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", ...extra });

describe("policyDeniesEveryone", () => {
  it("is true for a Deny of every action to every principal with no condition", () => {
    expect(policyDeniesEveryone(doc(deny()))).toBe(true);
    expect(policyDeniesEveryone(doc(deny({ Principal: { AWS: "*" }, Action: "sqs:*" })))).toBe(true);
    expect(policyDeniesEveryone(doc(deny({ Principal: { AWS: ["arn:aws:iam::111122223333:root", "*"] }, Action: ["s3:GetObject", "*"] })))).toBe(true);
    expect(policyDeniesEveryone(doc(deny({ Action: undefined, NotAction: [] })))).toBe(true);
    expect(policyDeniesEveryone(doc(deny({ Action: "S3:*", Condition: {} })))).toBe(true);
    expect(policyDeniesEveryone(JSON.stringify({ Version: "2012-10-17", Statement: deny() }))).toBe(true);
  });

  it("is false when the statement is narrowed, conditioned or an Allow, and for text that is no policy", () => {
    expect(policyDeniesEveryone(doc(deny({ Effect: "Allow" })))).toBe(false);
    expect(policyDeniesEveryone(doc(deny({ Condition: { Bool: { "aws:SecureTransport": "false" } } })))).toBe(false);
    expect(policyDeniesEveryone(doc(deny({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })))).toBe(false);
    expect(policyDeniesEveryone(doc(deny({ Action: "s3:DeleteObject" })))).toBe(false);
    expect(policyDeniesEveryone(doc(deny({ Action: undefined, NotAction: ["s3:GetObject"] })))).toBe(false);
    expect(policyDeniesEveryone(doc(deny({ NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } })))).toBe(false);
    expect(policyDeniesEveryone("not json")).toBe(false);
    expect(policyDeniesEveryone("[]")).toBe(false);
  });
});

describe("validateReplacementPolicy", () => {
  const allow = doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });

  it("accepts a policy document and returns it as given", () => {
    expect(validateReplacementPolicy(allow, { service: "s3" })).toEqual({ ok: true, policy: allow });
    const old = JSON.stringify({ Version: "2008-10-17", Statement: { Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" } });
    expect(validateReplacementPolicy(old, { service: "sqs" })).toEqual({ ok: true, policy: old });
  });

  it("says what to fix for each kind of bad input", () => {
    const error = (text: string, service: "s3" | "sqs" = "s3") => {
      const out = validateReplacementPolicy(text, { service });
      expect(out.ok).toBe(false);
      return out.ok ? "" : out.error;
    };
    expect(error("{")).toMatch(/not valid JSON .*Fix the syntax/);
    expect(error("   ")).toMatch(/empty/);
    expect(error("[1]")).toMatch(/JSON object with "Version" and "Statement"/);
    expect(error(JSON.stringify({ Statement: [] }))).toMatch(/"Version": "2012-10-17"/);
    expect(error(JSON.stringify({ Version: "2012-10-17", Statement: [] }))).toMatch(/needs a "Statement"/);
    expect(error(JSON.stringify({ Version: "2012-10-17" }))).toMatch(/needs a "Statement"/);
    expect(error(doc("x"))).toMatch(/Statement 1 must be a JSON object/);
    expect(error(doc({ Effect: "Maybe", Action: "s3:*" }))).toMatch(/"Effect" must be "Allow" or "Deny"/);
    expect(error(doc({ Effect: "Allow" }))).toMatch(/needs an "Action"/);
    expect(error(doc({ Effect: "Allow", Action: "sqs:SendMessage" }))).toMatch(/"sqs:SendMessage" is not an S3 action/);
    expect(error(doc({ Effect: "Allow", Action: "s3:GetObject" }), "sqs")).toMatch(/not an SQS action/);
    expect(error(doc({ Effect: "Allow", Action: "s3:GetObject" }, deny()))).toMatch(/^Statement 2 still denies every principal/);
    const big = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "x".repeat(20_480) });
    expect(error(big)).toMatch(/at most 20,480 bytes/);
  });

  it("counts the 20 KB limit in UTF-8 bytes", () => {
    const base = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "" });
    const fill = (n: number, ch: string) => doc({ Effect: "Allow", Action: "s3:GetObject", Resource: ch.repeat(n) });
    const room = 20_480 - Buffer.byteLength(base);
    expect(validateReplacementPolicy(fill(room, "a"), { service: "s3" }).ok).toBe(true);
    expect(validateReplacementPolicy(fill(room + 1, "a"), { service: "s3" }).ok).toBe(false);
    expect(validateReplacementPolicy(fill(Math.ceil(room / 2) + 1, "é"), { service: "s3" }).ok).toBe(false);
  });
});

describe("samePolicy and describePolicyDifferences", () => {
  const a = doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" });
  it("compares parsed JSON, not text", () => {
    expect(samePolicy(a, JSON.stringify(JSON.parse(a), null, 2))).toBe(true);
    expect(samePolicy(a, JSON.stringify({ Statement: JSON.parse(a).Statement, Version: "2012-10-17" }))).toBe(true);
    expect(samePolicy(a, doc({ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }))).toBe(false);
    expect(samePolicy(null, null)).toBe(true);
    expect(samePolicy(a, null)).toBe(false);
  });

  it("names what changed", () => {
    expect(describePolicyDifferences(a, a, "bucket")).toEqual([]);
    expect(describePolicyDifferences(null, a, "bucket")).toEqual(["A bucket policy was added since the request was made."]);
    expect(describePolicyDifferences(a, null, "queue")).toEqual(["The queue policy was removed since the request was made."]);
    const changed = doc({ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" });
    expect(describePolicyDifferences(a, changed, "bucket")).toEqual(['The bucket policy changed since the request was made at Statement[0].Effect (was "Deny", is now "Allow").']);
  });
});

describe("ZBucketName and ZQueueName", () => {
  it("accepts names AWS accepts", () => {
    for (const name of ["abc", "my-bucket.logs-123456789012", "a".repeat(63), "1bucket"]) expect(ZBucketName.safeParse(name).success, name).toBe(true);
    for (const name of ["q", "orders_dlq-1", "a".repeat(80), `${"a".repeat(75)}.fifo`, "Orders.fifo"]) expect(ZQueueName.safeParse(name).success, name).toBe(true);
  });

  it("refuses names AWS refuses, saying why", () => {
    const why = (name: string) => ZBucketName.safeParse(name).error?.issues[0]?.message;
    expect(why("ab")).toMatch(/3 to 63/);
    expect(why("a".repeat(64))).toMatch(/3 to 63/);
    expect(why("My-Bucket")).toMatch(/lowercase/);
    expect(why("-bucket")).toMatch(/starts and ends/);
    expect(why("bucket.")).toMatch(/starts and ends/);
    expect(why("my..bucket")).toMatch(/two dots/);
    expect(why("192.168.5.4")).toMatch(/IP address/);
    for (const p of ["xn--abc", "sthree-abc", "amzn-s3-demo-abc"]) expect(why(p)).toMatch(/does not start with/);
    for (const s of ["abc-s3alias", "abc--ol-s3", "abc.mrap", "abc--x-s3"]) expect(why(s)).toMatch(/does not end with/);
    for (const name of ["", "a".repeat(81), "has space", "dot.name", `${"a".repeat(76)}.fifo`, ".fifo", "q/../x"]) {
      expect(ZQueueName.safeParse(name).success, name).toBe(false);
    }
  });
});
