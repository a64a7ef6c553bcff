// GET /api/health against a real Postgres: up and migrated, pending migrations, down; anonymous
// callers get only the status; a flood of probes shares the app's pool instead of opening
// connections of its own.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sessionCookie } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { HEALTH_CACHE_MS, getHealth } from "@/lib/db/get-health";
import { createTestDatabase, testServerUrl, type TTestDatabase } from "@/lib/db/test-db";
import { GET } from "./route";

let migrated: TTestDatabase;
let empty: TTestDatabase;
const pools: pg.Pool[] = [];
const poolOn = (url: string) => {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on("error", () => {});
  pools.push(pool);
  return pool;
};

beforeAll(async () => {
  migrated = await createTestDatabase();
  empty = await createTestDatabase({ empty: true });
  // The route uses the app's pool on DATABASE_URL.
  vi.stubEnv("DATABASE_URL", migrated.url);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all(pools.map((p) => p.end()));
  await migrated.drop();
  await empty.drop();
});

describe("getHealth", () => {
  it("says the database is up and fully migrated", async () => {
    const health = await getHealth({ now: new Date(), pool: poolOn(migrated.url) });
    expect(health.status).toBe("ok");
    expect(health.database.reachable).toBe(true);
    expect(health.migrations?.pending).toEqual([]);
    expect(health.migrations?.applied).toBeGreaterThan(0);
  });

  it("reports pending migrations as degraded", async () => {
    const health = await getHealth({ now: new Date(), pool: poolOn(empty.url) });
    expect(health.status).toBe("degraded");
    expect(health.migrations?.pending.length).toBeGreaterThan(0);
  });

  it("is down when the database is unreachable, without the URL or driver text", async () => {
    const health = await getHealth({ now: new Date(), pool: poolOn("postgresql://someone:s3cret-pw@127.0.0.1:1/nothing") });
    expect(health.status).toBe("down");
    expect(JSON.stringify(health)).not.toContain("s3cret-pw");
  });

  it("shares one result for HEALTH_CACHE_MS", async () => {
    const pool = poolOn(migrated.url);
    const now = new Date();
    const first = await getHealth({ now, pool });
    expect(await getHealth({ now: new Date(now.getTime() + HEALTH_CACHE_MS - 1), pool })).toBe(first);
    expect(await getHealth({ now: new Date(now.getTime() + HEALTH_CACHE_MS), pool })).not.toBe(first);
  });
});

describe("GET /api/health", () => {
  it("tells anonymous callers only ok / degraded / down", async () => {
    const res = await GET(new Request("http://127.0.0.1:3000/api/health"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("gives signed-in admins the details, and other roles only the status", async () => {
    const config = getConfig();
    const admin = await sessionCookie(["admin"], config, { db: migrated.prisma, uid: "00000000-0000-4000-8000-0000000000a1", sub: "health-admin" });
    const body = await (await GET(new Request("http://127.0.0.1:3000/api/health", { headers: { cookie: admin } }))).json();
    expect(body).toMatchObject({ status: "ok", database: { reachable: true }, migrations: { pending: [] } });
    const viewer = await sessionCookie(["viewer"], config, { db: migrated.prisma, uid: "00000000-0000-4000-8000-0000000000a2", sub: "health-viewer" });
    expect(await (await GET(new Request("http://127.0.0.1:3000/api/health", { headers: { cookie: viewer } }))).json()).toEqual({ status: "ok" });
  });

  it("answers 300 concurrent probes without opening more connections than the app's pool", async () => {
    const admin = new pg.Client({ connectionString: testServerUrl("postgres") });
    await admin.connect();
    const count = async () =>
      Number((await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [migrated.name])).rows[0]!.n);
    try {
      const before = await count();
      const responses = await Promise.all(Array.from({ length: 300 }, () => GET(new Request("http://127.0.0.1:3000/api/health"))));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      // The app's pool holds at most 10; a connection per probe would be ~300.
      expect((await count()) - before).toBeLessThanOrEqual(10);
    } finally {
      await admin.end();
    }
  });
});
