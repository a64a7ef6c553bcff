// `npm run bench:reports -- [--accounts 10000] [--days 30]`: compliance exports at scale. Seeds an
// embedded Postgres in a temp dir (scripts/lib/bench-inventory.ts), then, in this process through
// lib/reports (no HTTP): the CSV of every account x rule (cold and warmed process), the JSON, a CSV
// as of 15 days back and the PDF, each timed with its RSS growth (peak RSS minus the RSS just
// before, the peak from the kernel's high-water mark; see measured()). Progress on stderr; last
// stdout line: JSON with accounts, rows, csvSeconds, csvCpuSeconds, csvRssGrowthMb,
// csvColdRssGrowthMb, jsonSeconds, jsonCpuSeconds, jsonRssGrowthMb, pdfSeconds, asOfSeconds,
// pdfPages, pdfRssGrowthMb, prismaFirstQueryRssMb, rssPeakFrom.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TActor } from "@/lib/auth/actor";
import { createPrismaClient } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { migrate } from "@/lib/db/migrate";
import { exportCompliancePdf } from "@/lib/reports/export-compliance-pdf";
import { exportReport, type TReportDownload } from "@/lib/reports/export-report";
import { seedBenchInventory } from "./lib/bench-inventory";

const FRESHNESS_HOURS = 48;
const AUDITOR: TActor = { userId: "00000000-0000-4000-8000-0000000000be", subject: "bench", email: "bench@example.com", name: "Bench", roles: ["auditor"] };
const say = (line: string) => process.stderr.write(`[bench:reports] ${line}\n`);

