// Bucket and queue policies as the unlock tasks judge them: which ones lock everyone out, which
// replacements are acceptable, how two policies compare, and the AWS naming rules for the targets.
import { z } from "zod";

export const MAX_POLICY_BYTES = 20_480;
const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);

/**
 * The exact rule: a policy denies everyone when at least one of its statements
 *   - has Effect "Deny",
 *   - has Principal "*" or { "AWS": "*" } (or an AWS list containing "*"), and no NotPrincipal,
 *   - has Action "*", "s3:*" or "sqs:*" (or a list containing one of them; case-insensitive,
 *     as IAM matches actions), or NotAction present and empty (denies every action),
 *   - and has no Condition (absent or an empty object).
 * The Resource is not looked at: such a statement locks out every principal but the owning
 * account's root from whatever it covers, which is what the unlock tasks exist for.
 * Text that is not a JSON object denies no one (AWS would not have accepted it).
 */
export function policyDeniesEveryone(policyJson: string): boolean {
  return denyEveryoneStatement(parseObject(policyJson)) !== null;
}

export type TPolicyValidation = { ok: true; policy: string } | { ok: false; error: string };

/** A replacement policy a requester supplies, checked before it is stored or sent to AWS. */
export function validateReplacementPolicy(text: string, options: { service: "s3" | "sqs" }): TPolicyValidation {
  const what = options.service === "s3" ? "bucket" : "queue";
  const service = options.service === "s3" ? "S3" : "SQS";
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_POLICY_BYTES) {
    return { ok: false, error: `The policy is ${bytes.toLocaleString("en-US")} bytes; at most 20,480 bytes (20 KB) are allowed. Shorten it.` };
  }
  if (!text.trim()) return { ok: false, error: `The policy is empty. Paste a JSON policy document, or choose to delete the ${what} policy instead.` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `The policy is not valid JSON (${err instanceof Error ? err.message : "parse error"}). Fix the syntax.` };
  }
  if (!isRecord(doc)) return { ok: false, error: 'The policy must be a JSON object with "Version" and "Statement".' };
  if (typeof doc.Version !== "string" || !VERSIONS.has(doc.Version)) {
    return { ok: false, error: 'The policy needs "Version": "2012-10-17" (or the older "2008-10-17").' };
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (statements.length === 0) return { ok: false, error: 'The policy needs a "Statement": one statement object or a non-empty array of them.' };
  for (const [i, st] of statements.entries()) {
    const n = `Statement ${i + 1}`;
    if (!isRecord(st)) return { ok: false, error: `${n} must be a JSON object.` };
    if (st.Effect !== "Allow" && st.Effect !== "Deny") return { ok: false, error: `${n}: "Effect" must be "Allow" or "Deny".` };
    if (st.Action === undefined && st.NotAction === undefined) return { ok: false, error: `${n} needs an "Action" (or "NotAction").` };
    for (const action of [...asArray(st.Action), ...asArray(st.NotAction)]) {
      if (typeof action !== "string") return { ok: false, error: `${n}: every action must be a string such as "${options.service}:GetObject".` };
      if (action !== "*" && !action.toLowerCase().startsWith(`${options.service}:`)) {
        return { ok: false, error: `${n}: "${action}" is not an ${service} action; a ${what} policy can only name ${options.service}:… actions.` };
      }
    }
  }
  const locking = denyEveryoneStatement(doc);
  if (locking !== null) {
    return {
      ok: false,
      error: `Statement ${locking + 1} still denies every principal every action with no condition, so the ${what} would stay locked. Narrow its Principal or Action, or add a Condition.`,
    };
  }
  return { ok: true, policy: text };
}

/** Policies compared as parsed JSON (whitespace and key order do not matter; array order does). */
export function samePolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const [pa, pb] = [parseJson(a), parseJson(b)];
  if (pa === undefined || pb === undefined) return a === b;
  return deepEqual(pa, pb);
}

/** What differs between the policy captured at request time and the current one, in sentences for people. */
export function describePolicyDifferences(expected: string | null, current: string | null, what: "bucket" | "queue"): string[] {
  if (samePolicy(expected, current)) return [];
  if (expected === null) return [`A ${what} policy was added since the request was made.`];
  if (current === null) return [`The ${what} policy was removed since the request was made.`];
  const [pe, pc] = [parseJson(expected), parseJson(current)];
  if (pe === undefined || pc === undefined) return [`The ${what} policy changed since the request was made.`];
  const paths: string[] = [];
  diffPaths(pe, pc, "", paths);
  const shown = paths.slice(0, 5).map((p) => `The ${what} policy changed since the request was made at ${p || "the top level"}.`);
  if (paths.length > 5) shown.push(`…and ${paths.length - 5} more changes.`);
  return shown;
}

// Bucket names: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];
export const ZBucketName = z.string().superRefine((name, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  if (name.length < 3 || name.length > 63) return fail("A bucket name has 3 to 63 characters.");
  if (!/^[a-z0-9.-]+$/.test(name)) return fail("A bucket name uses only lowercase letters, digits, dots (.) and hyphens (-).");
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return fail("A bucket name starts and ends with a lowercase letter or a digit.");
  if (name.includes("..")) return fail("A bucket name has no two dots in a row.");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return fail("A bucket name is not formatted as an IP address.");
  const prefix = BUCKET_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return fail(`A bucket name does not start with "${prefix}".`);
  const suffix = BUCKET_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return fail(`A bucket name does not end with "${suffix}".`);
});

// Queue names: up to 80 characters of letters, digits, hyphens and underscores; FIFO queues end in ".fifo" (counted).
export const ZQueueName = z
  .string()
  .regex(/^(?:[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/, 'A queue name has 1 to 80 characters: letters, digits, hyphens (-) and underscores (_), with ".fifo" at the end for a FIFO queue.');

// Index of the first statement that denies everyone (rule above), or null.
function denyEveryoneStatement(doc: Record<string, unknown> | null): number | null {
  if (!doc) return null;
  const statements = asArray(doc.Statement);
  for (const [i, s] of statements.entries()) {
    if (!isRecord(s) || s.Effect !== "Deny") continue;
    if (s.NotPrincipal !== undefined) continue;
    if (s.Condition !== undefined && !(isRecord(s.Condition) && Object.keys(s.Condition).length === 0)) continue;
    const p = s.Principal;
    const everyone = p === "*" || (isRecord(p) && asArray(p.AWS).includes("*"));
    if (!everyone) continue;
    const allActions =
      asArray(s.Action).some((a) => typeof a === "string" && ["*", "s3:*", "sqs:*"].includes(a.toLowerCase())) ||
      (s.NotAction !== undefined && asArray(s.NotAction).length === 0);
    if (allActions) return i;
  }
  return null;
}

function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths(a[key], b[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => diffPaths(item, b[i], `${path}[${i}]`, out));
    return;
  }
  const show = (v: unknown) => (v === undefined ? "absent" : truncate(JSON.stringify(v), 80));
  out.push(`${path} (was ${show(a)}, is now ${show(b)})`);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  const v = parseJson(text);
  return isRecord(v) ? v : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
