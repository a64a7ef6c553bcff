// `npm run bench:scan -- --accounts 10000 --latency-ms 40`: a full scan through the real job path
// (pg-boss + worker + embedded Postgres in a temp dir) against the AWS simulator in a child process
// (so its CPU and memory are not ours). Last stdout line: JSON with accounts, seconds,
// accountsPerSecond, peakRssMb, speedUp (vs a sequential per-account loop measured on a sample).
import { SYSTEM } from "@/lib/auth/actor";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { auditRootCredentials } from "@/lib/aws/audit-root-credentials";
import { createAwsContext } from "@/lib/aws/context";
import { createPrismaClient } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { migrate } from "@/lib/db/migrate";
import { startWorker } from "@/lib/jobs/start-worker";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";

type TArgs = { accounts: number; latencyMs: number; concurrency: number; batchSize: number; sample: number };

function parseArgs(argv: string[]): TArgs {
  const args: TArgs = { accounts: 10_000, latencyMs: 40, concurrency: 128, batchSize: 50, sample: 40 };
  const keys: Record<string, keyof TArgs> = {
    "--accounts": "accounts",
    "--latency-ms": "latencyMs",
    "--concurrency": "concurrency",
    "--batch-size": "batchSize",
    "--sample": "sample",
  };
  for (let i = 0; i < argv.length; i++) {
    const key = keys[argv[i]];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isInteger(value) || value < 0) {
      throw new Error(`usage: npm run bench:scan -- [--accounts N] [--latency-ms L] [--concurrency C] [--batch-size B] [--sample S] (bad: ${argv[i]} ${argv[i + 1] ?? ""})`);
    }
    args[key] = value;
    i++;
  }
  return args;
}

const say = (line: string) => process.stderr.write(`[bench:scan] ${line}\n`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rootwarden-bench-"));
  chmodSync(tmp, 0o755);
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  try {
    say(`starting embedded Postgres in ${tmp} and the AWS simulator (${args.accounts} accounts, ${args.latencyMs} ms per call)`);
    const [pg, sim] = await Promise.all([
      startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), ephemeral: true, database: "rootwarden" }),
      startSimChild(args),
    ]);
    cleanups.unshift(() => pg.stop(), () => sim.stop());
    const url = pg.url("rootwarden");
    await migrate(url);
    const db = createPrismaClient(url, 20);
    cleanups.unshift(() => db.$disconnect());
    const aws = createAwsContext({
      endpoint: sim.endpoint,
      region: sim.region,
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      maxSockets: args.concurrency * 4,
    });
    cleanups.unshift(() => aws.destroy());

    let t = performance.now();
    const sync = await syncOrganization({ actor: SYSTEM, db, aws });
    say(`org sync: ${sync.accounts} accounts, ${sync.ous} OUs in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const worker = await startWorker({
      databaseUrl: url,
      db,
      aws,
      concurrency: args.concurrency,
      batchSize: args.batchSize,
      intervalHours: 0,
      log: say,
    });
    cleanups.unshift(() => worker.stop());

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    cleanups.unshift(() => clearInterval(sampler));

    t = performance.now();
    const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "MANUAL", db, boss: worker.boss });
    let last = 0;
    for (;;) {
      const s = await db.scan.findUniqueOrThrow({ where: { id: scan.id } });
      if (s.status !== "QUEUED" && s.status !== "RUNNING") {
        if (s.status !== "SUCCEEDED") throw new Error(`scan ended ${s.status}: ${s.error ?? ""}`);
        break;
      }
      if (performance.now() - last > 5000) {
        last = performance.now();
        say(`${s.done}/${s.total} done (${s.failed} failed) after ${((last - t) / 1000).toFixed(1)} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - t) / 1000;
    const finished = await db.scan.findUniqueOrThrow({ where: { id: scan.id } });
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
    const audited = finished.done - finished.skipped;
    say(`scan: ${finished.total} accounts (${audited} audited, ${finished.skipped} skipped, ${finished.failed} failed) in ${seconds.toFixed(1)} s`);
    await worker.stop();

    // Baselines, measured on a sample and scaled linearly to the audited count (not run in full):
    // the naive loop (one account at a time, every read, one call after another, no DB writes,
    // which only flatters it) and, for transparency, our own audit one account at a time.
    const sampleIds = (
      await db.account.findMany({ where: { status: { not: "NOT_APPLICABLE" } }, select: { id: true }, take: args.sample })
    ).map((a) => a.id);
    const perAccount = async (options: Parameters<typeof auditRootCredentials>[2]) => {
      const started = performance.now();
      for (const id of sampleIds) await auditRootCredentials(aws, id, options).catch(() => undefined);
      return (performance.now() - started) / 1000 / Math.max(1, sampleIds.length);
    };
    const naive = await perAccount({ reads: "all", sequential: true });
    const ownSequential = await perAccount({});
    const sequentialSeconds = naive * audited;
    say(
      `sequential per-account loop (every read, one call after another): ${(naive * 1000).toFixed(0)} ms per account on a sample of ` +
        `${sampleIds.length}, scaled linearly to ${audited} accounts = ${sequentialSeconds.toFixed(0)} s (estimate, not run in full)`,
    );
    say(`our audit one account at a time: ${(ownSequential * 1000).toFixed(0)} ms per account = ${(ownSequential * audited).toFixed(0)} s scaled`);

    const result = {
      accounts: finished.total,
      audited,
      seconds: round(seconds),
      accountsPerSecond: round(finished.total / seconds),
      peakRssMb: round(peakRss / 1024 / 1024),
      speedUp: round(sequentialSeconds / seconds),
      sequentialSecondsEstimated: round(sequentialSeconds),
      speedUpVsOwnAuditOneAtATime: round((ownSequential * audited) / seconds),
      sequentialSample: sampleIds.length,
      latencyMs: args.latencyMs,
      concurrency: args.concurrency,
      batchSize: args.batchSize,
      failed: finished.failed,
    };
    await runCleanups(cleanups);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (err) {
    await runCleanups(cleanups);
    throw err;
  }
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

type TSimChild = { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; stop: () => Promise<void> };

async function startSimChild(args: TArgs): Promise<TSimChild> {
  const child = spawn(
    path.join(process.cwd(), "node_modules/.bin/tsx"),
    ["sim/aws/cli.ts", "--port", "0", "--accounts", String(args.accounts), "--latency-ms", String(args.latencyMs)],
    { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
  );
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it started`)));
  });
  const config = JSON.parse(first) as { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  return {
    ...config,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err: unknown) => {
  console.error(`[bench:scan] failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
