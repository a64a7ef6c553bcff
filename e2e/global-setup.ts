// Starts the whole stack once for all journeys: throwaway embedded Postgres, AWS simulator, dev
// IdP and the production build, with the organization synced and fully scanned before tests run.
import { mkdtempSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { startStack } from "../scripts/lib/stack";

export default async function globalSetup(_config: FullConfig) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rootwarden-e2e-"));
  chmodSync(dir, 0o755);
  const port = Number(process.env.E2E_PORT ?? 3100);
  const logs: string[] = [];
  const stack = await startStack({
    port,
    dataDir: path.join(dir, "postgres"),
    ephemeral: true,
    accounts: Number(process.env.E2E_ACCOUNTS ?? 80),
    seed: 7,
    seedInventory: true,
    log: (line) => {
      logs.push(line);
      if (process.env.E2E_VERBOSE) console.log(line);
    },
  });
  await waitForFirstScan();
  process.env.E2E_BASE_URL = stack.appUrl;
  process.env.E2E_SIM_ENDPOINT = stack.sim.endpoint;
  process.env.E2E_DATABASE_URL = stack.databaseUrl;
  return async () => {
    await stack.stop();
  };
}

async function waitForFirstScan(): Promise<void> {
  const { prisma } = await import("../lib/db/client");
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const running = await prisma.scan.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } });
    const finished = await prisma.scan.count({ where: { status: { notIn: ["QUEUED", "RUNNING"] } } });
    if (running === 0 && finished > 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("The first full scan did not finish within 120 s; is the app's worker running?");
}
