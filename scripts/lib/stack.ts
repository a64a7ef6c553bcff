// Starts everything the product needs on one machine: Postgres (embedded unless DATABASE_URL is
// set), migrations, the AWS simulator, the dev OpenID provider, a production build of the app and
// the app server. Used by `npm run demo` and by the Playwright global setup.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { choosePort, startEmbeddedPostgres, type TEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { ensureKeyFile } from "@/lib/audit/signing-key";
import { migrate } from "@/lib/db/migrate";
import { moveStateFileAside, readStateFile } from "@/sim/aws/persistence";
import { startAwsSim, StateFileError, type AwsSim } from "@/sim/aws/server";
import { DEMO_ROLE_GROUPS, startIdp, type TIdp } from "@/sim/idp/server";

export type TStackOptions = {
  port: number;
  /** Embedded Postgres data directory (ignored when DATABASE_URL is set). */
  dataDir: string;
  /** Throwaway database (tests): deleted on stop. */
  ephemeral?: boolean;
  accounts: number;
  seed: number;
  awsLatencyMs?: number;
  /** Sync the organization and queue a full scan when the database has never been scanned (or the simulated org was regenerated). */
  seedInventory?: boolean;
  /** Keep the AWS simulator's organization in this JSON file between runs (the demo: .data/aws-sim-state.json). */
  simStateFile?: string;
  /** Throw the saved simulator state away first (a file that cannot be read is moved aside, never deleted). */
  resetSimState?: boolean;
  /** Trusted access for IAM, both root-access features and IAM's delegated administrator off, also on a loaded state. */
  featuresDisabled?: boolean;
  log?: (line: string) => void;
};

export type TStack = {
  appUrl: string;
  databaseUrl: string;
  embeddedPostgres: boolean;
  sim: AwsSim;
  idp: TIdp;
  /** Environment the app server runs with (also what a worker process needs). */
  appEnv: Record<string, string>;
  stop: () => Promise<void>;
};

const ROOT = process.cwd();

// Everything started so far, newest last, so Ctrl-C during start-up stops what is already running.
const running: (() => Promise<void>)[] = [];

/** Stops every service this process started, in reverse order. Safe to call at any time. */
export async function stopStartedServices(log: (line: string) => void = console.log): Promise<void> {
  while (running.length > 0) {
    const cleanup = running.pop()!;
    await cleanup().catch((err) => log(`stop: ${String(err)}`));
  }
}

