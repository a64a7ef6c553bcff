// Prisma CLI configuration. Prisma 7 does not read .env itself, and its env() helper throws when
// DATABASE_URL is unset, which would break `prisma generate` on a machine with no database.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
