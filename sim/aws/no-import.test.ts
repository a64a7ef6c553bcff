// Guards the boundary: shipped app code (app/, lib/, components/) must never import the simulator.
// Colocated tests and test helpers are exempt: integration tests run against the simulator by design.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.join(import.meta.dirname, "..", "..");
const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs)$/;
const TEST_ONLY = /(\.(test|spec)\.[cm]?[tj]sx?$)|(^|[-.])test-(helpers|setup|global-setup)\.[cm]?[tj]s$/;
// Static imports, re-exports, dynamic import() and require() of anything under sim/.
const SIM_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)["'`](?:@\/sim\/|(?:\.\.?\/)+(?:\.\.\/)*sim\/|sim\/)/;

function* walk(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (SOURCE.test(name) && !TEST_ONLY.test(name)) yield full;
  }
}

describe("sim/ isolation", () => {
  it("no file in app/, lib/ or components/ imports sim/", () => {
    const offenders: string[] = [];
    for (const top of ["app", "lib", "components"]) {
      for (const file of walk(path.join(root, top))) {
        const text = readFileSync(file, "utf8");
        if (SIM_IMPORT.test(text)) offenders.push(path.relative(root, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the import pattern catches the usual spellings", () => {
    for (const line of ['import { startAwsSim } from "@/sim/aws/server";', "await import('../../sim/aws/server')", 'require("../sim/aws/cli")', 'export * from "sim/aws/state";']) {
      expect(SIM_IMPORT.test(line)).toBe(true);
    }
    expect(SIM_IMPORT.test('import { x } from "@/lib/simulate";')).toBe(false);
    expect(TEST_ONLY.test("scan-test-helpers.ts")).toBe(true);
    expect(TEST_ONLY.test("start-scan.test.ts")).toBe(true);
    expect(TEST_ONLY.test("start-scan.ts")).toBe(false);
  });
});
