// What the Node.js web server does once at start-up: refuse to run with an invalid configuration
// (exit with every problem listed) and, when WORKER_IN_WEB is on, run a job worker in-process.
import { ConfigError, getConfig, type TConfig } from "@/lib/config";
import { startWorker } from "./start-worker";

const globalForWorker = globalThis as unknown as { rootwardenWebWorker?: boolean };

export async function startWebProcess(): Promise<void> {
  // Dev reloads call register() again; one worker per process is enough.
  if (globalForWorker.rootwardenWebWorker) return;
  let config: TConfig;
  try {
    config = getConfig();
  } catch (err) {
    // A misconfigured server must not start half-working (e.g. production without a session secret).
    if (!(err instanceof ConfigError)) throw err;
    console.error(`Rootwarden cannot start. ${err.message}`);
    process.exit(1);
  }
  if (!config.WORKER_IN_WEB) return;
  if (!process.env.DATABASE_URL) {
    console.warn("[worker] not started in the web process: DATABASE_URL is not set");
    return;
  }
  globalForWorker.rootwardenWebWorker = true;
  try {
    await startWorker();
  } catch (err) {
    // The UI still serves stored data without a worker; scans wait until one runs.
    globalForWorker.rootwardenWebWorker = false;
    console.error(`[worker] could not start in the web process: ${err instanceof Error ? err.message : String(err)}`);
  }
}
