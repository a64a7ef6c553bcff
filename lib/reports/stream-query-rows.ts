// Reads a query's rows in bounded batches through a server-side cursor (DECLARE ... CURSOR in a
// read-only, repeatable-read transaction), so a report of any size never sits in memory whole and
// every batch sees the same database state.
//
// Each row is handed to the caller while pg parses it (an array of text values, nothing parsed
// into Dates or objects) and is not collected into a result. That keeps an export's memory flat:
// rows that live until their batch is done survive V8's young-generation collections, and V8 then
// grows the young generation and moves them to the old one, where they stay until a full
// collection; measured on a 60,000-row export, that was 50-80 MB of RSS (lib/reports/README.md).
import pg from "pg";
import type { Prisma } from "@/lib/db/generated/client";

/** A row: the query's columns in order, each as Postgres's text or null. */
export type TCursorRow = readonly (string | null)[];

export type TRowCursor = {
  /** Reads the next batch, calling onRow for each row as it arrives; resolves with how many came (0 once the rows are exhausted; the cursor is then closed). */
  next: (onRow: (row: TCursorRow) => void) => Promise<number>;
  /** Ends the transaction and returns the connection; safe to call more than once. */
  close: () => Promise<void>;
};

// Every value as Postgres's text: the report's SQL formats what it needs (times as ISO text).
const TEXT_VALUES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export async function openRowCursor(pool: pg.Pool, sql: Prisma.Sql, batchSize = 2000): Promise<TRowCursor> {
  const client = await pool.connect();
  let open = true;
  const finish = async (err?: Error) => {
    if (!open) return;
    open = false;
    try {
      await client.query(err ? "ROLLBACK" : "COMMIT");
      client.release();
    } catch (e) {
      client.release(e instanceof Error ? e : true);
    }
  };
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query({ text: `DECLARE report_rows NO SCROLL CURSOR FOR ${sql.text}`, values: sql.values as unknown[] });
  } catch (err) {
    await finish(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  const fetch = `FETCH ${Math.max(1, Math.floor(batchSize))} FROM report_rows`;
  return {
    next: async (onRow) => {
      if (!open) return 0;
      try {
        const count = await fetchRows(client, fetch, onRow);
        if (count === 0) await finish();
        return count;
      } catch (err) {
        await finish(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
    close: () => finish(),
  };
}

/** One FETCH with a 'row' listener: pg then hands each row over instead of keeping them all. */
function fetchRows(client: pg.PoolClient, text: string, onRow: (row: TCursorRow) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let failed: unknown = null;
    // rowMode is in pg's runtime Query but not in its typings' constructor; QueryArrayConfig names it.
    const config: pg.QueryArrayConfig = { text, rowMode: "array", types: TEXT_VALUES };
    const query = new pg.Query(config);
    query.on("row", (row: TCursorRow) => {
      if (failed) return;
      count++;
      // A throw here would land in pg's socket handler; it is kept and reported when the batch ends.
      try {
        onRow(row);
      } catch (err) {
        failed = err;
      }
    });
    query.on("error", reject);
    query.on("end", () => (failed ? reject(failed) : resolve(count)));
    void client.query(query);
  });
}
