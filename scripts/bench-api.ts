// `npm run bench:api -- [--accounts 10000] [--days 30] [--clients 20] [--requests 3000]`: the account
// list API under load. Seeds an embedded Postgres in a temp dir with SQL (OU tree, accounts, a daily
// snapshot per account), starts the production build with `next start` against it, forges a viewer
// session cookie and fires GET /api/accounts filtered by status and OU subtree from N concurrent
// clients. Progress on stderr; last stdout line: JSON with p50/p95/p99, errors and throughput.
import { fork, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { encodeSessionCookie } from "@/lib/auth/session";
import { createUserSession } from "@/lib/auth/user-sessions";
import { createPrismaClient } from "@/lib/db/client";
import { choosePort, startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { migrate } from "@/lib/db/migrate";
import { seedBenchInventory } from "./lib/bench-inventory";
import { buildIfStale } from "./lib/stack";

type TArgs = { accounts: number; days: number; clients: number; requests: number; ous: number };

const P95_TARGET_MS = 150;
// The app's default freshness window, set explicitly so the seeded trend roll-up matches it.
const FRESHNESS_HOURS = 48;
const ORG_ID = "o-benchmark01";
const ROOT_ID = "r-bnch";

function parseArgs(argv: string[]): TArgs {
  const args: TArgs = { accounts: 10_000, days: 30, clients: 20, requests: 3000, ous: 500 };
  const keys: Record<string, keyof TArgs> = {
    "--accounts": "accounts",
    "--days": "days",
    "--clients": "clients",
    "--requests": "requests",
    "--ous": "ous",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = keys[argv[i]];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isInteger(value) || value < 1) {
      throw new Error(
        `usage: npm run bench:api -- [--accounts N] [--days D] [--clients C] [--requests R] [--ous O] (bad: ${argv[i]} ${argv[i + 1] ?? ""})`,
      );
    }
    args[key] = value;
  }
  return args;
}

const say = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rootwarden-bench-api-"));
  chmodSync(tmp, 0o755);
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  try {
    say(`starting embedded Postgres in ${tmp}`);
    const server = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), ephemeral: true });
    cleanups.push(() => server.stop());
    const databaseUrl = server.url();
    await migrate(databaseUrl);

    const seeded = await timed(() => seedBenchInventory(databaseUrl, { ...args, orgId: ORG_ID, rootId: ROOT_ID, freshnessHours: FRESHNESS_HOURS }));
    say(`seeded ${args.accounts} accounts, ${seeded.value.ous} OUs, ${seeded.value.snapshots} snapshots in ${seeded.ms.toFixed(0)} ms`);

    buildIfStale(say);
    const port = await choosePort(0);
    const appUrl = `http://127.0.0.1:${port}`;
    const authSecret = `bench-${Math.random().toString(36).slice(2)}-${Date.now()}-secret-secret`;
    const app = startApp(port, {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      APP_URL: appUrl,
      NEXTAUTH_URL: appUrl,
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: authSecret,
      // The benchmark signs its own session; no IdP is contacted, but production config wants one named.
      OIDC_ISSUER: "http://127.0.0.1:9/unused",
      OIDC_CLIENT_ID: "bench",
      OIDC_CLIENT_SECRET: "bench",
      // Plain http on 127.0.0.1, as in the demo.
      DEMO_MODE: "true",
      // Reads only: no job worker in this process.
      WORKER_IN_WEB: "false",
      COMPLIANCE_FRESHNESS_HOURS: String(FRESHNESS_HOURS),
    });
    cleanups.push(() => stopChild(app));
    await waitForHealth(appUrl, app);

    // A real user and session row, as a sign-in would leave them: the app checks the session per request.
    const db = createPrismaClient(databaseUrl, 1);
    const user = await db.user.create({ data: { issuer: "http://127.0.0.1:9/unused", subject: "bench-viewer", email: "bench@example.com", roles: ["viewer"], groups: [] } });
    const sessionId = await createUserSession(db, { userId: user.id, now: new Date(), maxAgeSeconds: 8 * 3600 });
    await db.$disconnect();
    const cookie = await encodeSessionCookie(
      {
        sub: "bench-viewer",
        uid: user.id,
        sid: sessionId,
        email: "bench@example.com",
        name: "Bench Viewer",
        roles: ["viewer"],
        signedInAt: Math.floor(Date.now() / 1000),
      },
      { NODE_ENV: "production", APP_URL: appUrl, AUTH_SECRET: authSecret, SESSION_MAX_AGE_HOURS: 8 },
    );

    const urls = seeded.value.ouIds.flatMap((ouId, i) => [
      `/api/accounts?status=NON_COMPLIANT&ouId=${ouId}&pageSize=50`,
      `/api/accounts?status=NON_COMPLIANT,UNKNOWN&ouId=${ouId}&sort=lastScannedAt&dir=desc&page=${1 + (i % 3)}`,
    ]);
    say(`warming up (${Math.min(100, urls.length)} requests)`);
    await load(appUrl, cookie.header, urls.slice(0, 100), 4, 100);

    say(`measuring: ${args.requests} requests of GET /api/accounts (status + OU subtree) from ${args.clients} concurrent clients`);
    const pgDataDir = path.join(tmp, "pg");
    const cpuBefore = { app: processCpuMs(app.pid), postgres: postgresCpuMs(pgDataDir), machine: machineBusyMs() };
    const result = await load(appUrl, cookie.header, urls, args.clients, args.requests);
    const perRequest = (ms: number) => round(ms / result.latencies.length);
    const cpuMsPerRequest = {
      app: perRequest(processCpuMs(app.pid) - cpuBefore.app),
      postgres: perRequest(postgresCpuMs(pgDataDir) - cpuBefore.postgres),
      clients: perRequest(result.clientCpuMs),
      // Every process on the machine: the app, Postgres, the clients and anything else running.
      machine: perRequest(machineBusyMs() - cpuBefore.machine),
    };
    // One request each first: a route's first request loads its code, which is not what is measured.
    await sampleLatency(appUrl, cookie.header, "/api/ous", 1);
    await sampleLatency(appUrl, cookie.header, "/api/overview", 1);
    const others = {
      ous: await sampleLatency(appUrl, cookie.header, "/api/ous", 20),
      overview: await sampleLatency(appUrl, cookie.header, "/api/overview", 10),
    };

    const summary = {
      benchmark: "api-accounts-list",
      mode: "http (next start, production build)",
      accounts: args.accounts,
      ous: seeded.value.ous,
      snapshots: seeded.value.snapshots,
      clients: args.clients,
      requests: result.latencies.length,
      errors: result.errors,
      firstError: result.firstError,
      p50Ms: round(percentile(result.latencies, 50)),
      p95Ms: round(percentile(result.latencies, 95)),
      p99Ms: round(percentile(result.latencies, 99)),
      maxMs: round(Math.max(...result.latencies)),
      requestsPerSecond: round(result.latencies.length / (result.wallMs / 1000)),
      cpuMsPerRequest,
      p95TargetMs: P95_TARGET_MS,
      pass: percentile(result.latencies, 95) <= P95_TARGET_MS && result.errors === 0,
      singleClient: { ousP95Ms: round(percentile(others.ous, 95)), overviewP95Ms: round(percentile(others.overview, 95)) },
    };
    say(
      `p50 ${summary.p50Ms} ms, p95 ${summary.p95Ms} ms (target <= ${P95_TARGET_MS}), p99 ${summary.p99Ms} ms, ` +
        `${summary.errors} errors, ${summary.requestsPerSecond} req/s; /api/ous p95 ${summary.singleClient.ousP95Ms} ms, ` +
        `/api/overview p95 ${summary.singleClient.overviewP95Ms} ms (one client)`,
    );
    console.log(JSON.stringify(summary));
    if (!summary.pass) process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((err) => say(`cleanup: ${String(err)}`));
  }
}

