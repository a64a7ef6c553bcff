// `npm run demo`: the whole product on one machine for a newcomer. Embedded Postgres (kept in
// .data/postgres), the AWS simulator (its organization kept in .data/aws-sim-state.json), the dev IdP,
// a production build and the app server. Ctrl-C stops everything it started and saves the simulator's state.
import { parseArgs } from "node:util";
import { readStateFile } from "@/sim/aws/persistence";
import { DEMO_PASSWORD, DEMO_USERS } from "@/sim/idp/server";
import { startStack, stopStartedServices } from "./lib/stack";

const SIM_STATE_FILE = ".data/aws-sim-state.json";

function usage(message: string): never {
  console.error(`${message}
Usage: npm run demo -- [--port 3000] [--accounts 300] [--seed 1] [--latency-ms 0] [--features-disabled] [--reset]
  --features-disabled  the simulated org starts with trusted access for IAM, RootCredentialsManagement,
                       RootSessions and the IAM delegated administrator off (also turns them off in a saved org)
  --reset              throw away the saved simulated org (${SIM_STATE_FILE}) and generate it again from
                       --seed/--accounts; the database is kept and re-synced and re-scanned to match`);
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
        "features-disabled": { type: "boolean" },
        reset: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  const port = intArg(values.port ?? process.env.PORT, "port", 3000, 1, 65535);
  const accounts = intArg(values.accounts, "accounts", 300, 1, 50_000);
  const seed = intArg(values.seed, "seed", 1, 0, 2 ** 31);
  const latencyMs = intArg(values["latency-ms"], "latency-ms", 0, 0, 10_000);
  const reset = values.reset === true;
  const featuresDisabled = values["features-disabled"] === true;
  // A saved org keeps its own size and seed; asking for others without --reset would silently be ignored.
  const saved = reset ? null : readStateFile(SIM_STATE_FILE);
  if (saved?.status === "loaded" && (values.accounts !== undefined || values.seed !== undefined)) {
    const g = saved.generator;
    if ((values.accounts !== undefined && g.accounts !== accounts) || (values.seed !== undefined && String(g.seed) !== String(seed))) {
      usage(`The saved simulated organization in ${SIM_STATE_FILE} has ${g.accounts} accounts from seed ${g.seed}. Add --reset to replace it with --accounts ${accounts} --seed ${seed}, or drop those flags.`);
    }
  }

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

  const stack = await startStack({
    port,
    dataDir: ".data/postgres",
    accounts,
    seed,
    awsLatencyMs: latencyMs,
    seedInventory: true,
    simStateFile: SIM_STATE_FILE,
    resetSimState: reset,
    featuresDisabled,
  });
  const features = stack.sim.state.features;

  const users = DEMO_USERS.map((u) => `    ${u.username.padEnd(12)} ${u.description}`).join("\n");
  console.log(`
Rootwarden demo is running.

  App             ${stack.appUrl}
  Health          ${stack.appUrl}/api/health
  Database        ${stack.embeddedPostgres ? "embedded Postgres, data in .data/postgres" : "DATABASE_URL"}
  Audit trail     signing key ${stack.appEnv.AUDIT_SIGNING_KEY.includes("BEGIN") ? "from AUDIT_SIGNING_KEY" : stack.appEnv.AUDIT_SIGNING_KEY}, checkpoint copies in ${stack.appEnv.AUDIT_COPY_DIR}
  AWS simulator   ${stack.sim.endpoint}  (organization ${stack.sim.organizationId}, ${stack.sim.state.accountIds.length} accounts; control API ${stack.sim.endpoint}/_sim/organization)
                  state ${stack.sim.stateSource === "loaded" ? "loaded from" : "generated, saved to"} ${SIM_STATE_FILE}; root-access features ${features.rootCredentialsManagement || features.rootSessions ? "on" : "off"}
  Dev IdP         ${stack.idp.issuer}

  Sign in as any of these users, password "${DEMO_PASSWORD}":
${users}

Press Ctrl-C to stop everything.`);
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
