// `npm run bench:tasks -- --accounts 1000 --latency-ms 40`: deletes the root credentials of N accounts
// of one OU through request -> approval -> execution, through the real job path (startWorker with
// pg-boss: task-start, task-batch and the re-scan after each batch) against the AWS simulator in a
// child process with the given latency on every call. The OU's accounts get known root credentials
// (password, one or two access keys, every third a signing certificate; MFA devices are left alone:
// the request does not choose that kind, so no virtual MFA device is deleted), the org is synced and
// scanned, then the clock runs from createTaskRequest to the request's final status.
// Last stdout line: JSON with accounts, seconds, peakRssMb, credentialsRemoved (the simulator's state
// before minus after), mutatingCalls (successful mutating calls counted by the simulator, exact past
// its call-log ring buffer: GET /_sim/calls/counts), requestStatus, targetsSucceeded; and, as the
// figure depends on what else the machine runs, the 1-minute load average when the request started
// and ended and the CPU seconds the benchmark process (web + worker), Postgres and the simulator used
// meanwhile (Linux /proc; null elsewhere). Concurrency is the worker's default unless given.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import type { TRole } from "@/lib/auth/roles";
import { createAwsContext } from "@/lib/aws/context";
import { createPrismaClient } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import type { PrismaClient } from "@/lib/db/generated/client";
import { migrate } from "@/lib/db/migrate";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startWorker } from "@/lib/jobs/start-worker";
import { TASK_BATCH_POLLERS, TASK_TARGET_CONCURRENCY, queueTaskStart } from "@/lib/jobs/task-jobs";
import { createTaskRequest, voteOnTaskRequest } from "@/lib/tasks/requests";

type TArgs = { accounts: number; latencyMs: number; batchPollers: number; targetConcurrency: number };

function parseArgs(argv: string[]): TArgs {
  const args: TArgs = { accounts: 1000, latencyMs: 40, batchPollers: TASK_BATCH_POLLERS, targetConcurrency: TASK_TARGET_CONCURRENCY };
  const keys: Record<string, keyof TArgs> = { "--accounts": "accounts", "--latency-ms": "latencyMs", "--batch-pollers": "batchPollers", "--target-concurrency": "targetConcurrency" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = keys[argv[i]!];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isInteger(value) || value < 0 || (key !== "latencyMs" && value < 1)) {
      throw new Error(`usage: npm run bench:tasks -- [--accounts N] [--latency-ms L] [--batch-pollers P] [--target-concurrency C] (bad: ${argv[i]} ${argv[i + 1] ?? ""})`);
    }
    args[key] = value;
  }
  return args;
}