export async function startStack(options: TStackOptions): Promise<TStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const cleanups = running;
  const stop = () => stopStartedServices(log);

  try {
    let databaseUrl = process.env.DATABASE_URL;
    let pg: TEmbeddedPostgres | undefined;
    if (!databaseUrl) {
      pg = await startEmbeddedPostgres({ dataDir: options.dataDir, port: Number(process.env.EMBEDDED_PG_PORT ?? 54329), ephemeral: options.ephemeral });
      cleanups.push(() => pg!.stop());
      databaseUrl = pg.url();
    }
    const migrations = await migrate(databaseUrl, { log });
    log(`database: ${migrations.applied.length} migration(s) applied, ${migrations.alreadyApplied} already in place`);

    const sim = await startSimulator(options, log);
    cleanups.push(() => sim.close());

    const appUrl = `http://127.0.0.1:${options.port}`;
    const clientSecret = randomBytes(24).toString("base64url");
    const idp = await startIdp({
      port: 0,
      clients: [{ clientId: "rootwarden", clientSecret, redirectUris: [`${appUrl}/api/auth/callback/oidc`] }],
    });
    cleanups.push(() => idp.close());

    const appEnv: Record<string, string> = {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DEMO_MODE: "true",
      PORT: String(options.port),
      APP_URL: appUrl,
      NEXTAUTH_URL: appUrl,
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: persistentSecret(options.dataDir, options.ephemeral),
      // The audit signing key and the checkpoint copies live beside the database (.data in the demo).
      AUDIT_SIGNING_KEY: process.env.AUDIT_SIGNING_KEY ?? ensureKeyFile(path.join(path.dirname(path.resolve(options.dataDir)), "audit-signing-key.pem")),
      AUDIT_COPY_DIR: process.env.AUDIT_COPY_DIR ?? path.join(path.dirname(path.resolve(options.dataDir)), "audit-copy"),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: "rootwarden",
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_PROVIDER_NAME: "Rootwarden dev IdP",
      ROLE_GROUPS: DEMO_ROLE_GROUPS,
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_REGION: sim.region,
      AWS_ACCESS_KEY_ID: sim.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
    };
    // The lib code read by seedInventory() below runs in this process with the same settings.
    Object.assign(process.env, { ...appEnv, NODE_ENV: process.env.NODE_ENV ?? "production" });

    buildIfStale(log);
    const server = startServer(options.port, appEnv, log);
    cleanups.push(() => stopChild(server));
    await waitForHealth(appUrl, server);

    if (options.seedInventory) {
      await seedInventory(log, { regenerated: Boolean(options.simStateFile) && sim.stateSource === "generated", featuresForcedOff: Boolean(options.featuresDisabled) });
    }

    return { appUrl, databaseUrl, embeddedPostgres: Boolean(pg), sim, idp, appEnv, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// The session secret survives demo restarts so people stay signed in; tests get a fresh one.
function persistentSecret(dataDir: string, ephemeral?: boolean): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  if (ephemeral) return randomBytes(32).toString("base64url");
  const file = `${path.resolve(dataDir)}.auth-secret`;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

const BUILD_INPUTS = ["app", "components", "lib", "public", "next.config.js", "postcss.config.mjs", "package.json", "tsconfig.json", "proxy.ts", "instrumentation.ts"];

/** Builds when there is no build or any source file is newer than it. */
export function buildIfStale(log: (line: string) => void): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const newest = Math.max(...BUILD_INPUTS.map((p) => newestMtime(path.join(ROOT, p))));
  if (builtAt > newest) {
    log("app: production build is up to date");
    return;
  }
  log(builtAt === 0 ? "app: no production build yet, building (about a minute)..." : "app: sources changed since the last build, rebuilding...");
  const result = spawnSync(process.execPath, [require_resolve_next(), "build"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed; see its output above.");
}

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p, { withFileTypes: true })) {
    if (entry.name === "generated" || entry.name === "node_modules" || entry.name.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

function require_resolve_next(): string {
  return path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
}

function startServer(port: number, env: Record<string, string>, log: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [require_resolve_next(), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) log(`app: ${line}`);
  };
  child.stdout?.on("data", relay);
  child.stderr?.on("data", relay);
  return child;
}

async function waitForHealth(appUrl: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`The app server exited with code ${server.exitCode}; see its output above.`);
    try {
      const res = await fetch(`${appUrl}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The app did not become healthy at ${appUrl}/api/health within 60 s.`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

// Starts the simulator, from its state file when there is one. A file that cannot be read stops the start-up
// (nothing is changed) unless resetSimState says to set it aside.
async function startSimulator(options: TStackOptions, log: (line: string) => void): Promise<AwsSim> {
  const file = options.simStateFile ? path.resolve(options.simStateFile) : undefined;
  if (file && options.resetSimState && existsSync(file)) {
    if (readStateFile(file).status === "loaded") {
      rmSync(file);
      log(`AWS simulator: --reset: discarded the saved organization ${file}`);
    } else {
      log(`AWS simulator: --reset: ${file} could not be read; moved it aside to ${moveStateFileAside(file, "invalid")}`);
    }
  }
  if (file) mkdirSync(path.dirname(file), { recursive: true });
  let sim: AwsSim;
  try {
    sim = await startAwsSim({
      port: 0,
      accounts: options.accounts,
      seed: options.seed,
      latencyMs: options.awsLatencyMs,
      featuresEnabled: !options.featuresDisabled,
      stateFile: file,
    });
  } catch (err) {
    if (!(err instanceof StateFileError)) throw err;
    throw new Error(
      `${err.message}\nNothing was changed. To keep the file for inspection and start from a freshly generated organization, ` +
        `run \`npm run demo -- --reset\` (it moves the file aside to ${path.basename(err.file)}.invalid-<time>).`,
    );
  }
  if (!file) return sim;
  if (sim.stateSource === "loaded") {
    log(`AWS simulator: organization ${sim.organizationId} loaded from ${file} (${sim.state.accountIds.length} accounts); changes are saved there`);
    if (options.featuresDisabled) {
      const res = await fetch(`${sim.endpoint}/_sim/features`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ trustedAccess: false, rootCredentialsManagement: false, rootSessions: false, delegatedAdmin: false }),
      });
      if (!res.ok) throw new Error(`could not turn the simulated org's features off: ${res.status} ${await res.text()}`);
      log("AWS simulator: --features-disabled: turned trusted access for IAM, RootCredentialsManagement, RootSessions and the IAM delegated administrator off in the saved organization");
    }
  } else {
    log(`AWS simulator: generated organization ${sim.organizationId} (seed ${options.seed}, ${options.accounts} accounts${options.featuresDisabled ? ", every root-access feature off" : ""}); saved to ${file}`);
  }
  return sim;
}

// First run: sync the org and queue a full scan; the app's in-process worker runs it. When the simulated org was
// regenerated (first run with a state file, --reset, a file set aside) the inventory is re-synced and re-scanned to match it;
// when its features were forced off, the org is re-synced so the dashboard shows them off.
async function seedInventory(log: (line: string) => void, why: { regenerated: boolean; featuresForcedOff: boolean }): Promise<void> {
  const { prisma } = await import("@/lib/db/client");
  const scans = await prisma.scan.count();
  if (scans > 0 && !why.regenerated) {
    if (why.featuresForcedOff) {
      const { syncOrganization } = await import("@/lib/inventory/sync-organization");
      const { SYSTEM } = await import("@/lib/auth/actor");
      const synced = await syncOrganization({ actor: SYSTEM });
      log(`inventory: re-synced organization ${synced.organizationId} so its features read as off`);
    } else {
      log("inventory: already synced and scanned; the schedule keeps it fresh");
    }
    await prisma.$disconnect();
    return;
  }
  if (scans > 0) log("inventory: the simulated organization was regenerated; re-syncing and re-scanning so the inventory matches it");
  const { syncOrganization } = await import("@/lib/inventory/sync-organization");
  const { startScan } = await import("@/lib/inventory/start-scan");
  const { SYSTEM } = await import("@/lib/auth/actor");
  const synced = await syncOrganization({ actor: SYSTEM });
  log(`inventory: synced organization ${synced.organizationId}`);
  const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "SCHEDULED" });
  log(`inventory: full scan ${scan.id} queued; the app's worker is running it`);
  await prisma.$disconnect();
}

export { choosePort };
