// `npm test`: every check, in order: type check, lint, unit + integration tests (Vitest, real
// Postgres, AWS simulator), end-to-end journeys (Playwright). Ends with a pass/fail summary and
// exits non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

type TStep = { name: string; command: string[]; env?: Record<string, string>; counts?: () => { passed: number; failed: number } | null };

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
  },
  {
    name: "end-to-end",
    command: [bin("tsx"), "scripts/e2e.ts"],
    counts: () => {
      const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number } }>("test-results/e2e-report.json");
      return report ? { passed: report.stats.expected + report.stats.flaky, failed: report.stats.unexpected } : null;
    },
  },
];

const results: { name: string; ok: boolean; seconds: number; counts: { passed: number; failed: number } | null }[] = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.command.map((c) => path.basename(c)).join(" ")}`);
  const started = Date.now();
  const run = spawnSync(step.command[0], step.command.slice(1), { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...step.env } });
  const ok = run.status === 0;
  results.push({ name: step.name, ok, seconds: (Date.now() - started) / 1000, counts: step.counts?.() ?? null });
}

console.log("\n=== summary");
for (const r of results) {
  const counts = r.counts ? `  (${r.counts.passed} passed, ${r.counts.failed} failed)` : "";
  console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name.padEnd(20)} ${r.seconds.toFixed(1).padStart(6)} s${counts}`);
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
