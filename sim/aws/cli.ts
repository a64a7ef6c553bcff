// `npm run sim:aws -- --port P --accounts N --seed S [--latency-ms L]`: runs the simulator standalone; first stdout line is its JSON config.
import { MAX_ACCOUNTS } from "./generator";
import { startAwsSim, type AwsSimOptions } from "./server";

const USAGE = `usage: npm run sim:aws -- [--port P] [--accounts N] [--seed S] [--latency-ms L] [--jitter-ms J]
                        [--features-disabled] [--no-delegated-admin] [--consolidated-billing] [--region R]
                        [--state-file F]
  --port P              TCP port on 127.0.0.1 (0 = any free port; default 4566)
  --accounts N          accounts in the generated organization, 1..${MAX_ACCOUNTS} (default 300)
  --seed S              generator seed; same seed, same organization (default 1)
  --latency-ms L        fixed latency added to every AWS call (default 0)
  --jitter-ms J         random extra latency 0..J per call (default 0)
  --features-disabled   start with IAM trusted access and both root-access features off
  --no-delegated-admin  do not register the security account as IAM delegated administrator
  --consolidated-billing  the org is in consolidated-billing mode (no trusted access, no delegated admins)
  --region R            region of the simulated endpoint (default us-east-1)
  --state-file F        load the org from F when it exists (its own size, seed and options win) and save changes to it`;

export function parseCliArgs(argv: string[]): AwsSimOptions {
  const opts: AwsSimOptions = { port: 4566 };
  const int = (flag: string, value: string | undefined, min: number, max: number): number => {
    if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${flag} needs a whole number, got ${value === undefined ? "nothing" : `"${value}"`}`);
    const n = Number(value);
    if (n < min || n > max) throw new Error(`${flag} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--port":
        opts.port = int(flag, value(), 0, 65535);
        break;
      case "--accounts":
        opts.accounts = int(flag, value(), 1, MAX_ACCOUNTS);
        break;
      case "--seed": {
        const seed = value();
        if (!seed) throw new Error("--seed needs a value");
        opts.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
        break;
      }
      case "--latency-ms":
        opts.latencyMs = int(flag, value(), 0, 120_000);
        break;
      case "--jitter-ms":
        opts.jitterMs = int(flag, value(), 0, 120_000);
        break;
      case "--region": {
        const region = value();
        if (!region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`--region needs a region name like us-east-1, got "${region ?? ""}"`);
        opts.region = region;
        break;
      }
      case "--features-disabled":
        opts.featuresEnabled = false;
        break;
      case "--no-delegated-admin":
        opts.delegatedAdmin = false;
        break;
      case "--consolidated-billing":
        opts.featureSet = "CONSOLIDATED_BILLING";
        break;
      case "--state-file": {
        const file = value();
        if (!file) throw new Error("--state-file needs a path");
        opts.stateFile = file;
        break;
      }
      case "--help":
      case "-h":
        throw new HelpRequested();
      default:
        throw new Error(`unknown flag ${arg}`);
    }
  }
  return opts;
}

class HelpRequested extends Error {}

async function main(): Promise<void> {
  let opts: AwsSimOptions;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    process.stderr.write(`sim:aws: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  let sim;
  try {
    sim = await startAwsSim(opts);
  } catch (err) {
    process.stderr.write(`sim:aws: could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `${JSON.stringify({
      endpoint: sim.endpoint,
      region: sim.region,
      accessKeyId: sim.accessKeyId,
      secretAccessKey: sim.secretAccessKey,
      organizationId: sim.organizationId,
      managementAccountId: sim.managementAccountId,
    })}\n`,
  );
  process.stderr.write(
    `sim:aws listening on ${sim.endpoint} (${sim.state.accountIds.length} accounts, org ${sim.organizationId}); control API at ${sim.endpoint}/_sim/organization\n`,
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

// Only run when executed directly, so tests can import parseCliArgs.
if (process.argv[1] && /cli\.[cm]?[tj]s$/.test(process.argv[1]) && process.argv[1].includes("sim")) void main();
