// The running simulator's mutable core: state, credentials and sessions, faults, quirks, clock and call log.
import { randomBytes } from "node:crypto";
import { authError, type Protocol } from "./errors";
import { parseFaultConfig, RateLimiter, ZQuirks, type FaultConfig, type Quirks, type QuirksInput, type TFaultConfig } from "./faults";
import { generateState, type GenerateOptions } from "./generator";
import { createRng, SECRET_CHARS, UPPER_BASE32, type Rng } from "./random";
import { parseAmzDate, parseAuthorization, verifySignature, type RawRequest } from "./sigv4";
import type { SimObject } from "./s3";
import type { FeatureSet, SimState } from "./state";
import type { TaskPolicyName } from "./task-policies";

export type Caller =
  | { kind: "iam-user"; accountId: string; arn: string; userId: string; userName: string; accessKeyId: string }
  | { kind: "root-session"; accountId: string; arn: string; userId: string; accessKeyId: string; taskPolicy: TaskPolicyName; expiresAt: number; issuedBy: string };

export type RootSession = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  taskPolicy: TaskPolicyName;
  expiresAt: number;
  issuedBy: string;
};

export type CallLogEntry = {
  seq: number;
  time: string;
  service: Protocol;
  operation: string;
  callerArn: string | null;
  callerAccountId: string | null;
  accountId: string | null;
  taskPolicy: TaskPolicyName | null;
  outcome: "ok" | "error";
  errorCode: string | null;
  httpStatus: number;
  durationMs: number;
};

export type RuntimeOptions = {
  accounts: number;
  seed: string | number;
  region: string;
  featuresEnabled: boolean;
  delegatedAdmin: boolean;
  featureSet?: FeatureSet;
  latencyMs: number;
  jitterMs: number;
  quirks?: QuirksInput;
};

export const CALL_LOG_SIZE = 10_000;
// Operations that can change the organization (AssumeRoot only creates sessions, which are never saved).
export const MUTATING_OPERATION = /^(Create|Delete|Deactivate|Enable|Disable|Register|Deregister|Put|Set)/;

/** Calls counted since the last clear, whatever the ring buffer has dropped: per operation and outcome, and per account for mutating ones. */
export type CallCounts = {
  /** Every call, by operation then outcome. */
  byOperation: Record<string, { ok: number; error: number }>;
  /** Mutating calls (MUTATING_OPERATION) only, one row per account, operation and outcome. */
  mutating: { accountId: string | null; operation: string; outcome: "ok" | "error"; count: number }[];
  /** Successful mutating calls in all. */
  mutatingOk: number;
  /** Calls logged in all, and how many of them the ring buffer no longer holds. */
  total: number;
  dropped: number;
};
// Sessions live at most 15 minutes; keeping a bounded number of expired ones lets us answer ExpiredToken instead of InvalidClientTokenId.
const MAX_SESSIONS = 200_000;

export class SimRuntime {
  state: SimState;
  faults: TFaultConfig;
  quirks: Quirks;
  endpoint = "";
  clockOffsetMs = 0;
  readonly sessions = new Map<string, RootSession>();
  readonly limiter: RateLimiter;
  readonly faultRng: Rng;
  private calls: (CallLogEntry | undefined)[] = new Array(CALL_LOG_SIZE);
  private callSeq = 0;
  // Counters beside the ring buffer, so counting stays exact however many calls were made.
  private clearedAtSeq = 0;
  private operationCounts = new Map<string, { ok: number; error: number }>();
  private mutatingCounts = new Map<string, { accountId: string | null; operation: string; outcome: "ok" | "error"; count: number }>();
  private requestSeq = 0;
  private failAccounts = new Set<string>();
  private slowAccounts = new Set<string>();
  // S3 objects, per bucket name: kept in memory only (not in the saved state file) and cleared by reset().
  private readonly objects = new Map<string, Map<string, SimObject>>();
  // Called after anything that changes `state` (a successful mutating AWS call, a control-API change, reset).
  onStateChange: (() => void) | null = null;

