// Next.js start-up hook: runs a job worker inside the web process when WORKER_IN_WEB is on (the
// default), so one `next start` needs nothing else. Separate workers: `npm run worker`.

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const globalForWorker = globalThis as unknown as { rootwardenWebWorker?: boolean };
  // Dev reloads call register() again; one worker per process is enough.
  if (globalForWorker.rootwardenWebWorker) return;
  const { getConfig } = await import("@/lib/config");
  if (!getConfig().WORKER_IN_WEB) return;
  if (!process.env.DATABASE_URL) {
    console.warn("[worker] not started in the web process: DATABASE_URL is not set");
    return;
  }
  globalForWorker.rootwardenWebWorker = true;
  const { startWorker } = await import("@/lib/jobs/start-worker");
  try {
    await startWorker();
  } catch (err) {
    // The UI still serves stored data without a worker; scans wait until one runs.
    globalForWorker.rootwardenWebWorker = false;
    console.error(`[worker] could not start in the web process: ${err instanceof Error ? err.message : String(err)}`);
  }
}
