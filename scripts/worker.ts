// `npm run worker`: a standalone job worker. Start as many as wanted, on any machine that reaches the
// same Postgres (DATABASE_URL); they share scans batch by batch. Stops gracefully on SIGINT/SIGTERM.
import { prisma } from "@/lib/db/client";
import { getConfig } from "@/lib/config";
import { startWorker } from "@/lib/jobs/start-worker";

async function main() {
  getConfig(); // fail fast, naming every bad variable
  const worker = await startWorker();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${signal}: finishing running batches, then exiting`);
    await worker.stop();
    await prisma.$disconnect();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(`[worker] could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
