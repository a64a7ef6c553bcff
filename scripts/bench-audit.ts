// `npm run bench:audit -- --events 1000000 --writers 20 [--rate N]`: appends events from concurrent
// writers (one transaction per event, as the app does) while a sequencer runs as a worker's would (in
// its own process: scripts/lib/bench-audit-sequencer.ts), then verifies the whole trail and streams a
// full export.
// Without --rate the writers run a closed loop: each starts its next transaction the moment the last
// one commits, which measures the most appends/s the machine sustains, with latency that is mostly
// run-queue wait once the cores are saturated. With --rate N the load is open: event i is due at
// i / N seconds, whichever writer is free takes it (waiting until it is due), and the JSON adds how
// late transactions began against that schedule (scheduleLagMs), so a rate the machine cannot keep
// shows itself rather than hiding in fewer, faster appends.
// Prints progress on stderr and, last, one JSON line: appends/s (committed), append latency inside the
// transaction (p50/p95/p99/max of the appendAuditEvent call), commit latency, the sequencing lag
// (event time to the signed checkpoint covering it: p50/p95/max), checkpoints, verify and export
// seconds, RSS before and at the peak of the verify, peak RSS.
import { spawn } from "node:child_process";
import { chmodSync, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { SYSTEM } from "@/lib/auth/actor";
import { appendAuditEvent } from "@/lib/audit/append";
import { sequenceAuditTrail } from "@/lib/audit/sequence";
import { exportAuditBundle } from "@/lib/audit/export-bundle";
import { createAuditSigner, generateSigningKeyPem, loadPrivateKey } from "@/lib/audit/signing-key";
import { verifyAuditTrail } from "@/lib/audit/verify";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { migrate } from "@/lib/db/migrate";

const say = (line: string) => process.stderr.write(`[bench:audit] ${line}\n`);

function intFlag(name: string, fallback: number): number;
function intFlag(name: string, fallback: null): number | null;
function intFlag(name: string, fallback: number | null): number | null {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive whole number`);
    process.exit(2);
  }
  return n;
}

async function main() {
  const events = intFlag("events", 1_000_000);
  const writers = intFlag("writers", 20);
  const rate = intFlag("rate", null);
  const unknown = process.argv.slice(2).filter((arg, i, all) => arg.startsWith("--") ? !["--events", "--writers", "--rate"].includes(arg) : !all[i - 1]?.startsWith("--"));
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}; usage: npm run bench:audit -- [--events N] [--writers N] [--rate appends-per-second]`);
    process.exit(2);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rootwarden-bench-audit-"));
  chmodSync(tmp, 0o755);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  say(`starting embedded Postgres in ${tmp}`);
  const server = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), ephemeral: true, database: "rootwarden" });
  try {
    const url = server.url("rootwarden");
    await migrate(url);
    const pem = generateSigningKeyPem();
    const signer = createAuditSigner("bench.rootwarden/audit", loadPrivateKey(pem));
    const pool = new pg.Pool({ connectionString: url, max: writers });
    const sequencerPool = new pg.Pool({ connectionString: url, max: 2 });
    const sequencer = spawn(process.execPath, ["--import", "tsx", "scripts/lib/bench-audit-sequencer.ts"], {
      env: { ...process.env, DATABASE_URL: url, BENCH_AUDIT_SIGNING_KEY: pem },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => sequencer.once("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: sequencer.stdout! }).once("line", () => resolve());
      sequencer.once("exit", (code) => reject(new Error(`the sequencer process exited (${code}) before it was ready`)));
    });
    const latencies = new Float64Array(events);
    const commits = new Float64Array(events);
    const scheduleLags = rate === null ? null : new Float64Array(events);
    let next = 0;
    let done = 0;
    const actor = { userId: "00000000-0000-4000-8000-000000000001", subject: "bench", email: "bench@example.test", name: "Bench", roles: ["operator" as const] };
    const t0 = performance.now();
    let lastReport = t0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const client = await pool.connect();
        try {
          for (let i = next++; i < events; i = next++) {
            if (scheduleLags) {
              const due = t0 + (i * 1000) / rate!;
              const wait = due - performance.now();
              if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
              scheduleLags[i] = Math.max(0, performance.now() - due);
            }
            await client.query("BEGIN");
            const start = performance.now();
            await appendAuditEvent(
              client,
              i % 3 === 0
                ? { type: "scan.started", actor, organizationId: "o-bench12345", target: { type: "ORG", id: "o-bench12345" }, request: { ip: "10.0.0.1", userAgent: "bench", requestId: `r-${i}` },
                    payload: { scanId: "00000000-0000-4000-8000-000000000002", scope: { type: "ORG" }, scopeLabel: "Whole organization", trigger: "MANUAL", total: 10_000, skipped: w } }
                : { type: "settings.changed", actor: SYSTEM, payload: { setting: `writer-${w}`, to: i } },
            );
            const appended = performance.now();
            latencies[i] = appended - start;
            await client.query("COMMIT");
            commits[i] = performance.now() - appended;
            done++;
            if (performance.now() - lastReport > 5000) {
              lastReport = performance.now();
              say(`${done.toLocaleString("en-US")} events appended (${Math.round(done / ((lastReport - t0) / 1000))}/s)`);
            }
          }
        } finally {
          client.release();
        }
      }),
    );
    const appendSeconds = (performance.now() - t0) / 1000;
    await pool.end();
    // What the sequencer still has to do once the last writer committed.
    const drainStart = performance.now();
    sequencer.stdin!.end();
    if ((await exited) !== 0) throw new Error("the sequencer process failed");
    await sequenceAuditTrail({ db: sequencerPool, signer });
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const lag = (
      await sequencerPool.query<{ p50: number; p95: number; max: number; checkpoints: number }>(
        `WITH l AS (
           SELECT extract(epoch FROM (c."createdAt" - e."time")) * 1000 AS ms
           FROM "AuditEvent" e CROSS JOIN LATERAL (SELECT "createdAt" FROM "AuditCheckpoint" WHERE "size" > e."seq" ORDER BY "size" LIMIT 1) c
         )
         SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95, max(ms) AS max,
                (SELECT count(*)::int FROM "AuditCheckpoint") AS checkpoints
         FROM l`,
      )
    ).rows[0]!;
    await sequencerPool.end();
    const percentiles = (values: Float64Array) => {
      const sorted = Array.from(values).sort((a, b) => a - b);
      const at = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(3));
      return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
    };
    const appendLatency = percentiles(latencies);
    const scheduleLag = scheduleLags ? percentiles(scheduleLags) : null;
    const commitLatency = percentiles(commits);
    const rssAfterAppend = process.memoryUsage().rss;
    say(`appended ${events} events in ${appendSeconds.toFixed(1)} s; p95 append ${appendLatency.p95} ms, p95 commit ${commitLatency.p95} ms, p95 sequencing lag ${Math.round(Number(lag.p95))} ms; verifying...`);

    let verifyPeak = process.memoryUsage().rss;
    const verifySampler = setInterval(() => (verifyPeak = Math.max(verifyPeak, process.memoryUsage().rss)), 100);
    let t = performance.now();
    const verified = await verifyAuditTrail({ databaseUrl: url, onProgress: (n) => n % 100_000 < 5000 && say(`  verified ${n.toLocaleString("en-US")}`) });
    const verifySeconds = (performance.now() - t) / 1000;
    clearInterval(verifySampler);
    if (!verified.ok) throw new Error(`verification failed: ${verified.problem?.message}`);
    say(`verified in ${verifySeconds.toFixed(1)} s; exporting...`);

    t = performance.now();
    const bundle = await exportAuditBundle({ actor: { ...actor, roles: ["auditor"] }, databaseUrl: url, signer });
    const file = path.join(tmp, bundle.filename);
    await pipeline(bundle.body, createWriteStream(file));
    const exportSeconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    const result = {
      events,
      writers,
      load: rate === null ? "closed loop" : `open, ${rate} appends/s`,
      ...(scheduleLag ? { scheduleLagMs: scheduleLag } : {}),
      appendsPerSecond: Math.round(events / appendSeconds),
      appendLatencyMs: appendLatency,
      commitLatencyMs: commitLatency,
      sequencingLagMs: { p50: Math.round(Number(lag.p50)), p95: Math.round(Number(lag.p95)), max: Math.round(Number(lag.max)) },
      checkpoints: lag.checkpoints,
      drainSeconds: Number(drainSeconds.toFixed(2)),
      verifySeconds: Number(verifySeconds.toFixed(1)),
      verifyRssMb: { before: Math.round(rssAfterAppend / 2 ** 20), peak: Math.round(verifyPeak / 2 ** 20) },
      exportSeconds: Number(exportSeconds.toFixed(1)),
      exportMb: Number((statSync(file).size / 2 ** 20).toFixed(1)),
      peakRssMb: Math.round(Math.max(peakRss, verifyPeak) / 2 ** 20),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(sampler);
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:audit failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
