// The /_sim/ control API: inspect state and calls, inject faults, flip features, mutate root credentials and policies for tests.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { formatZodError, ZFaultConfig, ZQuirks } from "./faults";
import { lockedBucketPolicy, lockedQueuePolicy } from "./generator";
import { SECRET_CHARS, UPPER_ALNUM, UPPER_BASE32 } from "./random";
import type { SimRuntime } from "./runtime";
import { IAM_SERVICE_PRINCIPAL, queueKey, serializeAccount, serializeState, type RootCredentials } from "./state";

export type ControlResponse = { status: number; body: unknown };

const ZFeatures = z
  .object({
    trustedAccess: z.boolean().optional(),
    rootCredentialsManagement: z.boolean().optional(),
    rootSessions: z.boolean().optional(),
    delegatedAdmin: z.boolean().optional(),
    featureSet: z.enum(["ALL", "CONSOLIDATED_BILLING"]).optional(),
  })
  .strict();

const ZCredentials = z
  .object({
    clean: z.boolean().optional(),
    password: z.boolean().optional(),
    passwordResetRequired: z.boolean().optional(),
    mfa: z.array(z.enum(["virtual", "hardware"])).max(8).optional(),
    accessKeys: z.number().int().min(0).max(2).optional(),
    signingCertificates: z.number().int().min(0).max(2).optional(),
  })
  .strict();

const ZPolicy = z.union([z.object({ policy: z.string().nullable() }).strict(), z.object({ locked: z.boolean() }).strict()]);
const ZAccountState = z.object({ state: z.enum(["PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"]) }).strict();
const ZClock = z.object({ advanceSeconds: z.number().int().min(-86_400 * 365).max(86_400 * 365) }).strict();

export function handleControl(sim: SimRuntime, method: string, path: string, query: URLSearchParams, rawBody: string): ControlResponse {
  const segments = path.split("/").filter(Boolean).slice(1);
  const route = `${method} /${segments.map((s, i) => (isParam(segments, i) ? ":" : s)).join("/")}`;
  let body: unknown = {};
  if (method === "POST" && rawBody.trim()) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return bad("body is not valid JSON");
    }
  }
  const state = sim.state;
  switch (route) {
    case "GET /health":
      return ok({ ok: true });
    case "GET /config":
      return ok(configOf(sim));
    case "GET /organization":
      return ok(serializeState(state));
    case "GET /accounts/:": {
      const account = state.accounts.get(segments[1]!);
      return account ? ok(serializeAccount(state, account)) : notFound(`no account ${segments[1]}`);
    }
    case "GET /calls": {
      const num = (name: string): number | undefined => (query.get(name) === null ? undefined : Number(query.get(name)));
      const calls = sim.listCalls({
        since: num("since"),
        limit: num("limit"),
        operation: query.get("operation") ?? undefined,
        accountId: query.get("accountId") ?? undefined,
        outcome: query.get("outcome") ?? undefined,
      });
      return ok({ calls, dropped: sim.countCalls().dropped });
    }
    case "GET /calls/counts":
      return ok(sim.countCalls({ accountId: query.get("accountId") ?? undefined, operation: query.get("operation") ?? undefined }));
    case "DELETE /calls":
      sim.clearCalls();
      return ok({ cleared: true });
    case "GET /faults":
      return ok(sim.faults);
    case "POST /faults": {
      const parsed = ZFaultConfig.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      sim.setFaults(parsed.data);
      return ok(sim.faults);
    }
    case "GET /quirks":
      return ok(sim.quirks);
    case "POST /quirks": {
      const parsed = ZQuirks.partial().safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      sim.setQuirks(parsed.data);
      return ok(sim.quirks);
    }
    case "POST /reset":
      sim.reset();
      return ok({ reset: true, organizationId: sim.state.organization.id });
    case "POST /features": {
      const parsed = ZFeatures.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      const f = parsed.data;
      if (f.featureSet !== undefined) state.organization.featureSet = f.featureSet;
      if (f.trustedAccess === true) state.trustedAccess.set(IAM_SERVICE_PRINCIPAL, sim.now());
      if (f.trustedAccess === false) state.trustedAccess.delete(IAM_SERVICE_PRINCIPAL);
      if (f.rootCredentialsManagement !== undefined) state.features.rootCredentialsManagement = f.rootCredentialsManagement;
      if (f.rootSessions !== undefined) state.features.rootSessions = f.rootSessions;
      const da = state.principals.delegatedAdmin;
      if (f.delegatedAdmin !== undefined && da) {
        const services = state.delegatedAdmins.get(da.accountId) ?? new Map<string, number>();
        if (f.delegatedAdmin) services.set(IAM_SERVICE_PRINCIPAL, sim.now());
        else services.delete(IAM_SERVICE_PRINCIPAL);
        if (services.size) state.delegatedAdmins.set(da.accountId, services);
        else state.delegatedAdmins.delete(da.accountId);
      }
      return ok(serializeState(state).features);
    }
    case "POST /accounts/:/credentials": {
      const account = state.accounts.get(segments[1]!);
      if (!account) return notFound(`no account ${segments[1]}`);
      const parsed = ZCredentials.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      applyCredentials(account.root, account.id, parsed.data, sim.now());
      return ok(serializeAccount(state, account));
    }
    case "POST /accounts/:/state": {
      const account = state.accounts.get(segments[1]!);
      if (!account) return notFound(`no account ${segments[1]}`);
      const parsed = ZAccountState.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      account.state = parsed.data.state;
      return ok(serializeAccount(state, account));
    }
    case "POST /buckets/:/policy": {
      const bucket = state.buckets.get(segments[1]!);
      if (!bucket) return notFound(`no bucket ${segments[1]}`);
      const parsed = ZPolicy.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      bucket.policy = "policy" in parsed.data ? parsed.data.policy : parsed.data.locked ? lockedBucketPolicy(bucket.name) : null;
      return ok({ ...bucket });
    }
    case "POST /queues/:/:/policy": {
      const queue = state.queues.get(queueKey(segments[1]!, segments[2]!));
      if (!queue) return notFound(`no queue ${segments[1]}/${segments[2]}`);
      const parsed = ZPolicy.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      queue.policy = "policy" in parsed.data ? parsed.data.policy : parsed.data.locked ? lockedQueuePolicy(queue.region, queue.accountId, queue.name) : null;
      return ok({ name: queue.name, accountId: queue.accountId, policy: queue.policy });
    }
    case "POST /clock": {
      const parsed = ZClock.safeParse(body);
      if (!parsed.success) return bad(formatZodError(parsed.error));
      sim.clockOffsetMs += parsed.data.advanceSeconds * 1000;
      return ok({ now: new Date(sim.now()).toISOString(), offsetSeconds: sim.clockOffsetMs / 1000 });
    }
    default:
      return notFound(`unknown control route ${method} ${path}; see sim/aws/README.md`);
  }
}

