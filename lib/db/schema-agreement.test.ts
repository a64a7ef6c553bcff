// Proves prisma/schema.prisma and the migrated database agree: every model is a table, every
// scalar field a column of the right type and nullability, every @unique/@@index an index. A schema
// change without a migration (or a migration without the schema change) fails here.
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "./test-db";

type TField = { name: string; type: string; optional: boolean; list: boolean; nativeType?: string; unique: boolean };
type TModel = { name: string; fields: TField[]; indexes: string[][]; uniques: string[][] };

const SCALARS = new Set(["String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes"]);

function parseSchema(text: string): TModel[] {
  const models: TModel[] = [];
  const enums = new Set([...text.matchAll(/^enum\s+(\w+)\s*\{/gm)].map((m) => m[1]));
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const fields: TField[] = [];
    const indexes: string[][] = [];
    const uniques: string[][] = [];
    for (const raw of m[2].split("\n")) {
      const line = raw.replace(/\/\/.*$/, "").trim();
      if (!line) continue;
      const block = line.match(/^@@(index|unique)\(\[([^\]]+)\]/);
      if (block) {
        const cols = block[2].split(",").map((c) => c.trim().replace(/\(.*\)$/, ""));
        (block[1] === "index" ? indexes : uniques).push(cols);
        continue;
      }
      if (line.startsWith("@@")) continue;
      const f = line.match(/^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/);
      if (!f) continue;
      const [, name, type, list, optional, attrs] = f;
      if (!SCALARS.has(type) && !enums.has(type)) continue; // relation field
      fields.push({
        name,
        type,
        list: Boolean(list),
        optional: Boolean(optional),
        nativeType: attrs.match(/@db\.(\w+(\(\d+\))?)/)?.[1],
        unique: /@unique\b/.test(attrs),
      });
    }
    models.push({ name: m[1], fields, indexes, uniques });
  }
  return models;
}

function expectedType(f: TField): string {
  if (f.list) return `ARRAY:${expectedType({ ...f, list: false })}`;
  const native = f.nativeType?.replace(/\(\d+\)$/, "");
  if (native === "Uuid") return "uuid";
  if (native === "Timestamptz") return "timestamp with time zone";
  if (native === "Text" || (!native && f.type === "String")) return "text";
  const map: Record<string, string> = {
    Boolean: "boolean",
    Int: "integer",
    BigInt: "bigint",
    Float: "double precision",
    Decimal: "numeric",
    DateTime: "timestamp without time zone",
    Json: "jsonb",
    Bytes: "bytea",
  };
  return map[f.type] ?? "USER-DEFINED";
}

let db: TTestDatabase;
let client: pg.Client;
const models = parseSchema(readFileSync(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8"));

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

describe("schema.prisma and the migrated database", () => {
  it("parses a non-trivial schema", () => {
    expect(models.length).toBeGreaterThanOrEqual(5);
  });

  it("have exactly the same tables", async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const dbTables = rows.map((r) => r.table_name).filter((t) => t !== "_prisma_migrations");
    expect(dbTables.sort()).toEqual(models.map((m) => m.name).sort());
  });

  for (const model of models) {
    it(`agree on every column of ${model.name}`, async () => {
      const { rows } = await client.query<{ column_name: string; data_type: string; udt_name: string; is_nullable: string; datetime_precision: number | null }>(
        `SELECT column_name, data_type, udt_name, is_nullable, datetime_precision FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [model.name],
      );
      const actual = new Map(rows.map((r) => [r.column_name, r]));
      expect([...actual.keys()].sort()).toEqual(model.fields.map((f) => f.name).sort());
      for (const f of model.fields) {
        const col = actual.get(f.name)!;
        const type = col.data_type === "ARRAY" ? `ARRAY:${udtToType(col.udt_name.slice(1))}` : col.data_type;
        expect(`${f.name}: ${type}`).toBe(`${f.name}: ${expectedType(f)}`);
        // Prisma creates scalar lists as nullable columns; every other field's nullability must match.
        if (!f.list) expect(`${f.name} nullable=${col.is_nullable}`).toBe(`${f.name} nullable=${f.optional ? "YES" : "NO"}`);
        const precision = f.nativeType?.match(/\((\d+)\)/)?.[1];
        if (f.type === "DateTime") expect(`${f.name} precision=${col.datetime_precision}`).toBe(`${f.name} precision=${precision ?? 3}`);
      }
    });

    it(`has every index and unique constraint of ${model.name}`, async () => {
      const { rows } = await client.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`,
        [model.name],
      );
      const names = new Set(rows.map((r) => r.indexname));
      for (const f of model.fields.filter((x) => x.unique)) expect(names).toContain(`${model.name}_${f.name}_key`);
      for (const cols of model.uniques) expect(names).toContain(`${model.name}_${cols.join("_")}_key`);
      for (const cols of model.indexes) expect(names).toContain(`${model.name}_${cols.join("_")}_idx`);
    });
  }
});

function udtToType(udt: string): string {
  const map: Record<string, string> = { text: "text", uuid: "uuid", int4: "integer", bool: "boolean", jsonb: "jsonb", timestamptz: "timestamp with time zone" };
  return map[udt] ?? udt;
}
