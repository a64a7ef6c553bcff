// Throwaway databases for integration tests: each call clones a migrated template database on the
// one embedded Postgres that vitest's global setup started (lib/db/test-global-setup.ts).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient } from "./client";
import type { PrismaClient } from "./generated/client";

export const TEMPLATE_DATABASE = "rootwarden_template";

export type TTestDatabase = { url: string; name: string; prisma: PrismaClient; drop: () => Promise<void> };

export function testServerUrl(database = "postgres"): string {
  const base = inject("pgServerUrl");
  if (!base) throw new Error("No test Postgres: run tests with `npx vitest` so the global setup starts one.");
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh database; migrated (cloned from the template) unless `empty` is set. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TTestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(options.empty ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const url = testServerUrl(name);
  const prisma = createPrismaClient(url, 5);
  const drop = async () => {
    await prisma.$disconnect();
    const c = new pg.Client({ connectionString: testServerUrl() });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  return { url, name, prisma, drop };
}

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
  }
}
