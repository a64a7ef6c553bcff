// Database reachability and migration state for GET /api/health. Load balancers poll it without a
// session, so it runs on the app's own pool (never a connection per call) and one result is shared
// by every caller for a couple of seconds: a flood of probes costs one query per interval.
import type pg from "pg";
import { getMigrationStatusOn } from "./migrate";
import { sqlPool } from "./sql-pool";

export type THealthStatus = "ok" | "degraded" | "down";

export type THealth = {
  status: THealthStatus;
  checkedAt: string;
  database: { reachable: boolean; latencyMs: number | null; error?: string };
  migrations: { applied: number; pending: string[]; problems: string[] } | null;
};

export const HEALTH_CACHE_MS = 2_000;
const CHECK_TIMEOUT_MS = 3_000;

type TCache = { at: number; result: Promise<THealth> };
const globalForHealth = globalThis as unknown as { rootwardenHealth?: Map<pg.Pool, TCache> };
const cache = (globalForHealth.rootwardenHealth ??= new Map());

/** The health of the database behind `pool` (the app's pool by default), at most HEALTH_CACHE_MS old. */
export async function getHealth(options: { now: Date; pool?: pg.Pool }): Promise<THealth> {
  let pool: pg.Pool;
  try {
    pool = options.pool ?? sqlPool();
  } catch {
    return { status: "down", checkedAt: options.now.toISOString(), database: { reachable: false, latencyMs: null, error: "DATABASE_URL is not set" }, migrations: null };
  }
  const t = options.now.getTime();
  const hit = cache.get(pool);
  if (hit && t - hit.at >= 0 && t - hit.at < HEALTH_CACHE_MS) return hit.result;
  const result = check(pool, options.now);
  cache.set(pool, { at: t, result });
  return result;
}

async function check(pool: pg.Pool, now: Date): Promise<THealth> {
  const started = performance.now();
  try {
    const migrations = await withTimeout(getMigrationStatusOn(pool), CHECK_TIMEOUT_MS);
    const latencyMs = Math.round(performance.now() - started);
    const healthy = migrations.pending.length === 0 && migrations.problems.length === 0;
    return {
      status: healthy ? "ok" : "degraded",
      checkedAt: now.toISOString(),
      database: { reachable: true, latencyMs },
      migrations: { applied: migrations.applied.length, pending: migrations.pending, problems: migrations.problems },
    };
  } catch (err) {
    // The driver's message can name hosts and users; report only its class of failure.
    const code = (err as { code?: string }).code;
    console.error("Health check: database unreachable:", code ?? (err instanceof Error ? err.message : String(err)));
    return {
      status: "down",
      checkedAt: now.toISOString(),
      database: { reachable: false, latencyMs: null, error: code ? `connection failed (${code})` : "connection failed" },
      migrations: null,
    };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("health check timed out"), { code: "TIMEOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