// ---------- load ----------

// The clients run in child processes (this script with --load-worker) on keep-alive node:http
// connections, so the measurement is of the server: the clients' own CPU is reported separately.
const LOAD_PROCESSES = 2;

type TLoadJob = { appUrl: string; cookie: string; urls: string[]; clients: number; indexes: number[] };
type TLoadResult = { latencies: number[]; errors: number; firstError: string | null; cpuMs: number };

async function load(
  appUrl: string,
  cookie: string,
  urls: string[],
  clients: number,
  total: number,
): Promise<{ latencies: number[]; errors: number; firstError: string | null; wallMs: number; clientCpuMs: number }> {
  const processes = Math.min(LOAD_PROCESSES, clients);
  const workers = Array.from({ length: processes }, () =>
    fork(process.argv[1], ["--load-worker"], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("exit", (code) => reject(new Error(`load worker exited with code ${code} before it was ready`)));
    })));
    const started = performance.now();
    const results = await Promise.all(
      workers.map((w, k) => {
        const indexes = Array.from({ length: total }, (_, i) => i).filter((i) => i % processes === k);
        const job: TLoadJob = {
          appUrl,
          cookie,
          urls,
          clients: Math.floor(clients / processes) + (k < clients % processes ? 1 : 0),
          indexes,
        };
        return new Promise<TLoadResult>((resolve, reject) => {
          w.once("message", (m) => resolve(m as TLoadResult));
          w.once("exit", (code) => reject(new Error(`load worker exited with code ${code}`)));
          w.send(job);
        });
      }),
    );
    const wallMs = performance.now() - started;
    return {
      latencies: results.flatMap((r) => r.latencies),
      errors: results.reduce((n, r) => n + r.errors, 0),
      firstError: results.find((r) => r.firstError)?.firstError ?? null,
      wallMs,
      clientCpuMs: results.reduce((n, r) => n + r.cpuMs, 0),
    };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill();
  }
}