function parseArgs(argv: string[]): { accounts: number; days: number } {
  const args = { accounts: 10_000, days: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    const key = argv[i] === "--accounts" ? "accounts" : argv[i] === "--days" ? "days" : null;
    if (!key || !Number.isInteger(value) || value < 1) throw new Error(`usage: npm run bench:reports -- [--accounts N] [--days D] (bad: ${argv[i]})`);
    args[key] = value;
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rootwarden-bench-reports-"));
  chmodSync(tmp, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), ephemeral: true });
  const databaseUrl = server.url();
  const db = createPrismaClient(databaseUrl, 2);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Stopping the server at the end can reach a connection pool.end() is still closing; that is not a failure.
  pool.on("error", () => {});
  try {
    await migrate(databaseUrl);
    const seeded = await seedBenchInventory(databaseUrl, { ...args, ous: 500, orgId: "o-benchmark01", rootId: "r-bnch", freshnessHours: FRESHNESS_HOURS });
    say(`seeded ${args.accounts} accounts, ${seeded.ous} OUs, ${seeded.snapshots} snapshots`);
    const now = new Date();
    const base = { actor: AUDITOR, db, pool, now, freshnessHours: FRESHNESS_HOURS };
    // A web server's Prisma client has run queries (every signed-in request reads its session row)
    // before anyone exports; a client's first query loads Prisma's query compiler (WebAssembly).
    // That is measured on its own (prismaFirstQueryRssMb), not counted as export memory.
    const prismaFirst = await measured(() => db.organization.findFirst({ select: { id: true } }));
    say(`Prisma client's first query: RSS +${mb(prismaFirst.rssGrowth)} MB`);
    // The first full export of the process also grows V8's heap spaces and pg's buffers once, opens
    // the cursor pool's first connection and compiles the code on its path: csvColdRssGrowthMb.
    // csvRssGrowthMb and jsonRssGrowthMb are a warmed process (a web server that has exported
    // before): idle after one export, peak during the next. *CpuSeconds: this process's CPU time
    // during the export (Postgres's is not in it), less sensitive than wall time to a busy machine.
    const cold = await measured(async () => drain(await exportReport({ ...base, query: { format: "csv" } })));
    say(`CSV, cold process: ${cold.value.rows} rows in ${cold.seconds.toFixed(2)} s, RSS +${mb(cold.rssGrowth)} MB (${cold.rssMethod})`);
    await new Promise((r) => setTimeout(r, 500));
    const csv = await measured(async () => drain(await exportReport({ ...base, query: { format: "csv" } })));
    say(`CSV: ${csv.value.rows} rows, ${mb(csv.value.bytes)} MB in ${csv.seconds.toFixed(2)} s, RSS +${mb(csv.rssGrowth)} MB`);
    await new Promise((r) => setTimeout(r, 500));
    const json = await measured(async () => drain(await exportReport({ ...base, query: { format: "json" } })));
    say(`JSON: ${mb(json.value.bytes)} MB in ${json.seconds.toFixed(2)} s, RSS +${mb(json.rssGrowth)} MB`);
    const asOf = new Date(now.getTime() - 15 * 86_400_000).toISOString();
    const past = await measured(async () => drain(await exportReport({ ...base, query: { format: "csv", asOf } })));
    say(`CSV as of ${asOf}: ${past.value.rows} rows in ${past.seconds.toFixed(2)} s, RSS +${mb(past.rssGrowth)} MB`);
    const pdf = await measured(async () => drain(await exportCompliancePdf({ ...base, query: { format: "pdf" } }), true));
    say(`PDF: ${pdf.value.pages} pages, ${mb(pdf.value.bytes)} MB in ${pdf.seconds.toFixed(2)} s, RSS +${mb(pdf.rssGrowth)} MB`);
    console.log(
      JSON.stringify({
        accounts: args.accounts,
        rows: csv.value.rows,
        csvSeconds: round(csv.seconds),
        csvCpuSeconds: round(csv.cpuSeconds),
        csvRssGrowthMb: Math.round(csv.rssGrowth / 1e6),
        csvColdRssGrowthMb: Math.round(cold.rssGrowth / 1e6),
        jsonSeconds: round(json.seconds),
        jsonCpuSeconds: round(json.cpuSeconds),
        jsonRssGrowthMb: Math.round(json.rssGrowth / 1e6),
        pdfSeconds: round(pdf.seconds),
        asOfSeconds: round(past.seconds),
        pdfPages: pdf.value.pages,
        pdfRssGrowthMb: Math.round(pdf.rssGrowth / 1e6),
        prismaFirstQueryRssMb: Math.round(prismaFirst.rssGrowth / 1e6),
        rssPeakFrom: csv.rssMethod,
      }),
    );
  } finally {
    await pool.end();
    await db.$disconnect();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Reads the stream to its end, keeping nothing but counts (and, for a PDF, its page count). */
async function drain(out: TReportDownload, countPages = false): Promise<{ bytes: number; rows: number; pages: number }> {
  let bytes = 0;
  let pages = 0;
  let tail = "";
  const reader = out.stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    bytes += r.value.byteLength;
    if (countPages) {
      const text = tail + Buffer.from(r.value).toString("latin1");
      pages += (text.match(/\/Type \/Page\b(?!s)/g) ?? []).length;
      tail = text.slice(-16);
    }
  }
  const { rowCount } = await out.recorded;
  return { bytes, rows: rowCount, pages };
}

/**
 * Runs fn and returns its time and this process's RSS growth: peak RSS while it ran minus the RSS
 * just before. The peak is the kernel's high-water mark (VmHWM in /proc/self/status, reset by
 * writing 5 to /proc/self/clear_refs), which misses no spike however short or however busy the
 * event loop; where Linux does not offer it, RSS sampled every 2 ms by a timer.
 */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number; rssGrowth: number; rssMethod: string }> {
  const idle = process.memoryUsage.rss();
  const kernelPeak = resetKernelPeakRss();
  let sampled = idle;
  const sampler = kernelPeak ? undefined : setInterval(() => (sampled = Math.max(sampled, process.memoryUsage.rss())), 2);
  const t = performance.now();
  const cpu = process.cpuUsage();
  const value = await fn();
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  const peak = Math.max(sampled, process.memoryUsage.rss(), kernelPeak ? readKernelPeakRss() : 0);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6, rssGrowth: peak - idle, rssMethod: kernelPeak ? "VmHWM" : "sampled every 2 ms" };
}

function resetKernelPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return readKernelPeakRss() > 0;
  } catch {
    return false;
  }
}

function readKernelPeakRss(): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return kb ? Number(kb[1]) * 1024 : 0;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
