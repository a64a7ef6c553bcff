// Upgrading from pg-boss 10: its schema (version 24) is one pg-boss 12 refuses to migrate, so
// createBoss replaces it; a current schema and its jobs are left alone. And every queue exists once
// createBoss returns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { OLDEST_MIGRATABLE_BOSS_SCHEMA, QUEUES, createBoss, dropUnmigratableSchema } from "./boss";
import { QUEUE_OPTIONS, TASK_QUEUES } from "./queues";

describe("createBoss on a database with an older pg-boss schema", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("drops a pg-boss 10 schema, installs the current one, and keeps it on the next start", async () => {
    // The parts of pg-boss 10's schema that matter here: its version row and a job table with a job.
    await db.prisma.$executeRawUnsafe(`CREATE SCHEMA pgboss`);
    await db.prisma.$executeRawUnsafe(`CREATE TABLE pgboss.version (version int PRIMARY KEY, maintained_on timestamptz, cron_on timestamptz)`);
    await db.prisma.$executeRawUnsafe(`INSERT INTO pgboss.version (version) VALUES (${OLDEST_MIGRATABLE_BOSS_SCHEMA - 1})`);
    await db.prisma.$executeRawUnsafe(`CREATE TABLE pgboss.job (id uuid PRIMARY KEY, name text, data jsonb)`);
    await db.prisma.$executeRawUnsafe(`INSERT INTO pgboss.job VALUES (gen_random_uuid(), 'inventory-scan-batch', '{}')`);

    const lines: string[] = [];
    const logged = (line: string) => lines.push(line);
    const boss = await createBoss({ databaseUrl: db.url, role: "client" });
    try {
      expect(await boss.schemaVersion()).toBeGreaterThanOrEqual(OLDEST_MIGRATABLE_BOSS_SCHEMA);
      await boss.insert(QUEUES.scanBatch, [{ data: { scanId: "s", accountIds: ["111111111111"] } }]);
      expect(await dropUnmigratableSchema(db.url, logged)).toBe(false);
      expect(lines).toEqual([]);
      const jobs = await db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, QUEUES.scanBatch);
      expect(jobs[0].n).toBe(1);
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });

  it("does nothing on a database without pg-boss", async () => {
    const empty = await createTestDatabase();
    try {
      expect(await dropUnmigratableSchema(empty.url, () => {})).toBe(false);
    } finally {
      await empty.drop();
    }
  });
});

describe("createBoss", () => {
  it("creates every queue once at start, so a send-only client can send to any of them", async () => {
    const fresh = await createTestDatabase();
    try {
      const boss = await createBoss({ databaseUrl: fresh.url, role: "client" });
      try {
        const queues = await boss.getQueues();
        expect(queues.map((q) => q.name).sort()).toEqual(Object.keys(QUEUE_OPTIONS).sort());
        expect(queues.find((q) => q.name === TASK_QUEUES.batch)).toMatchObject({ retryLimit: 5, expireInSeconds: 14 * 60 });
        expect(await boss.send(TASK_QUEUES.start, { requestId: "r" })).toEqual(expect.any(String));
      } finally {
        await boss.stop({ graceful: false, close: true });
      }
    } finally {
      await fresh.drop();
    }
  });
});
