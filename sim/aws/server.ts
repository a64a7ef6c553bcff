// The simulator's HTTP endpoint: one port on 127.0.0.1 speaking STS, IAM, Organizations, S3 and SQS wire protocols plus /_sim/.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleControl } from "./control-api";
import type { OpContext } from "./context";
import { injectedError, renderError, SimError, throttlingError, unknownOperationError, type InjectedFailure, type Protocol, type SimResponse } from "./errors";
import type { FaultConfig, QuirksInput } from "./faults";
import { handleIam } from "./iam";
import { handleOrganizations } from "./organizations";
import { readStateFile, snapshotState, StatePersister } from "./persistence";
import { MUTATING_OPERATION, SimRuntime, type CallCounts, type CallLogEntry } from "./runtime";
import { handleS3, resolveS3Route, type S3Route } from "./s3";
import type { RawRequest } from "./sigv4";
import { handleSqs } from "./sqs";
import type { FeatureSet, SimState } from "./state";
import { handleSts } from "./sts";

export type { FaultConfig } from "./faults";
export type { SimState } from "./state";
export type { CallCounts } from "./runtime";

export type AwsSimOptions = {
  port?: number; // 0 = free port
  accounts?: number; // default 300
  seed?: number | string; // default 1
  latencyMs?: number;
  jitterMs?: number;
  featuresEnabled?: boolean; // default true: trusted access + both IAM features on
  region?: string; // default us-east-1
  delegatedAdmin?: boolean; // default true: the security account is IAM's delegated administrator
  quirks?: QuirksInput;
  featureSet?: FeatureSet; // default ALL; CONSOLIDATED_BILLING starts with no trusted access and both IAM features off
  // Load the organization from this JSON file when it exists (its generator options win over accounts/seed/region/
  // featuresEnabled/delegatedAdmin/featureSet), and save every change to it. A file that cannot be read throws StateFileError.
  stateFile?: string;
};

export class StateFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`The simulator state file ${file} cannot be used: ${reason}.`);
  }
}

export type AwsSim = {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  organizationId: string;
  managementAccountId: string;
  delegatedAdminAccountId: string;
  delegatedAdmin: { accessKeyId: string; secretAccessKey: string };
  state: SimState;
  setFaults(f: FaultConfig): void;
  setQuirks(q: QuirksInput): void;
  advanceClock(seconds: number): void;
  calls(filter?: { since?: number; operation?: string; accountId?: string; outcome?: "ok" | "error" }): CallLogEntry[];
  /** Exact counts since the last clear (the call log itself keeps only the last 10,000 calls). */
  callCounts(filter?: { accountId?: string; operation?: string }): CallCounts;
  reset(): void;
  close(): Promise<void>;
  // "loaded" when the organization came from `stateFile`, "generated" when it came from the seed.
  stateSource: "generated" | "loaded";
  stateFile: string | null;
};

const MAX_BODY_BYTES = 1024 * 1024;
// PUT is S3's alone here (PutObject, PutBucketPolicy): objects such as monthly reports may be larger.
const MAX_PUT_BODY_BYTES = 64 * 1024 * 1024;
// Control routes that change test configuration rather than the organization.
const CONFIG_ROUTES = new Set(["/_sim/faults", "/_sim/quirks", "/_sim/clock"]);

