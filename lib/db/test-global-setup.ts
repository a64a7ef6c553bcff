// Vitest global setup: one throwaway embedded Postgres for the whole run, with a migrated template
// database that createTestDatabase() clones (a clone is much faster than migrating each time).
import { chmodSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { migrate } from "./migrate";
import { TEMPLATE_DATABASE } from "./test-db";

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rootwarden-test-pg-"));
  // Postgres runs as the `postgres` OS user when we are root; it must be able to reach the directory.
  chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), ephemeral: true, database: TEMPLATE_DATABASE });
  await migrate(server.url(TEMPLATE_DATABASE));
  // A template must have no open connections when cloned; migrate() has closed its own.
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${TEMPLATE_DATABASE}" WITH ALLOW_CONNECTIONS true IS_TEMPLATE true`);
  await admin.end();
  project.provide("pgServerUrl", server.url("postgres"));
  return async () => {
    await server.stop();
  };
}
