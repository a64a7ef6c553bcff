// `npm test`: every check, in order: type check, lint, unit + integration tests (Vitest, real
// Postgres, AWS simulator), end-to-end journeys (Playwright). Ends with a pass/fail summary and
// exits non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

type TStep = {
  name: string;
  command: string[];
  env?: Record<string, string>;
  counts?: () => { passed: number; failed: number } | null;
  /** The failed tests, each with the first line of its error (printed again after the summary). */
  failures?: () => string[];
};

const bin = (name: string) => path.join(process.cwd(), "node_modules", ".bin", name);
mkdirSync("test-results", { recursive: true });
rmSync("test-results/vitest-report.json", { force: true });
rmSync("test-results/vitest-shifted-report.json", { force: true });
rmSync("test-results/e2e-report.json", { force: true });

const steps: TStep[] = [
  { name: "type check", command: [bin("tsc"), "--noEmit", "-p", "."] },
  { name: "lint", command: [bin("eslint"), ".", "--max-warnings", "0"] },
  {
    name: "unit + integration",
    command: [bin("vitest"), "run", "--reporter=default", "--reporter=json", "--outputFile.json=test-results/vitest-report.json"],
    counts: () => {
      const report = readJson<{ numPassedTests: number; numFailedTests: number }>("test-results/vitest-report.json");
      return report ? { passed: report.numPassedTests, failed: report.numFailedTests } : null;
    },
    failures: () => vitestFailures("test-results/vitest-report.json"),
  },
  {
    // The same suite with the JavaScript clock a year ahead (scripts/lib/clock-shift-setup.ts): a test
    // that passes only near the day it was written fails here today.
    name: "clock +1 year",
    command: [bin("vitest"), "run", "--reporter=dot", "--reporter=json", "--outputFile.json=test-results/vitest-shifted-report.json"],
    env: { TEST_CLOCK_SHIFT_DAYS: "366" },
    counts: () => {
      const report = readJson<{ numPassedTests: number; numFailedTests: number }>("test-results/vitest-shifted-report.json");
      return report ? { passed: report.numPassedTests, failed: report.numFailedTests } : null;
    },
    failures: () => vitestFailures("test-results/vitest-shifted-report.json"),
  },
  {
    name: "end-to-end",
    command: [bin("tsx"), "scripts/e2e.ts"],
    counts: () => {
      const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number } }>("test-results/e2e-report.json");
      return report ? { passed: report.stats.expected + report.stats.flaky, failed: report.stats.unexpected } : null;
    },
    failures: () => playwrightFailures("test-results/e2e-report.json"),
  },
];

const results: { name: string; ok: boolean; seconds: number; counts: { passed: number; failed: number } | null; failures: string[] }[] = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.command.map((c) => path.basename(c)).join(" ")}`);
  const started = Date.now();
  const run = spawnSync(step.command[0], step.command.slice(1), { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...step.env } });
  const ok = run.status === 0;
  results.push({ name: step.name, ok, seconds: (Date.now() - started) / 1000, counts: step.counts?.() ?? null, failures: ok ? [] : (step.failures?.() ?? []) });
}

console.log("\n=== summary");
for (const r of results) {
  const counts = r.counts ? `  (${r.counts.passed} passed, ${r.counts.failed} failed)` : "";
  console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name.padEnd(20)} ${r.seconds.toFixed(1).padStart(6)} s${counts}`);
}
// The failures again, last, so that whoever reads only the end of a long log still sees which tests.
for (const r of results.filter((x) => x.failures.length > 0)) {
  console.log(`\n--- failed in ${r.name}:`);
  for (const f of r.failures.slice(0, 20)) console.log(`  ${f}`);
  if (r.failures.length > 20) console.log(`  ... and ${r.failures.length - 20} more`);
}
const passed = results.reduce((n, r) => n + (r.counts?.passed ?? 0), 0);
const failedTests = results.reduce((n, r) => n + (r.counts?.failed ?? 0), 0);
const failedSteps = results.filter((r) => !r.ok).map((r) => r.name);
console.log(failedSteps.length === 0 ? "\nALL CHECKS PASSED" : `\nFAILED: ${failedSteps.join(", ")}`);
// A step that failed without failing tests (type errors, lint) still counts as a failure.
console.log(`tests: ${passed} passed, ${failedTests > 0 ? failedTests : failedSteps.length} failed`);
process.exit(failedSteps.length === 0 ? 0 : 1);

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

// A declaration, not a const: the steps above call it (through vitestFailures) before this line runs.
function firstLine(message: string | undefined): string {
  return (
    (message ?? "")
      .replace(/\u001b\[[0-9;]*m/g, "")
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0)
      ?.slice(0, 300) ?? ""
  );
}

function vitestFailures(file: string): string[] {
  type TReport = { testResults?: { name: string; message?: string; assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[] }[] };
  const report = readJson<TReport>(file);
  const out: string[] = [];
  for (const f of report?.testResults ?? []) {
    const where = path.relative(process.cwd(), f.name);
    const failed = (f.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed) out.push(`${where} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    // A file that failed to load (or failed in a hook) has no failed test of its own.
    if (failed.length === 0 && f.message) out.push(`${where}: ${firstLine(f.message)}`);
  }
  return out;
}

function playwrightFailures(file: string): string[] {
  type TSpec = { title: string; file: string; line: number; tests?: { status: string; results?: { error?: { message?: string } }[] }[] };
  type TSuite = { suites?: TSuite[]; specs?: TSpec[] };
  const report = readJson<{ suites?: TSuite[] }>(file);
  const out: string[] = [];
  const walk = (suite: TSuite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== "unexpected") continue;
        const error = t.results?.map((r) => r.error?.message).find(Boolean);
        out.push(`${spec.file}:${spec.line} > ${spec.title}: ${firstLine(error)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const s of report?.suites ?? []) walk(s);
  return out;
}
