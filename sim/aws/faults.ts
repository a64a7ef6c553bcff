// Fault injection, latency, rate limits and configurable assumptions ("quirks") — the knobs tests and demos turn.
import { z } from "zod";

export const ZFaultConfig = z
  .object({
    errorRate: z.number().min(0).max(1).default(0),
    failAccounts: z.array(z.string().regex(/^\d{12}$/, "account ids are 12 digits")).default([]),
    slowAccounts: z.array(z.string().regex(/^\d{12}$/, "account ids are 12 digits")).default([]),
    slowMs: z.number().int().min(0).max(120_000).default(0),
    rateLimits: z.record(z.string().min(1), z.number().positive().max(1_000_000)).default({}),
    latencyMs: z.number().int().min(0).max(120_000).default(0),
    jitterMs: z.number().int().min(0).max(120_000).default(0),
    // Extra latency for these operations only (e.g. { DeleteAccessKey: 500 }), added before the call takes effect.
    operationLatencyMs: z.record(z.string().regex(/^[A-Za-z]+$/, "operation names are letters only"), z.number().int().min(0).max(120_000)).default({}),
  })
  .strict();

export type FaultConfig = z.input<typeof ZFaultConfig>;
export type TFaultConfig = z.output<typeof ZFaultConfig>;

// Behaviour the facts doc marks as uncertain (?): defaults follow the doc, each can be flipped.
export const ZQuirks = z
  .object({
    // AssumeRoot when not allowed / feature off / target outside the org.
    assumeRootDeniedCode: z.string().min(1).default("AccessDenied"),
    assumeRootDeniedStatus: z.number().int().min(400).max(599).default(403),
    // Targeting the management account itself with AssumeRoot.
    assumeRootManagementAccount: z.enum(["deny", "allow"]).default("deny"),
    // Second CreateLoginProfile while a profile exists.
    createLoginProfileWhenPresent: z.enum(["EntityAlreadyExists", "allow"]).default("EntityAlreadyExists"),
    // Who may call Enable OrganizationsRoot* in IAM (AWS lists CallerIsNotManagementAccountException for Enable* only).
    enableFeaturesFrom: z.enum(["management", "management-or-delegated"]).default("management"),
    // Who may call Disable OrganizationsRoot* in IAM: AWS lists no CallerIsNotManagementAccountException for them.
    disableFeaturesFrom: z.enum(["management", "management-or-delegated"]).default("management-or-delegated"),
    // Organizations MaxResults above 20: reject as AWS's model range says, or clamp.
    orgsMaxResultsOver20: z.enum(["error", "clamp"]).default("error"),
    // Every Nth Organizations list page comes back empty with a NextToken (0 = never); AWS documents that this can happen.
    orgsEmptyPageEvery: z.number().int().min(0).max(1000).default(0),
    // Organizations responses carry Path/Paths fields.
    orgsPaths: z.boolean().default(true),
    // What the root user's LoginProfile.UserName reads (not documented for root; the account id is a guess).
    rootLoginProfileUserName: z.enum(["account-id", "root", "omit"]).default("account-id"),
    // Allowed clock skew of SigV4 x-amz-date (AWS: 15 minutes).
    maxClockSkewSeconds: z.number().int().min(1).default(900),
  })
  .strict();

export type Quirks = z.output<typeof ZQuirks>;
export type QuirksInput = z.input<typeof ZQuirks>;

export function parseFaultConfig(input: unknown): TFaultConfig {
  return ZFaultConfig.parse(input ?? {});
}

// A token bucket per operation: `limit` requests per second with a one-second burst.
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(private limits: Record<string, number>) {}

  setLimits(limits: Record<string, number>): void {
    this.limits = limits;
    this.buckets.clear();
  }

  // `*` limits every operation together in addition to per-operation limits.
  tryTake(operation: string, now: number): boolean {
    return this.take(operation, now) && this.take("*", now);
  }

  private take(key: string, now: number): boolean {
    const limit = this.limits[key];
    if (limit === undefined) return true;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit, updated: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.updated) / 1000) * limit);
    bucket.updated = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

export function formatZodError(err: z.ZodError): string {
  return err.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`).join("; ");
}
