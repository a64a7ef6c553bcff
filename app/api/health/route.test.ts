// GET /api/health against a real Postgres: up and migrated, pending migrations, and down.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { GET } from "./route";

let migrated: TTestDatabase;
let empty: TTestDatabase;

beforeAll(async () => {
  migrated = await createTestDatabase();
  empty = await createTestDatabase({ empty: true });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await migrated.drop();
  await empty.drop();
});

describe("GET /api/health", () => {
  it("says the database is up and fully migrated", async () => {
    vi.stubEnv("DATABASE_URL", migrated.url);
    const res = await GET();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("ok");
    expect(body.database.reachable).toBe(true);
    expect(body.migrations.pending).toEqual([]);
    expect(body.migrations.applied).toBeGreaterThan(0);
  });

  it("reports pending migrations as degraded, still 200", async () => {
    vi.stubEnv("DATABASE_URL", empty.url);
    const res = await GET();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("degraded");
    expect(body.migrations.pending.length).toBeGreaterThan(0);
  });

  it("answers 503 when the database is down, without leaking the URL", async () => {
    vi.stubEnv("DATABASE_URL", "postgresql://someone:s3cret-pw@127.0.0.1:1/nothing");
    const res = await GET();
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text).database.reachable).toBe(false);
    expect(text).not.toContain("s3cret-pw");
  });
});
