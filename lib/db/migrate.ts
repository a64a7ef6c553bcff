// Applies the plain-SQL migrations in prisma/migrations (Prisma's layout) without Prisma's native
// engine: in order, each in its own transaction, under Prisma's own advisory lock, recorded in the
// `_prisma_migrations` table exactly as `prisma migrate deploy` would, so both tools agree.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

// The lock key Prisma's schema engine takes, so our runner and `prisma migrate` exclude each other.
const PRISMA_ADVISORY_LOCK = 72707369;

export type TMigrationFile = { name: string; sql: string; checksum: string };
export type TMigrationStatus = {
  applied: string[];
  pending: string[];
  /** Problems that stop migration: changed, failed or unknown migrations. */
  problems: string[];
};

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export function readMigrationFiles(dir = defaultMigrationsDir()): TMigrationFile[] {
  // The directory is read at run time, never bundled: keep Next's file tracer out of it.
  if (!existsSync(/*turbopackIgnore: true*/ dir)) throw new MigrationError(`No migrations directory at ${dir}.`);
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      if (!existsSync(/*turbopackIgnore: true*/ file)) throw new MigrationError(`Migration ${name} has no migration.sql (${file}).`);
      const sql = readFileSync(/*turbopackIgnore: true*/ file, "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

type TAppliedRow = { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null };

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

async function readApplied(client: pg.Client | pg.Pool): Promise<TAppliedRow[] | null> {
  const table = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
  );
  if (!table.rows[0]?.exists) return null;
  const rows = await client.query<TAppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return rows.rows.filter((r) => r.rolled_back_at === null);
}

function compare(files: TMigrationFile[], applied: TAppliedRow[]): TMigrationStatus {
  const byName = new Map(files.map((f) => [f.name, f]));
  const appliedNames = new Set<string>();
  const problems: string[] = [];
  for (const row of applied) {
    appliedNames.add(row.migration_name);
    const file = byName.get(row.migration_name);
    if (!file) {
      problems.push(
        `Migration ${row.migration_name} is applied in the database but missing from prisma/migrations; this code is older than the database.`,
      );
    } else if (row.finished_at === null) {
      problems.push(
        `Migration ${row.migration_name} failed part-way earlier; repair the database by hand, then delete or mark its _prisma_migrations row as rolled back.`,
      );
    } else if (row.checksum !== file.checksum) {
      problems.push(
        `Migration ${row.migration_name} was changed after it was applied (checksum differs). Restore the original migration.sql and put the change in a new migration.`,
      );
    }
  }
  return {
    applied: files.filter((f) => appliedNames.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !appliedNames.has(f.name)).map((f) => f.name),
    problems,
  };
}

/** The same, over a connection or pool the caller already has (the health check uses the app's pool). */
export async function getMigrationStatusOn(client: pg.Client | pg.Pool, dir = defaultMigrationsDir()): Promise<TMigrationStatus> {
  return compare(readMigrationFiles(dir), (await readApplied(client)) ?? []);
}

export async function getMigrationStatus(databaseUrl: string, dir = defaultMigrationsDir()): Promise<TMigrationStatus> {
  const files = readMigrationFiles(dir);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return compare(files, (await readApplied(client)) ?? []);
  } finally {
    await client.end();
  }
}

/** Applies every pending migration; safe to call from several processes at once. */
export async function migrate(
  databaseUrl: string,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[]; alreadyApplied: number }> {
  const files = readMigrationFiles(options.dir);
  const log = options.log ?? (() => {});
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
    await client.query(CREATE_TABLE);
    const status = compare(files, (await readApplied(client)) ?? []);
    if (status.problems.length > 0) throw new MigrationError(status.problems.join("\n"));

    const applied: string[] = [];
    for (const file of files.filter((f) => status.pending.includes(f.name))) {
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
          [id, file.checksum, file.name],
        );
        await client.query(file.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        const reason = err instanceof Error ? err.message : String(err);
        throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${reason}`);
      }
      log(`applied migration ${file.name}`);
      applied.push(file.name);
    }
    return { applied, alreadyApplied: status.applied.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}