export async function startAwsSim(opts: AwsSimOptions = {}): Promise<AwsSim> {
  const saved = opts.stateFile ? readStateFile(opts.stateFile) : ({ status: "missing" } as const);
  if (saved.status === "invalid") throw new StateFileError(opts.stateFile!, saved.reason);
  const generator = saved.status === "loaded" ? saved.generator : null;
  const runtime = new SimRuntime(
    {
      accounts: generator?.accounts ?? opts.accounts ?? 300,
      seed: generator?.seed ?? opts.seed ?? 1,
      region: generator?.region ?? opts.region ?? "us-east-1",
      featuresEnabled: generator?.featuresEnabled ?? opts.featuresEnabled ?? true,
      delegatedAdmin: generator?.delegatedAdmin ?? opts.delegatedAdmin ?? true,
      featureSet: generator ? generator.featureSet : opts.featureSet,
      latencyMs: opts.latencyMs ?? 0,
      jitterMs: opts.jitterMs ?? 0,
      quirks: opts.quirks,
    },
    saved.status === "loaded" ? saved.state : undefined,
  );
  const persister = opts.stateFile ? new StatePersister(opts.stateFile, () => snapshotState(runtime.state, runtime.generatorOptions())) : null;
  if (persister) {
    runtime.onStateChange = () => persister.markDirty();
    // A fresh organization is written at once, so the file exists from the first run.
    if (saved.status === "missing") {
      runtime.stateChanged();
      persister.flush();
    }
  }
  const server = createServer((req, res) => {
    handleRequest(runtime, req, res).catch((err: unknown) => {
      // Last resort only: handlers answer in-protocol; this keeps a bug from hanging the client.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`simulator bug: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  runtime.endpoint = `http://127.0.0.1:${port}`;
  const { state } = runtime;
  const delegated = state.principals.delegatedAdmin;
  return {
    endpoint: runtime.endpoint,
    region: state.region,
    accessKeyId: state.principals.management.accessKeyId,
    secretAccessKey: state.principals.management.secretAccessKey,
    organizationId: state.organization.id,
    managementAccountId: state.organization.managementAccountId,
    delegatedAdminAccountId: delegated?.accountId ?? "",
    delegatedAdmin: { accessKeyId: delegated?.accessKeyId ?? "", secretAccessKey: delegated?.secretAccessKey ?? "" },
    get state() {
      return runtime.state;
    },
    setFaults: (f) => runtime.setFaults(f),
    setQuirks: (q) => runtime.setQuirks(q),
    advanceClock: (seconds) => {
      runtime.clockOffsetMs += seconds * 1000;
    },
    calls: (filter = {}) => runtime.listCalls(filter),
    callCounts: (filter = {}) => runtime.countCalls(filter),
    reset: () => runtime.reset(),
    stateSource: saved.status === "loaded" ? "loaded" : "generated",
    stateFile: opts.stateFile ?? null,
    close: () =>
      new Promise<void>((resolve) => {
        persister?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handleRequest(sim: SimRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  const method = req.method ?? "GET";
  const body = await readBody(req, method === "PUT" ? MAX_PUT_BODY_BYTES : MAX_BODY_BYTES);
  if (rawPath === "/_sim" || rawPath.startsWith("/_sim/")) {
    const result = handleControl(sim, method, rawPath, new URLSearchParams(rawQuery), body?.toString("utf8") ?? "");
    if (method === "POST" && result.status === 200 && !CONFIG_ROUTES.has(rawPath)) sim.stateChanged();
    return send(res, { status: result.status, headers: { "content-type": "application/json" }, body: JSON.stringify(result.body) });
  }
  const started = performance.now();
  const requestId = sim.nextRequestId();
  const raw: RawRequest = { method, rawPath, rawQuery, headers: req.headers, body: body ?? Buffer.alloc(0) };
  const protocol = detectProtocol(req, raw);
  const entry: Omit<CallLogEntry, "seq"> = {
    time: new Date(sim.now()).toISOString(),
    service: protocol,
    operation: "unknown",
    callerArn: null,
    callerAccountId: null,
    accountId: null,
    taskPolicy: null,
    outcome: "ok",
    errorCode: null,
    httpStatus: 200,
    durationMs: 0,
  };
  let response: SimResponse;
  try {
    if (!body) throw new SimError(protocol === "s3" ? "EntityTooLarge" : "RequestEntityTooLarge", "Request body too large", 413);
    response = await dispatch(sim, protocol, raw, requestId, entry);
  } catch (err) {
    const simError = err instanceof SimError ? err : new SimError("InternalFailure", "The simulator failed to process the request.", 500);
    if (!(err instanceof SimError)) console.error("[sim/aws] handler error", err);
    response = renderError(protocol, simError, requestId);
    entry.outcome = "error";
    entry.errorCode = simError.code;
  }
  entry.httpStatus = response.status;
  if (entry.outcome === "ok" && MUTATING_OPERATION.test(entry.operation)) sim.stateChanged();
  entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
  sim.logCall(entry);
  send(res, response);
}

async function dispatch(sim: SimRuntime, protocol: Protocol, raw: RawRequest, requestId: string, entry: Omit<CallLogEntry, "seq">): Promise<SimResponse> {
  const parsed = parseOperation(protocol, raw);
  entry.operation = parsed.operation;
  const caller = sim.authenticate(protocol, raw);
  entry.callerArn = caller.arn;
  entry.callerAccountId = caller.accountId;
  entry.accountId = caller.accountId;
  if (caller.kind === "root-session") entry.taskPolicy = caller.taskPolicy;
  if (parsed.operation === "") throw unknownOperationError(protocol, "");

  const { faults } = sim;
  if (!sim.limiter.tryTake(parsed.operation, Date.now())) throw throttlingError(protocol);
  const target = parsed.operation === "AssumeRoot" ? parsed.params?.get("TargetPrincipal")?.replace(/^arn:aws:iam::(\d{12}):root$/, "$1") : caller.accountId;
  let delay = faults.latencyMs + (faults.jitterMs > 0 ? Math.floor(sim.faultRng.next() * faults.jitterMs) : 0);
  if (target && sim.isSlowAccount(target)) delay += faults.slowMs;
  delay += faults.operationLatencyMs[parsed.operation] ?? 0;
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  if (faults.errorRate > 0 && sim.faultRng.next() < faults.errorRate) {
    const kinds: InjectedFailure[] = ["throttle", "internal", "unavailable"];
    throw injectedError(protocol, kinds[Math.floor(sim.faultRng.next() * kinds.length)]!);
  }

  const ctx: OpContext = { sim, protocol, operation: parsed.operation, caller, requestId, now: sim.now(), target: { accountId: caller.accountId } };
  try {
    switch (protocol) {
      case "sts":
        return handleSts(ctx, parsed.params!);
      case "iam":
        return handleIam(ctx, parsed.params!);
      case "organizations":
        return handleOrganizations(ctx, parsed.json!);
      case "sqs":
        return handleSqs(ctx, parsed.json!);
      case "s3":
        return handleS3(ctx, parsed.s3!, raw.body, raw.headers);
    }
  } finally {
    entry.accountId = ctx.target.accountId;
  }
}

type ParsedOperation = { operation: string; params?: URLSearchParams; json?: Record<string, unknown>; s3?: S3Route };

function parseOperation(protocol: Protocol, raw: RawRequest): ParsedOperation {
  if (protocol === "sts" || protocol === "iam") {
    const params = new URLSearchParams(raw.body.toString("utf8"));
    return { operation: params.get("Action") ?? "", params };
  }
  if (protocol === "s3") {
    const s3 = resolveS3Route(raw.method, raw.rawPath, new URLSearchParams(raw.rawQuery));
    return { operation: s3.operation, s3 };
  }
  const target = String(raw.headers["x-amz-target"] ?? "");
  const operation = target.slice(target.indexOf(".") + 1);
  let json: Record<string, unknown> = {};
  const text = raw.body.toString("utf8").trim();
  if (text) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === "object" && !Array.isArray(value)) json = value as Record<string, unknown>;
    } catch {
      return { operation: "", json };
    }
  }
  return { operation, json };
}

// Organizations and SQS announce themselves in X-Amz-Target; query calls carry Version; everything else is S3.
function detectProtocol(req: IncomingMessage, raw: RawRequest): Protocol {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.startsWith("AmazonSQS.") ? "sqs" : "organizations";
  const contentType = String(req.headers["content-type"] ?? "");
  if (raw.method === "POST" && contentType.startsWith("application/x-www-form-urlencoded")) {
    const text = raw.body.toString("utf8");
    if (text.includes("Version=2011-06-15")) return "sts";
    if (text.includes("Version=2010-05-08")) return "iam";
    return /Credential=[^/]+\/[^/]+\/[^/]+\/sts\//.test(String(req.headers.authorization ?? "")) ? "sts" : "iam";
  }
  return "s3";
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, response: SimResponse): void {
  const body = typeof response.body === "string" ? Buffer.from(response.body, "utf8") : response.body;
  // The Date header from this process's clock (Node's own comes from a clock tests cannot move); the
  // SDK corrects its clock skew from it, and the signature check (runtime.ts) compares with the same clock.
  res.writeHead(response.status, { date: new Date().toUTCString(), ...response.headers, "content-length": response.headers["content-length"] ?? String(body.length) });
  res.end(body);
}
