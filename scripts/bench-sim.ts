// Benchmark of sim/aws: requests per second on SDK-signed requests (GetCallerIdentity + ListAccounts), many in flight, no latency.
// The simulator runs in its own process (as `npm run sim:aws`). Two figures:
//  - simulator: requests signed by the real SDK signer, captured once and replayed over keep-alive HTTP, so the
//    simulator (signature verification included) is what gets measured, not the client;
//  - end-to-end: the SDK clients doing everything per call (signing, serializing, parsing), usually client-bound.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import path from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { HttpRequest } from "@smithy/types";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const SIGNED_REQUESTS = 2000;

type SimConfig = { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
type Captured = { method: string; path: string; headers: Record<string, string>; body: Buffer };

async function main(): Promise<void> {
  const root = path.join(import.meta.dirname, "..");
  // One node process (no tsx wrapper) so its CPU time can be read from /proc.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "sim", "aws", "cli.ts"), "--port", "0", "--accounts", String(ACCOUNTS), "--seed", "bench"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  try {
    const config = await firstLine(child.stdout!);
    const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

    const signed = await captureSignedRequests(config, credentials);
    const port = Number(new URL(config.endpoint).port);
    await runFor(1000, (i) => replay(agent, port, signed[i % signed.length]!)); // warm-up
    const cpuBefore = cpuSeconds(child.pid!);
    const sim = await runFor(DURATION_MS, (i) => replay(agent, port, signed[i % signed.length]!));
    const serverCpu = cpuSeconds(child.pid!) - cpuBefore;
    // On a shared machine wall-clock rps depends on neighbours; CPU per request says what one free core would do.
    const perCore = serverCpu > 0 ? Math.round(sim.done / serverCpu) : null;

    const requestHandler = new NodeHttpHandler({ httpAgent: agent });
    const base = { endpoint: config.endpoint, region: config.region, credentials, maxAttempts: 1, requestHandler };
    const sts = new STSClient(base);
    const orgs = new OrganizationsClient(base);
    const sdkCall = (i: number): Promise<unknown> => (i % 2 === 0 ? sts.send(new GetCallerIdentityCommand({})) : orgs.send(new ListAccountsCommand({ MaxResults: 20 })));
    await runFor(1000, sdkCall);
    const sdk = await runFor(DURATION_MS, sdkCall);

    console.log(`simulator: ${sim.done} SDK-signed requests in ${sim.seconds.toFixed(2)} s, ${IN_FLIGHT} in flight = ${sim.rps} req/s (${sim.failed} failed; target 2000+)`);
    if (perCore !== null) console.log(`simulator CPU: ${((serverCpu / sim.done) * 1e6).toFixed(0)} µs per request = ${perCore} req/s per fully available core`);
    console.log(`end-to-end SDK clients: ${sdk.rps} req/s (${sdk.failed} failed; bound by client-side SDK work in this one process)`);
    console.log(
      JSON.stringify({
        benchmark: "sim-aws",
        requestsPerSecond: sim.rps,
        serverCpuMicrosPerRequest: serverCpu > 0 ? Math.round((serverCpu / sim.done) * 1e6) : null,
        capacityPerCore: perCore,
        sdkEndToEndRequestsPerSecond: sdk.rps,
        requests: sim.done,
        failed: sim.failed + sdk.failed,
        seconds: Number(sim.seconds.toFixed(2)),
        inFlight: IN_FLIGHT,
        accounts: ACCOUNTS,
        mix: "GetCallerIdentity+ListAccounts",
      }),
    );
  } finally {
    child.kill("SIGTERM");
  }
}

// Lets the real SDK build and sign each request, then stops it before sending: those bytes are what we replay.
async function captureSignedRequests(config: SimConfig, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<Captured[]> {
  const captured: Captured[] = [];
  const requestHandler = {
    handle: async (req: HttpRequest): Promise<never> => {
      const body: unknown = req.body;
      const bytes = typeof body === "string" ? Buffer.from(body) : body instanceof Uint8Array ? Buffer.from(body) : Buffer.alloc(0);
      captured.push({ method: req.method, path: req.path, headers: { ...(req.headers as Record<string, string>), "content-length": String(bytes.length) }, body: bytes });
      throw new Error("captured");
    },
  };
  const base = { endpoint: config.endpoint, region: config.region, credentials, maxAttempts: 1, requestHandler };
  const sts = new STSClient(base);
  const orgs = new OrganizationsClient(base);
  for (let i = 0; i < SIGNED_REQUESTS; i++) {
    const call = i % 2 === 0 ? sts.send(new GetCallerIdentityCommand({})) : orgs.send(new ListAccountsCommand({ MaxResults: 20 }));
    await call.catch(() => undefined);
  }
  return captured;
}

function replay(agent: Agent, port: number, req: Captured): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port, method: req.method, path: req.path, headers: req.headers, agent }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    r.setTimeout(10_000, () => r.destroy(new Error("timeout")));
    r.on("error", reject);
    r.end(req.body);
  });
}

async function runFor(ms: number, call: (i: number) => Promise<unknown>): Promise<{ done: number; failed: number; seconds: number; rps: number }> {
  let done = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + ms;
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        try {
          await call(next++);
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { done, failed, seconds, rps: Math.round(done / seconds) };
}

// utime + stime of a Linux process, in seconds (null-safe: 0 where /proc is unavailable).
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function firstLine(stream: NodeJS.ReadableStream): Promise<SimConfig> {
  return new Promise((resolve, reject) => {
    let buf = "";
    stream.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as SimConfig);
    });
    stream.on("end", () => reject(new Error("simulator exited before printing its config")));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
