// `npm run demo`: the whole product on one machine for a newcomer. Embedded Postgres (kept in
// .data/postgres), the AWS simulator, the dev IdP, a production build and the app server.
// Ctrl-C stops everything it started.
import { parseArgs } from "node:util";
import { DEMO_PASSWORD, DEMO_USERS } from "@/sim/idp/server";
import { startStack, stopStartedServices } from "./lib/stack";

function usage(message: string): never {
  console.error(`${message}\nUsage: npm run demo -- [--port 3000] [--accounts 300] [--seed 1] [--latency-ms 0]`);
  process.exit(2);
}

function intArg(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  return n;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        accounts: { type: "string" },
        seed: { type: "string" },
        "latency-ms": { type: "string" },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  const port = intArg(values.port ?? process.env.PORT, "port", 3000, 1, 65535);
  const accounts = intArg(values.accounts, "accounts", 300, 1, 50_000);
  const seed = intArg(values.seed, "seed", 1, 0, 2 ** 31);
  const latencyMs = intArg(values["latency-ms"], "latency-ms", 0, 0, 10_000);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the app, simulators and database...`);
    await stopStartedServices();
    console.log("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const stack = await startStack({ port, dataDir: ".data/postgres", accounts, seed, awsLatencyMs: latencyMs, seedInventory: true });

  const users = DEMO_USERS.map((u) => `    ${u.username.padEnd(12)} ${u.description}`).join("\n");
  console.log(`
Rootwarden demo is running.

  App             ${stack.appUrl}
  Health          ${stack.appUrl}/api/health
  Database        ${stack.embeddedPostgres ? "embedded Postgres, data in .data/postgres" : "DATABASE_URL"}
  Audit trail     signing key ${stack.appEnv.AUDIT_SIGNING_KEY.includes("BEGIN") ? "from AUDIT_SIGNING_KEY" : stack.appEnv.AUDIT_SIGNING_KEY}, checkpoint copies in ${stack.appEnv.AUDIT_COPY_DIR}
  AWS simulator   ${stack.sim.endpoint}  (organization ${stack.sim.organizationId}, ${accounts} accounts; control API ${stack.sim.endpoint}/_sim/organization)
  Dev IdP         ${stack.idp.issuer}

  Sign in as any of these users, password "${DEMO_PASSWORD}":
${users}

Press Ctrl-C to stop everything.`);
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
