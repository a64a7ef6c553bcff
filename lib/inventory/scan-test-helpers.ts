// Shared set-up for the inventory integration tests: a fresh migrated database and an AWS context
// for the simulator the test started (tests import sim/; this helper, under lib/, may not), waits.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAwsContext, type TAwsContext, type TAwsOptions } from "@/lib/aws/context";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import type { PrismaClient } from "@/lib/db/generated/client";
import { evaluateAccount, notScannableReason, type TComplianceStatus } from "./compliance";

/** The parts of the simulator handle (sim/aws/server) these helpers use. */
export type TSimLike = {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  managementAccountId: string;
  close: () => Promise<void>;
};
export type TSimAccountLike = {
  id: string;
  state: string;
  root: {
    loginProfile: unknown;
    accessKeys: readonly unknown[];
    signingCertificates: readonly unknown[];
    mfaDevices: readonly { kind: "virtual" | "hardware"; assigned: boolean }[];
  };
};

export type TInventoryFixture<TSim extends TSimLike> = { sim: TSim; db: TTestDatabase; aws: TAwsContext; close: () => Promise<void> };

export async function startInventoryFixture<TSim extends TSimLike>(
  sim: TSim,
  awsOptions: TAwsOptions & { endpointFor?: (sim: TSim) => Promise<string> } = {},
): Promise<TInventoryFixture<TSim>> {
  const db = await createTestDatabase();
  const { endpointFor, ...rest } = awsOptions;
  const aws = createAwsContext({
    endpoint: endpointFor ? await endpointFor(sim) : sim.endpoint,
    region: sim.region,
    credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
    timeoutMs: 5_000,
    maxAttempts: 6,
    ...rest,
  });
  return {
    sim,
    db,
    aws,
    close: async () => {
      aws.destroy();
      await db.drop();
      await sim.close();
    },
  };
}

/** What the account's status must be, from the simulator's ground truth. */
export function expectedStatus(sim: TSimLike, account: TSimAccountLike): { status: TComplianceStatus; failingRules: string[] } {
  const isManagement = account.id === sim.managementAccountId;
  if (notScannableReason({ state: account.state, isManagement })) return { status: "NOT_APPLICABLE", failingRules: [] };
  const r = account.root;
  return evaluateAccount({
    passwordPresent: r.loginProfile !== null,
    accessKeys: r.accessKeys.map(() => ({})),
    signingCertificates: r.signingCertificates.map(() => ({})),
    mfaDevices: r.mfaDevices.filter((d) => d.assigned).map((d) => ({ type: d.kind })),
  });
}

export async function waitForScan(db: PrismaClient, scanId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const scan = await db.scan.findUniqueOrThrow({ where: { id: scanId } });
    if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(scan.status)) return scan;
    if (Date.now() > deadline) throw new Error(`Scan ${scanId} still ${scan.status} (${scan.done}/${scan.total}) after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A real `npm run worker` process against the fixture's database and simulator, started and
 * ready, so a test can kill it with a real SIGKILL.
 */
export async function startWorkerProcess(f: TInventoryFixture<TSimLike & { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }>): Promise<ChildProcess> {
  // Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a child process of its
  // own, so a SIGKILL sent to it would leave the real worker running.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      NODE_ENV: "test",
      DATABASE_URL: f.db.url,
      AWS_ENDPOINT_URL: f.sim.endpoint,
      AWS_REGION: f.sim.region,
      AWS_ACCESS_KEY_ID: f.sim.accessKeyId,
      AWS_SECRET_ACCESS_KEY: f.sim.secretAccessKey,
      AWS_PROFILE: "",
      SCAN_CONCURRENCY: "4",
      SCAN_BATCH_SIZE: "5",
      SCAN_INTERVAL_HOURS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await waitFor("the worker process to start", async () => output.includes("started:"), 60_000);
  return child;
}

/** Forwards everything to the simulator and records the credentials in AssumeRoot responses. */
export async function startRecordingProxy(target: string, issued: Set<string>): Promise<{ server: http.Server; endpoint: string }> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
        (up) => {
          const parts: Buffer[] = [];
          up.on("data", (c: Buffer) => parts.push(c));
          up.on("end", () => {
            const text = Buffer.concat(parts).toString("utf8");
            for (const tag of ["AccessKeyId", "SecretAccessKey", "SessionToken"]) {
              for (const m of text.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, "g"))) issued.add(m[1]!);
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      out.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
