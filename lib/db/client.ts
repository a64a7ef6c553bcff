// The app's one Prisma client (driver adapter over node-postgres; no engine binary needed).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

const globalForPrisma = globalThis as unknown as { rootwardenPrisma?: PrismaClient };

export function createPrismaClient(databaseUrl: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  return new PrismaClient({ adapter });
}

function databaseUrlOrThrow(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start the app with `npm run demo` (embedded Postgres) or set DATABASE_URL to a Postgres 14+ URL.",
    );
  }
  return url;
}

/** Lazily created so importing a module never opens a connection. */
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, prop) {
    const client = (globalForPrisma.rootwardenPrisma ??= createPrismaClient(databaseUrlOrThrow()));
    const value: unknown = Reflect.get(client, prop);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
