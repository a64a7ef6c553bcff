// pg-boss (the job queue, in Postgres) set-up: the boss with every queue created (queues.ts), and the
// per-process client used to enqueue jobs from processes that do not run workers (web requests, scripts).
import pg from "pg";
import { PgBoss } from "pg-boss";
import { QUEUE_OPTIONS } from "./queues";

export { QUEUES, SCAN_BATCH_JOB } from "./queues";

/** pg-boss's schema: recovery reads its job table to see which batches are still live. */
export const BOSS_SCHEMA = "pgboss";

/** `round`: 0 for the batches startScan queues, n for the n-th time recovery queued these accounts again. */
export type TScanBatchJob = { scanId: string; accountIds: string[]; round?: number };

export type TBossOptions = {
  databaseUrl: string;
  /** Workers supervise (expiry -> retry, clean-up) and run cron; a send-only client does neither. */
  role: "worker" | "client";
  poolSize?: number;
};

export async function createBoss(options: TBossOptions): Promise<PgBoss> {
  await dropUnmigratableSchema(options.databaseUrl);
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: BOSS_SCHEMA,
    max: options.poolSize ?? (options.role === "worker" ? 10 : 3),
    application_name: `rootwarden-${options.role}`,
    supervise: options.role === "worker",
    schedule: options.role === "worker",
    migrate: true,
    // Expired batches (a dead worker's) are found by the supervisor's monitor pass; once a minute.
    superviseIntervalSeconds: 60,
    monitorIntervalSeconds: 60,
  });
  // pg-boss reports background failures as events; an unhandled 'error' event would crash the process.
  boss.on("error", (err: Error) => console.error(`[jobs] ${err.message}`));
  // Slow queries, a handler that outlived its expiry, clock skew...: worth a line in the log.
  boss.on("warning", (warning) => console.warn(`[jobs] ${warning.message}`));
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

/**
 * pg-boss 12 migrates schemas from pg-boss 11 (schema version 25) on and refuses pg-boss 10's (24).
 * The schema holds only the job queue, so an older one is dropped and pg-boss installs its own:
 * queued batches are lost, and the workers' recovery job queues their PENDING accounts again
 * (recover-scans.ts); the workers create their schedules again at start.
 */
export const OLDEST_MIGRATABLE_BOSS_SCHEMA = 25;

export async function dropUnmigratableSchema(databaseUrl: string, log: (line: string) => void = console.log): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "rootwarden-jobs-upgrade" });
  await client.connect();
  try {
    await client.query("BEGIN");
    // Several processes may start at once: one of them drops, the others then see no old schema.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('rootwarden.pgboss-upgrade'))");
    const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [`"${BOSS_SCHEMA}"."version"`]);
    if (!rows[0]?.exists) {
      await client.query("COMMIT");
      return false;
    }
    const version = (await client.query<{ version: number }>(`SELECT version::int AS version FROM "${BOSS_SCHEMA}"."version"`)).rows[0]?.version;
    if (version === undefined || version >= OLDEST_MIGRATABLE_BOSS_SCHEMA) {
      await client.query("COMMIT");
      return false;
    }
    await client.query(`DROP SCHEMA "${BOSS_SCHEMA}" CASCADE`);
    await client.query("COMMIT");
    log(`[jobs] dropped the job queue schema "${BOSS_SCHEMA}" of an older pg-boss (schema version ${version}); pg-boss installs a new one and recovery queues unfinished scans again`);
    return true;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/** Creates every queue of queues.ts (an existing queue is left as it is); createBoss calls it once. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, options] of Object.entries(QUEUE_OPTIONS)) await boss.createQueue(name, options);
}

const globalForJobs = globalThis as unknown as { rootwardenJobClient?: Promise<PgBoss> };

/** The process's send-only client on DATABASE_URL, started on first use. */
export function getJobClient(): Promise<PgBoss> {
  const url = process.env.DATABASE_URL;
  if (!url) return Promise.reject(new Error("DATABASE_URL is not set; the job queue lives in Postgres."));
  globalForJobs.rootwardenJobClient ??= createBoss({ databaseUrl: url, role: "client" }).catch((err) => {
    globalForJobs.rootwardenJobClient = undefined;
    throw err;
  });
  return globalForJobs.rootwardenJobClient;
}

/** Lets a script exit: closes the send-only client's connections. */
export async function stopJobClient(): Promise<void> {
  const client = globalForJobs.rootwardenJobClient;
  globalForJobs.rootwardenJobClient = undefined;
  if (client) await (await client).stop({ graceful: false, close: true });
}