  constructor(readonly options: RuntimeOptions, initialState?: SimState) {
    this.state = initialState ?? this.generate();
    this.faults = this.defaultFaults();
    this.limiter = new RateLimiter({});
    this.quirks = ZQuirks.parse(options.quirks ?? {});
    this.faultRng = createRng(`faults:${options.seed}`);
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  reset(): void {
    this.state = this.generate();
    this.sessions.clear();
    this.objects.clear();
    this.setFaults(this.defaultFaults());
    this.quirks = ZQuirks.parse(this.options.quirks ?? {});
    this.clearCalls();
    this.clockOffsetMs = 0;
    this.stateChanged();
  }

  objectsOf(bucket: string): Map<string, SimObject> {
    let objects = this.objects.get(bucket);
    if (!objects) this.objects.set(bucket, (objects = new Map()));
    return objects;
  }

  stateChanged(): void {
    this.onStateChange?.();
  }

  generatorOptions(): GenerateOptions {
    const o = this.options;
    return { accounts: o.accounts, seed: o.seed, region: o.region, featuresEnabled: o.featuresEnabled, delegatedAdmin: o.delegatedAdmin, featureSet: o.featureSet };
  }

  setFaults(input: FaultConfig): void {
    const faults = parseFaultConfig(input);
    this.faults = faults;
    this.failAccounts = new Set(faults.failAccounts);
    this.slowAccounts = new Set(faults.slowAccounts);
    this.limiter.setLimits(faults.rateLimits);
  }

  setQuirks(input: QuirksInput): void {
    this.quirks = ZQuirks.parse({ ...this.quirks, ...input });
  }

  isFailAccount(accountId: string): boolean {
    return this.failAccounts.has(accountId);
  }

  isSlowAccount(accountId: string): boolean {
    return this.slowAccounts.has(accountId);
  }

  nextRequestId(): string {
    this.requestSeq = (this.requestSeq + 1) >>> 0;
    const hex = this.requestSeq.toString(16).padStart(8, "0");
    return `${hex}-5157-4a00-9000-${hex}${this.callSeq.toString(16).padStart(4, "0").slice(-4)}`;
  }

  // Verifies the SigV4 signature and maps the access key to a principal, answering like AWS when anything is off.
  authenticate(protocol: Protocol, raw: RawRequest): Caller {
    const auth = parseAuthorization(headerOf(raw, "authorization"));
    if (!auth) throw authError(protocol, "missing");
    const amzDate = headerOf(raw, "x-amz-date");
    const signedAt = parseAmzDate(amzDate);
    if (Number.isNaN(signedAt)) throw authError(protocol, "bad-signature");
    const users = [this.state.principals.management, this.state.principals.delegatedAdmin];
    const user = users.find((u) => u?.accessKeyId === auth.accessKeyId);
    const session = user ? undefined : this.sessions.get(auth.accessKeyId);
    if (!user && !session) throw authError(protocol, "unknown-key");
    const secret = user ? user.secretAccessKey : session!.secretAccessKey;
    const verdict = verifySignature(auth, secret, raw);
    if (verdict === "payload-hash-mismatch") throw authError(protocol, "payload-hash");
    if (verdict !== "ok") throw authError(protocol, "bad-signature");
    // Skew is judged against real time: the SDK signs with the wall clock even when tests move the sim clock.
    if (Math.abs(Date.now() - signedAt) > this.quirks.maxClockSkewSeconds * 1000) throw authError(protocol, "skew", amzDate);
    const token = headerOf(raw, "x-amz-security-token");
    if (user) {
      if (token) throw authError(protocol, "bad-token");
      return { kind: "iam-user", accountId: user.accountId, arn: user.arn, userId: user.userId, userName: user.userName, accessKeyId: user.accessKeyId };
    }
    const s = session!;
    if (token !== s.sessionToken) throw authError(protocol, "bad-token");
    if (this.now() >= s.expiresAt) throw authError(protocol, "expired");
    return {
      kind: "root-session",
      accountId: s.accountId,
      arn: `arn:aws:iam::${s.accountId}:root`,
      userId: s.accountId,
      accessKeyId: s.accessKeyId,
      taskPolicy: s.taskPolicy,
      expiresAt: s.expiresAt,
      issuedBy: s.issuedBy,
    };
  }

  createSession(accountId: string, taskPolicy: TaskPolicyName, durationSeconds: number, issuedBy: string): RootSession {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: RootSession = {
      accessKeyId: `ASIA${randomChars(UPPER_BASE32, 16)}`,
      secretAccessKey: randomChars(SECRET_CHARS, 40),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString("base64")}`,
      accountId,
      taskPolicy,
      expiresAt: this.now() + durationSeconds * 1000,
      issuedBy,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  logCall(entry: Omit<CallLogEntry, "seq">): void {
    const seq = ++this.callSeq;
    this.calls[seq % CALL_LOG_SIZE] = { seq, ...entry };
    let op = this.operationCounts.get(entry.operation);
    if (!op) this.operationCounts.set(entry.operation, (op = { ok: 0, error: 0 }));
    op[entry.outcome]++;
    if (MUTATING_OPERATION.test(entry.operation)) {
      const key = `${entry.accountId ?? "-"}\t${entry.operation}\t${entry.outcome}`;
      const row = this.mutatingCounts.get(key);
      if (row) row.count++;
      else this.mutatingCounts.set(key, { accountId: entry.accountId, operation: entry.operation, outcome: entry.outcome, count: 1 });
    }
  }

  countCalls(filter: { accountId?: string; operation?: string } = {}): CallCounts {
    const byOperation: CallCounts["byOperation"] = {};
    for (const [operation, c] of this.operationCounts) if (!filter.operation || filter.operation === operation) byOperation[operation] = { ...c };
    const mutating = [...this.mutatingCounts.values()]
      .filter((r) => (!filter.accountId || r.accountId === filter.accountId) && (!filter.operation || r.operation === filter.operation))
      .map((r) => ({ ...r }));
    const total = this.callSeq - this.clearedAtSeq;
    return { byOperation, mutating, mutatingOk: mutating.reduce((n, r) => n + (r.outcome === "ok" ? r.count : 0), 0), total, dropped: Math.max(0, total - CALL_LOG_SIZE) };
  }

  listCalls(filter: { since?: number; limit?: number; operation?: string; accountId?: string; outcome?: string }): CallLogEntry[] {
    const out: CallLogEntry[] = [];
    const first = Math.max(1, this.callSeq - CALL_LOG_SIZE + 1, (filter.since ?? 0) + 1);
    for (let seq = first; seq <= this.callSeq; seq++) {
      const entry = this.calls[seq % CALL_LOG_SIZE];
      if (!entry || entry.seq !== seq) continue;
      if (filter.operation && entry.operation !== filter.operation) continue;
      if (filter.accountId && entry.accountId !== filter.accountId) continue;
      if (filter.outcome && entry.outcome !== filter.outcome) continue;
      out.push(entry);
    }
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  clearCalls(): void {
    this.calls = new Array(CALL_LOG_SIZE);
    this.clearedAtSeq = this.callSeq;
    this.operationCounts.clear();
    this.mutatingCounts.clear();
  }

  private generate(): SimState {
    return generateState(this.generatorOptions());
  }

  private defaultFaults(): TFaultConfig {
    return parseFaultConfig({ latencyMs: this.options.latencyMs, jitterMs: this.options.jitterMs });
  }
}

function headerOf(raw: RawRequest, name: string): string {
  const v = raw.headers[name];
  return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
}

function randomChars(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}
