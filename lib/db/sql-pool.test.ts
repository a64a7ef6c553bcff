// The read pool against a real Postgres: values stay parameters, column types come back as they do
// through Prisma, and a prepared statement is reused across calls with other values.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "./generated/client";
import { queryRows } from "./sql-pool";
import { createTestDatabase, type TTestDatabase } from "./test-db";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  // The pool, like the prisma singleton, reads DATABASE_URL on first use.
  process.env.DATABASE_URL = db.url;
});
afterAll(async () => {
  await db?.drop();
});

const select = (text: string, at: Date, n: number) =>
  Prisma.sql`SELECT ${text}::text AS text, ${at}::timestamptz AS at, ${n}::int AS n, ARRAY['a', ${text}] AS list, ${n} > 1 AS big`;

describe("queryRows", () => {
  it("returns the same values and types as Prisma's $queryRaw", async () => {
    const at = new Date("2026-11-20T12:00:00.123Z");
    const sql = select("it's; DROP TABLE x --", at, 2);
    const [viaPool] = await queryRows<Record<string, unknown>>(sql);
    const [viaPrisma] = await queryRows<Record<string, unknown>>(sql, db.prisma);
    expect(viaPool).toEqual({ text: "it's; DROP TABLE x --", at, n: 2, list: ["a", "it's; DROP TABLE x --"], big: true });
    expect(viaPool).toEqual(viaPrisma);
  });

  it("reuses one prepared statement for other values", async () => {
    for (let n = 0; n < 8; n++) {
      const [row] = await queryRows<{ n: number; big: boolean }>(select(`v${n}`, new Date(), n));
      expect(row).toMatchObject({ n, big: n > 1 });
    }
  });
});