/** A load worker: waits for one job, runs its clients, reports latencies and its own CPU time. */
async function runLoadWorker(): Promise<void> {
  const job = await new Promise<TLoadJob>((resolve) => {
    process.once("message", (m) => resolve(m as TLoadJob));
    process.send!("ready");
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.clients });
  const cpu0 = process.cpuUsage();
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const client = async () => {
    while (next < job.indexes.length) {
      const i = job.indexes[next++];
      const url = job.urls[(i * 7919) % job.urls.length];
      const t0 = performance.now();
      try {
        const res = await httpGet(agent, `${job.appUrl}${url}`, job.cookie);
        latencies.push(performance.now() - t0);
        if (res.status !== 200) {
          errors++;
          firstError ??= `HTTP ${res.status} for ${url}: ${res.body.toString("utf8").slice(0, 200)}`;
        }
      } catch (err) {
        latencies.push(performance.now() - t0);
        errors++;
        firstError ??= `${url}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: job.clients }, client));
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const result: TLoadResult = { latencies, errors, firstError, cpuMs: (cpu.user + cpu.system) / 1000 };
  await new Promise<void>((resolve) => process.send!(result, () => resolve()));
  process.disconnect();
}

function httpGet(agent: http.Agent, url: string, cookie: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

async function sampleLatency(appUrl: string, cookie: string, url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${appUrl}${url}`, { headers: { cookie } });
    await res.text();
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

// ---------- helpers ----------

function startApp(port: number, env: Record<string, string>): ChildProcess {
  const next = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
  // BENCH_CPU_PROF=<dir>: the app writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const child = spawn(process.execPath, [...profile, next, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => process.env.BENCH_VERBOSE && say(`app: ${d.toString().trim()}`));
  child.stderr?.on("data", (d: Buffer) => say(`app: ${d.toString().trim()}`));
  return child;
}

async function waitForHealth(appUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${appUrl}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("The app did not answer /api/health within 60 s.");
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** User + system CPU of one process (Linux /proc; 0 elsewhere), in ms. */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU of the Postgres server on this data directory: the postmaster and its backends (Linux /proc). */
function postgresCpuMs(dataDir: string): number {
  try {
    const procs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
    const postmaster = procs.find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(dataDir);
      } catch {
        return false;
      }
    });
    if (!postmaster) return 0;
    const children = procs.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1] === postmaster;
      } catch {
        return false;
      }
    });
    // Exited backends' time is in the postmaster's cutime/cstime; live ones are counted directly.
    return [postmaster, ...children].reduce((ms, pid) => ms + processCpuMs(Number(pid)), 0) + childrenCpuMs(Number(postmaster));
  } catch {
    return 0;
  }
}

function childrenCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU time spent by everything on the machine, all cores (Linux /proc/stat; 0 elsewhere), in ms. */
function machineBusyMs(): number {
  try {
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

// USER_HZ: 100 on every mainstream Linux build.
const CLOCK_TICKS = 100;

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

(process.argv[2] === "--load-worker" ? runLoadWorker() : main()).catch((err) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
