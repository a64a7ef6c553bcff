// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded Postgres
// in .data/postgres when DATABASE_URL is unset.
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { migrate, MigrationError } from "@/lib/db/migrate";

async function main() {
  let url = process.env.DATABASE_URL;
  const pg = url ? undefined : await startEmbeddedPostgres({ dataDir: process.env.EMBEDDED_PG_DIR ?? ".data/postgres", port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
  url ??= pg!.url();
  try {
    const result = await migrate(url, { log: (line) => console.log(line) });
    console.log(`${result.applied.length} migration(s) applied, ${result.alreadyApplied} already applied.`);
  } finally {
    await pg?.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof MigrationError ? `Migration refused: ${err.message}` : `Migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