const say = (line: string) => process.stderr.write(`[bench:tasks] ${line}\n`);
const FINAL = new Set(["SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "REJECTED", "CANCELLED", "EXPIRED"]);
const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

type TSimAccount = {
  id: string;
  state: string;
  isManagement: boolean;
  root: { loginProfile: unknown; accessKeys: unknown[]; signingCertificates: unknown[]; mfaDevices: { assigned: boolean }[] };
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rootwarden-bench-tasks-"));
  chmodSync(tmp, 0o755);
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  try {
    // The generator puts about 80% of the accounts under Workloads: enough for N there.
    const simAccounts = Math.ceil(args.accounts * 1.4) + 30;
    say(`starting embedded Postgres in ${tmp} and the AWS simulator (${simAccounts} accounts, ${args.latencyMs} ms per call)`);
    const [pg, sim] = await Promise.all([
      startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), ephemeral: true, database: "rootwarden" }),
      startSimChild(simAccounts, args.latencyMs),
    ]);
    cleanups.unshift(() => pg.stop(), () => sim.stop());
    const url = pg.url("rootwarden");
    await migrate(url);
    const db = createPrismaClient(url, 40);
    cleanups.unshift(() => db.$disconnect());
    const aws = createAwsContext({
      endpoint: sim.endpoint,
      region: sim.region,
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      maxSockets: 512,
    });
    cleanups.unshift(() => aws.destroy());

    let t = performance.now();
    const sync = await syncOrganization({ actor: SYSTEM, db, aws });
    say(`org sync: ${sync.accounts} accounts, ${sync.ous} OUs in ${elapsed(t)}`);

    // The OU: Workloads. Its first N active member accounts get known credentials, the rest none of the chosen kinds.
    const ou = await db.ou.findFirst({ where: { name: "Workloads", removedAt: null }, select: { id: true, idPath: true } });
    if (!ou) throw new Error("the simulated org has no Workloads OU");
    const inOu = await db.account.findMany({ where: { ouIdPath: { startsWith: ou.idPath }, leftOrgAt: null }, select: { id: true, state: true, isManagement: true }, orderBy: { id: "asc" } });
    const eligible = inOu.filter((a) => a.state === "ACTIVE" && !a.isManagement);
    if (eligible.length < args.accounts) throw new Error(`Workloads holds ${eligible.length} active accounts, fewer than ${args.accounts}`);
    const chosen = eligible.slice(0, args.accounts).map((a) => a.id);
    const chosenSet = new Set(chosen);
    t = performance.now();
    await mapLimit(inOu, 32, async (a, i) => {
      const body = chosenSet.has(a.id) ? { password: true, accessKeys: 1 + (i % 2), signingCertificates: i % 3 === 0 ? 1 : 0 } : { password: false, accessKeys: 0, signingCertificates: 0 };
      await control(sim.endpoint, "POST", `/_sim/accounts/${a.id}/credentials`, body);
    });
    say(`seeded root credentials in ${chosen.length} of the ${inOu.length} accounts of OU ${ou.id} in ${elapsed(t)}`);

    const worker = await startWorker({
      databaseUrl: url,
      db,
      aws,
      concurrency: 128,
      batchSize: 50,
      intervalHours: 0,
      taskBatchPollers: args.batchPollers,
      taskTargetConcurrency: args.targetConcurrency,
      log: (line) => {
        if (!/batch ran|batch\(es\) queued/.test(line)) say(line);
      },
    });
    cleanups.unshift(() => worker.stop());

    t = performance.now();
    const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "MANUAL", db, boss: worker.boss });
    for (;;) {
      const s = await db.scan.findUniqueOrThrow({ where: { id: scan.id } });
      if (s.status !== "QUEUED" && s.status !== "RUNNING") {
        if (s.status !== "SUCCEEDED") throw new Error(`scan ended ${s.status}: ${s.error ?? ""}`);
        break;
      }
      await sleep(200);
    }
    say(`scan of the org (fresh snapshots) in ${elapsed(t)}`);

    const operator = await benchActor(db, ["operator"], "bench-operator");
    const approver = await benchActor(db, ["approver"], "bench-approver");
    const before = countCredentials(await simAccounts_(sim.endpoint));
    await control(sim.endpoint, "DELETE", "/_sim/calls");

    // rss() alone: memoryUsage() also walks the heap's spaces, ten times a second on the measured process.
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
    cleanups.unshift(() => clearInterval(sampler));

    const loadBefore = os.loadavg()[0]!;
    const cpuBefore = cpuTicksByProcess(sim.pid);
    const started = performance.now();
    const { request, plan } = await createTaskRequest({
      actor: operator,
      input: {
        taskType: "DELETE_ROOT_CREDENTIALS",
        scope: { type: "OU", ouId: ou.id },
        params: { kinds: ["password", "accessKeys", "signingCertificates"], deleteVirtualMfa: false },
        reason: "Benchmark: remove the root credentials of every account in the OU",
      },
      db,
      aws: () => aws,
    });
    say(`request ${request.id}: ${plan!.targets.length} targets, ${plan!.totals.credentials} credentials, ${plan!.excluded.length} accounts excluded; created in ${elapsed(started)}`);
    if (plan!.targets.length !== args.accounts) throw new Error(`the plan has ${plan!.targets.length} targets, expected ${args.accounts}`);
    await voteOnTaskRequest({
      actor: approver,
      requestId: request.id,
      decision: "APPROVE",
      comment: "benchmark approval",
      db,
      aws: () => aws,
      // As afterTaskCommit does in the app: the approved request's start job is queued after the commit.
      afterCommit: async (event) => {
        if (event.kind === "approved") await queueTaskStart(worker.boss, event.requestId);
      },
    });
    say(`approved after ${elapsed(started)}`);

    let status = "";
    let lastReport = performance.now();
    for (;;) {
      const r = await db.taskRequest.findUniqueOrThrow({ where: { id: request.id }, select: { status: true } });
      status = r.status;
      if (FINAL.has(status)) break;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        const done = await db.taskTarget.count({ where: { requestId: request.id, status: { notIn: ["PENDING", "RUNNING"] } } });
        say(`${status}: ${done}/${args.accounts} targets done after ${elapsed(started)}`);
      }
      if (performance.now() - started > 600_000) throw new Error(`the request is still ${status} after 10 minutes`);
      await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuTicksByProcess(sim.pid);
    const loadAfter = os.loadavg()[0]!;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    say(`request ${status} after ${seconds.toFixed(1)} s`);

    const after = countCredentials(await simAccounts_(sim.endpoint));
    const counts = (await control(sim.endpoint, "GET", "/_sim/calls/counts")) as { mutatingOk: number; mutating: { operation: string; outcome: string; count: number }[]; total: number; dropped: number };
    const byOp: Record<string, number> = {};
    for (const row of counts.mutating) if (row.outcome === "ok") byOp[row.operation] = (byOp[row.operation] ?? 0) + row.count;
    const targets = await db.taskTarget.groupBy({ by: ["status"], where: { requestId: request.id }, _count: { _all: true } });
    const byStatus = Object.fromEntries(targets.map((g) => [g.status, g._count._all]));
    const perTarget = await db.$queryRaw<{ over: bigint }[]>`SELECT count(*) AS over FROM "TaskTarget" WHERE "requestId" = ${request.id}::uuid AND "attempts" > 1`;
    say(`simulator: ${counts.total} calls since the request (${counts.dropped} beyond the call log's buffer, counted all the same); successful mutating calls by operation: ${JSON.stringify(byOp)}`);
    say(`targets by status: ${JSON.stringify(byStatus)}; claimed more than once: ${perTarget[0]?.over ?? 0}`);

    const result = {
      accounts: args.accounts,
      seconds: round(seconds),
      peakRssMb: round(peakRss / 1024 / 1024),
      credentialsRemoved: before - after,
      mutatingCalls: counts.mutatingOk,
      requestStatus: status,
      targetsSucceeded: (byStatus.SUCCEEDED ?? 0) + (byStatus.ALREADY_DONE ?? 0),
      credentialsPlanned: plan!.totals.credentials,
      latencyMs: args.latencyMs,
      batchPollers: args.batchPollers,
      targetConcurrency: args.targetConcurrency,
      loadAvg1m: [round(loadBefore), round(loadAfter)],
      cpuSeconds: cpuBefore && cpuAfter ? Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, round((v - cpuBefore[k as keyof typeof cpuBefore]) / 100)])) : null,
    };
    await runCleanups(cleanups);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (err) {
    await runCleanups(cleanups);
    throw err;
  }
}

