// Keeps the simulator's organization in a JSON file between runs (the demo's `.data/aws-sim-state.json`).
// Everything a caller can change is saved; the call log, sessions and the principals' keys are not (keys are re-derived from the seed).
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { formatZodError } from "./faults";
import { generateState, MAX_ACCOUNTS, type GenerateOptions } from "./generator";
import type { SimState } from "./state";

export const STATE_FILE_VERSION = 1;
export const STATE_WRITE_DEBOUNCE_MS = 200;

const ZMs = z.number().int();
const ZStatus = z.enum(["Active", "Inactive"]);
const ZAccount = z
  .object({
    id: z.string().regex(/^\d{12}$/),
    arn: z.string(),
    name: z.string(),
    email: z.string(),
    state: z.enum(["PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"]),
    joinedMethod: z.enum(["CREATED", "INVITED"]),
    joinedTimestamp: ZMs,
    parentId: z.string(),
    root: z
      .object({
        profile: z.enum(["clean", "password", "password-virtual-mfa", "password-hardware-mfa", "password-mfa-access-keys", "access-keys-only", "signing-certificates", "everything"]),
        loginProfile: z.object({ createDate: ZMs, passwordResetRequired: z.boolean() }).strict().nullable(),
        passwordLastUsed: ZMs.nullable(),
        accessKeys: z.array(
          z
            .object({
              accessKeyId: z.string(),
              status: ZStatus,
              createDate: ZMs,
              lastUsed: z.object({ date: ZMs, serviceName: z.string(), region: z.string() }).strict().nullable(),
            })
            .strict(),
        ),
        signingCertificates: z.array(z.object({ certificateId: z.string(), status: ZStatus, uploadDate: ZMs, certificateBody: z.string() }).strict()),
        mfaDevices: z.array(z.object({ serialNumber: z.string(), kind: z.enum(["virtual", "hardware"]), enableDate: ZMs, assigned: z.boolean() }).strict()),
      })
      .strict(),
    bucketNames: z.array(z.string()),
    queueNames: z.array(z.string()),
  })
  .strict();

const ZStateFile = z
  .object({
    version: z.number(),
    savedAt: z.string(),
    generator: z
      .object({
        accounts: z.number().int().min(1).max(MAX_ACCOUNTS),
        seed: z.union([z.string(), z.number()]),
        region: z.string(),
        featuresEnabled: z.boolean(),
        delegatedAdmin: z.boolean(),
        featureSet: z.enum(["ALL", "CONSOLIDATED_BILLING"]).optional(),
      })
      .strict(),
    state: z
      .object({
        seed: z.string(),
        region: z.string(),
        organization: z
          .object({
            id: z.string(),
            arn: z.string(),
            featureSet: z.enum(["ALL", "CONSOLIDATED_BILLING"]),
            managementAccountId: z.string(),
            managementAccountArn: z.string(),
            managementAccountEmail: z.string(),
          })
          .strict(),
        root: z.object({ id: z.string(), arn: z.string(), name: z.string() }).strict(),
        ous: z.array(z.object({ id: z.string(), arn: z.string(), name: z.string(), parentId: z.string(), depth: z.number().int() }).strict()),
        children: z.array(z.tuple([z.string(), z.object({ ous: z.array(z.string()), accounts: z.array(z.string()) }).strict()])),
        accounts: z.array(ZAccount),
        buckets: z.array(z.object({ name: z.string(), accountId: z.string(), region: z.string(), creationDate: ZMs, policy: z.string().nullable() }).strict()),
        queues: z.array(
          z
            .object({
              name: z.string(),
              accountId: z.string(),
              region: z.string(),
              createdTimestamp: ZMs,
              lastModifiedTimestamp: ZMs,
              attributes: z.record(z.string(), z.string()),
              policy: z.string().nullable(),
            })
            .strict(),
        ),
        features: z.object({ rootCredentialsManagement: z.boolean(), rootSessions: z.boolean() }).strict(),
        trustedAccess: z.array(z.tuple([z.string(), ZMs])),
        delegatedAdmins: z.array(z.tuple([z.string(), z.array(z.tuple([z.string(), ZMs]))])),
        generatedAt: ZMs,
      })
      .strict(),
  })
  .strict();

export type TStateFile = z.infer<typeof ZStateFile>;

export type TStateFileRead =
  | { status: "missing" }
  | { status: "loaded"; state: SimState; generator: GenerateOptions; savedAt: string }
  | { status: "invalid"; reason: string };

