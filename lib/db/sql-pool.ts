// A plain node-postgres pool for the hottest read queries (the account list runs on every page
// and keystroke). Prisma's $queryRaw costs ~1.3 ms of CPU per call on top of the query; here the
// same parameterized Prisma.sql runs as a named prepared statement, so each connection also parses
// and plans it once instead of on every request.
import { createHash } from "node:crypto";
import pg from "pg";
import type { Prisma, PrismaClient } from "./generated/client";

const POOL_SIZE = 10;
// Each connection keeps every statement it prepared until it closes; the texts are a bounded set
// (one per combination of filters in use), but a cap keeps a pathological mix from growing them.
const MAX_PREPARED_STATEMENTS = 200;
const statementNames = new Map<string, string>();

const globalForPool = globalThis as unknown as { rootwardenSqlPool?: pg.Pool };

/**
 * Rows of a read-only query. With `db` (tests, scripts with their own client) it goes through that
 * Prisma client; otherwise through the app's pool on DATABASE_URL, the database `prisma` also uses.
 */
export async function queryRows<T>(sql: Prisma.Sql, db?: PrismaClient): Promise<T[]> {
  if (db) return db.$queryRaw<T[]>(sql);
  const text = sql.text;
  const result = await sqlPool().query({ name: statementName(text), text, values: sql.values as unknown[] });
  return result.rows as T[];
}

/** One name per statement text (which filters are present shape it; values never do); none past the cap. */
function statementName(text: string): string | undefined {
  const known = statementNames.get(text);
  if (known || statementNames.size >= MAX_PREPARED_STATEMENTS) return known;
  const name = `rw_${createHash("sha1").update(text).digest("base64url")}`;
  statementNames.set(text, name);
  return name;
}

/** The app's plain pool on DATABASE_URL (created on first use). */
export function sqlPool(): pg.Pool {
  if (globalForPool.rootwardenSqlPool) return globalForPool.rootwardenSqlPool;
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error(
      "DATABASE_URL is not set. Start the app with `npm run demo` (embedded Postgres) or set DATABASE_URL to a Postgres 14+ URL.",
    );
  }
  const pool = new pg.Pool({ connectionString, max: POOL_SIZE, idleTimeoutMillis: 30_000 });
  // An idle connection dropped by the server (restart, failover) must not crash the process; the
  // pool replaces it on the next query.
  pool.on("error", (err) => console.error("Postgres pool: idle connection lost:", err.message));
  globalForPool.rootwardenSqlPool = pool;
  return pool;
}