export function configOf(sim: SimRuntime): Record<string, unknown> {
  const { state } = sim;
  return {
    endpoint: sim.endpoint,
    region: state.region,
    accessKeyId: state.principals.management.accessKeyId,
    secretAccessKey: state.principals.management.secretAccessKey,
    organizationId: state.organization.id,
    managementAccountId: state.organization.managementAccountId,
    delegatedAdminAccountId: state.principals.delegatedAdmin?.accountId ?? "",
    delegatedAdmin: state.principals.delegatedAdmin
      ? { accessKeyId: state.principals.delegatedAdmin.accessKeyId, secretAccessKey: state.principals.delegatedAdmin.secretAccessKey }
      : null,
  };
}

function applyCredentials(root: RootCredentials, accountId: string, input: z.infer<typeof ZCredentials>, now: number): void {
  if (input.clean) {
    root.loginProfile = null;
    root.accessKeys = [];
    root.signingCertificates = [];
    root.mfaDevices = [];
  }
  if (input.password === true) root.loginProfile = { createDate: now, passwordResetRequired: input.passwordResetRequired ?? false };
  if (input.password === false) root.loginProfile = null;
  if (input.mfa) {
    root.mfaDevices = input.mfa.map((kind, i) => ({
      serialNumber: kind === "virtual" ? `arn:aws:iam::${accountId}:mfa/root-mfa-${i + 1}` : `GAHT${randomChars("0123456789", 8)}`,
      kind,
      enableDate: now,
      assigned: true,
    }));
  }
  if (input.accessKeys !== undefined) {
    root.accessKeys = Array.from({ length: input.accessKeys }, () => ({ accessKeyId: `AKIA${randomChars(UPPER_BASE32, 16)}`, status: "Active" as const, createDate: now, lastUsed: null }));
  }
  if (input.signingCertificates !== undefined) {
    root.signingCertificates = Array.from({ length: input.signingCertificates }, () => ({
      certificateId: randomChars(UPPER_ALNUM, 32),
      status: "Active" as const,
      uploadDate: now,
      certificateBody: `-----BEGIN CERTIFICATE-----\n${randomChars(SECRET_CHARS, 64)}\n-----END CERTIFICATE-----`,
    }));
  }
}

// Numeric account ids, bucket names and queue names are the path parameters of the routes above.
function isParam(segments: string[], index: number): boolean {
  const head = segments[0];
  if (head === "accounts" || head === "buckets") return index === 1;
  if (head === "queues") return index === 1 || index === 2;
  return false;
}

function ok(body: unknown): ControlResponse {
  return { status: 200, body };
}

function bad(message: string): ControlResponse {
  return { status: 400, body: { error: "InvalidRequest", message } };
}

function notFound(message: string): ControlResponse {
  return { status: 404, body: { error: "NotFound", message } };
}

function randomChars(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}
