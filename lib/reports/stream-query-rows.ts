// Reads a query's rows in bounded batches through a server-side cursor (DECLARE ... CURSOR in a
// read-only, repeatable-read transaction), so a report of any size never sits in memory whole and
// every batch sees the same database state.
import type pg from "pg";
import type { Prisma } from "@/lib/db/generated/client";

export type TRowCursor<T> = {
  /** The next batch; an empty array once the rows are exhausted (the cursor is then closed). */
  next: () => Promise<T[]>;
  /** Ends the transaction and returns the connection; safe to call more than once. */
  close: () => Promise<void>;
};

export async function openRowCursor<T>(pool: pg.Pool, sql: Prisma.Sql, batchSize = 2000): Promise<TRowCursor<T>> {
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
  return {
    next: async () => {
      if (!open) return [];
      try {
        const res = await client.query(`FETCH ${Math.max(1, Math.floor(batchSize))} FROM report_rows`);
        // The batch is taken off pg's Result before it is handed on. Left there, the rows of past
        // batches survived young-generation GCs: pg's query promises and Results, dead but referenced
        // from V8's old generation until the next full GC, kept them, so each scavenge copied and
        // promoted about a third of what the export allocated and V8 grew the young generation to its
        // maximum. That was most of the 60-80 MB RSS growth of a 60,000-row CSV export; without it
        // the growth is a few MB (npm run bench:reports; lib/reports/README.md).
        const rows = res.rows as T[];
        res.rows = [];
        if (rows.length === 0) await finish();
        return rows;
      } catch (err) {
        await finish(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
    close: () => finish(),
  };
}
