// Database reachability and migration state for GET /api/health (load balancers and people).
import { getMigrationStatus } from "./migrate";

export type THealth = {
  status: "ok" | "degraded" | "down";
  database: { reachable: boolean; latencyMs: number | null; error?: string };
  migrations: { applied: number; pending: string[]; problems: string[] } | null;
};

export async function getHealth(databaseUrl: string | undefined): Promise<THealth> {
  if (!databaseUrl) {
    return { status: "down", database: { reachable: false, latencyMs: null, error: "DATABASE_URL is not set" }, migrations: null };
  }
  const started = performance.now();
  try {
    const migrations = await getMigrationStatus(databaseUrl);
    const latencyMs = Math.round(performance.now() - started);
    const healthy = migrations.pending.length === 0 && migrations.problems.length === 0;
    return {
      status: healthy ? "ok" : "degraded",
      database: { reachable: true, latencyMs },
      migrations: { applied: migrations.applied.length, pending: migrations.pending, problems: migrations.problems },
    };
  } catch (err) {
    // The driver's message can name hosts and users; report only its class of failure.
    const code = (err as { code?: string }).code;
    return {
      status: "down",
      database: { reachable: false, latencyMs: null, error: code ? `connection failed (${code})` : "connection failed" },
      migrations: null,
    };
  }
}
