// The migration runner against a real Postgres: fresh apply, no-op re-run, concurrent start,
// refusal of a changed migration, and a `_prisma_migrations` table shaped as Prisma expects.
import { cpSync, mkdtempSync, writeFileSync, appendFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { getMigrationStatus, migrate, readMigrationFiles } from "./migrate";
import { createTestDatabase, type TTestDatabase } from "./test-db";

const created: TTestDatabase[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((d) => d.drop()));
});

async function emptyDb() {
  const db = await createTestDatabase({ empty: true });
  created.push(db);
  return db;
}

function copyMigrations(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "rw-mig-")), "migrations");
  cpSync(path.join(process.cwd(), "prisma", "migrations"), dir, { recursive: true });
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("migrate", () => {
  it("applies every migration to an empty database and records them as Prisma does", async () => {
    const db = await emptyDb();
    const files = readMigrationFiles();
    const result = await migrate(db.url);
    expect(result.applied).toEqual(files.map((f) => f.name));
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      db.url,
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
    expect(rows.map((r) => r.checksum)).toEqual(files.map((f) => f.checksum));
    const tables = await query<{ tablename: string }>(db.url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(["User", "Account", "CredentialSnapshot"]));
  });

  it("is a no-op when run again", async () => {
    const db = await emptyDb();
    await migrate(db.url);
    const again = await migrate(db.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(readMigrationFiles().length);
    const status = await getMigrationStatus(db.url);
    expect(status.pending).toEqual([]);
    expect(status.problems).toEqual([]);
  });

  it("lets only one of several concurrent processes apply each migration", async () => {
    const db = await emptyDb();
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url), migrate(db.url)]);
    const appliedTotal = results.flatMap((r) => r.applied);
    expect(appliedTotal.sort()).toEqual(readMigrationFiles().map((f) => f.name).sort());
    const rows = await query<{ n: string }>(db.url, `SELECT count(*) AS n FROM "_prisma_migrations"`);
    expect(Number(rows[0].n)).toBe(readMigrationFiles().length);
  });

  it("refuses to run when an applied migration's file changed, and changes nothing", async () => {
    const db = await emptyDb();
    const dir = copyMigrations();
    await migrate(db.url, { dir });
    const first = readMigrationFiles(dir)[0];
    appendFileSync(path.join(dir, first.name, "migration.sql"), "\n-- edited later\n");
    mkdirSync(path.join(dir, "29990101000000_later"));
    writeFileSync(path.join(dir, "29990101000000_later", "migration.sql"), `CREATE TABLE "Later" (id INT);`);
    await expect(migrate(db.url, { dir })).rejects.toThrow(/was changed after it was applied/);
    const later = await query<{ t: string | null }>(db.url, `SELECT to_regclass('"Later"')::text AS t`);
    expect(later[0].t).toBeNull();
  });

  it("rolls back a failing migration and records nothing for it", async () => {
    const db = await emptyDb();
    const dir = copyMigrations();
    mkdirSync(path.join(dir, "29990101000000_broken"));
    writeFileSync(path.join(dir, "29990101000000_broken", "migration.sql"), `CREATE TABLE "Half" (id INT); SELECT * FROM no_such_table;`);
    await expect(migrate(db.url, { dir })).rejects.toThrow(/29990101000000_broken failed and was rolled back/);
    const half = await query<{ t: string | null }>(db.url, `SELECT to_regclass('"Half"')::text AS t`);
    expect(half[0].t).toBeNull();
    const status = await getMigrationStatus(db.url, dir);
    expect(status.pending).toEqual(["29990101000000_broken"]);
  });
});