/**
 * CPU time (clock ticks, 100 a second) of this process, of the simulator child's process tree and of
 * the embedded Postgres (its postmaster and backends). Null where /proc is missing.
 */
function cpuTicksByProcess(simPid: number | undefined): { bench: number; postgres: number; simulator: number } | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const procs = new Map<number, { ppid: number; command: string; ticks: number }>();
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the parenthesised command name: state ppid ... utime (12th) stime (13th).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      procs.set(Number(pid), { ppid: Number(fields[1]), command, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Exited meanwhile.
    }
  }
  const ancestors = (pid: number): number[] => {
    const up: number[] = [];
    for (let p = procs.get(pid)?.ppid ?? 0; p > 1 && up.length < 20; p = procs.get(p)?.ppid ?? 0) up.push(p);
    return up;
  };
  const out = { bench: 0, postgres: 0, simulator: 0 };
  for (const [pid, p] of procs) {
    if (pid === process.pid) {
      out.bench += p.ticks;
      continue;
    }
    const up = ancestors(pid);
    if (pid === simPid || (simPid !== undefined && up.includes(simPid))) out.simulator += p.ticks;
    else if (up.includes(process.pid) && p.command.startsWith("postgres")) out.postgres += p.ticks;
  }
  return out;
}

async function benchActor(db: PrismaClient, roles: TRole[], name: string): Promise<TActor> {
  const user = await db.user.create({ data: { issuer: "https://bench.invalid", subject: name, email: `${name}@example.com`, name, roles, groups: [] } });
  return { userId: user.id, subject: user.subject, email: user.email, name: user.name, roles, authTime: new Date() };
}

async function simAccounts_(endpoint: string): Promise<TSimAccount[]> {
  return ((await control(endpoint, "GET", "/_sim/organization")) as { accounts: TSimAccount[] }).accounts;
}

/** Root credentials held across the org, MFA devices included (the request leaves them alone). */
function countCredentials(accounts: TSimAccount[]): number {
  let n = 0;
  for (const a of accounts) n += (a.root.loginProfile ? 1 : 0) + a.root.accessKeys.length + a.root.signingCertificates.length + a.root.mfaDevices.filter((m) => m.assigned).length;
  return n;
}

async function control(endpoint: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${endpoint}${route}`, { method, headers: body === undefined ? undefined : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
    }),
  );
}

async function runCleanups(cleanups: (() => Promise<unknown> | void)[]) {
  while (cleanups.length > 0) {
    const next = cleanups.shift()!;
    try {
      await next();
    } catch {
      // Best effort: a failed cleanup must not hide the result or the original error.
    }
  }
}

type TSimChild = { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; pid: number | undefined; stop: () => Promise<void> };

async function startSimChild(accounts: number, latencyMs: number): Promise<TSimChild> {
  const child = spawn(path.join(process.cwd(), "node_modules/.bin/tsx"), ["sim/aws/cli.ts", "--port", "0", "--accounts", String(accounts), "--latency-ms", String(latencyMs)], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it started`)));
  });
  const config = JSON.parse(first) as { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  return {
    ...config,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err: unknown) => {
  console.error(`[bench:tasks] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