export function snapshotState(state: SimState, generator: GenerateOptions, now = new Date()): TStateFile {
  return {
    version: STATE_FILE_VERSION,
    savedAt: now.toISOString(),
    generator: { ...generator },
    state: {
      seed: state.seed,
      region: state.region,
      organization: { ...state.organization },
      root: { ...state.root },
      ous: [...state.ous.values()],
      children: [...state.children.entries()],
      accounts: state.accountIds.map((id) => state.accounts.get(id)!),
      buckets: [...state.buckets.values()],
      queues: [...state.queues.values()],
      features: { ...state.features },
      trustedAccess: [...state.trustedAccess.entries()],
      delegatedAdmins: [...state.delegatedAdmins.entries()].map(([accountId, services]) => [accountId, [...services.entries()]]),
      generatedAt: state.generatedAt,
    },
  };
}

// Parses and checks a saved file; the management and delegated-admin keys come from regenerating the same seed.
export function restoreState(data: unknown): { state: SimState; generator: GenerateOptions; savedAt: string } {
  const version = (data as { version?: unknown } | null)?.version;
  if (version !== STATE_FILE_VERSION) throw new Error(`it has version ${JSON.stringify(version ?? null)}, this simulator reads version ${STATE_FILE_VERSION}`);
  const parsed = ZStateFile.safeParse(data);
  if (!parsed.success) throw new Error(`it does not have the expected shape (${formatZodError(parsed.error)})`);
  const { generator, state: s, savedAt } = parsed.data;
  const base = generateState(generator);
  if (base.organization.id !== s.organization.id || base.organization.managementAccountId !== s.organization.managementAccountId) {
    throw new Error(`its organization ${s.organization.id} is not the one its generator options (seed ${generator.seed}, ${generator.accounts} accounts) produce`);
  }
  const accounts = new Map(s.accounts.map((a) => [a.id, a]));
  const children = new Map(s.children.map(([id, c]) => [id, c]));
  const dangling = s.accounts.find((a) => !children.get(a.parentId)?.accounts.includes(a.id));
  if (dangling) throw new Error(`account ${dangling.id} is not listed under its parent ${dangling.parentId}`);
  const delegated = base.principals.delegatedAdmin;
  if (delegated && !accounts.has(delegated.accountId)) throw new Error(`the delegated-admin account ${delegated.accountId} is missing`);
  const state: SimState = {
    seed: s.seed,
    region: s.region,
    organization: s.organization,
    root: s.root,
    ous: new Map(s.ous.map((ou) => [ou.id, ou])),
    children,
    accounts,
    accountIds: s.accounts.map((a) => a.id),
    buckets: new Map(s.buckets.map((b) => [b.name, b])),
    queues: new Map(s.queues.map((q) => [`${q.accountId}/${q.name}`, q])),
    features: s.features,
    trustedAccess: new Map(s.trustedAccess),
    delegatedAdmins: new Map(s.delegatedAdmins.map(([accountId, services]) => [accountId, new Map(services)])),
    principals: base.principals,
    generatedAt: s.generatedAt,
  };
  return { state, generator, savedAt };
}

export function readStateFile(file: string): TStateFileRead {
  if (!existsSync(file)) return { status: "missing" };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    return { status: "invalid", reason: `it is not valid JSON (${(err as Error).message})` };
  }
  try {
    return { status: "loaded", ...restoreState(data) };
  } catch (err) {
    return { status: "invalid", reason: (err as Error).message };
  }
}

// Temp file + rename: a crash mid-write leaves the previous file intact, never half a file.
export function writeStateFile(file: string, snapshot: TStateFile): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(tmp, file);
}

// Moves a file aside (never deletes it) so a bad or discarded state can still be inspected: returns the new path.
export function moveStateFileAside(file: string, label: string, now = new Date()): string {
  const target = `${file}.${label}-${now.toISOString().replace(/[:.]/g, "-")}`;
  renameSync(file, target);
  return target;
}

// Debounced writer: the first change schedules a write within `debounceMs`; flush() writes now if anything is pending.
export class StatePersister {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private readonly onExit = (): void => this.flush();
  writes = 0;

  constructor(
    readonly file: string,
    private readonly snapshot: () => TStateFile,
    private readonly debounceMs = STATE_WRITE_DEBOUNCE_MS,
    private readonly onError: (err: Error) => void = (err) => console.error(`[sim/aws] could not save state to ${file}: ${err.message}`),
  ) {
    process.once("exit", this.onExit);
  }

  markDirty(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      writeStateFile(this.file, this.snapshot());
      this.writes++;
    } catch (err) {
      this.onError(err as Error);
    }
  }

  close(): void {
    this.flush();
    process.removeListener("exit", this.onExit);
  }
}
