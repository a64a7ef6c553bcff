// The report-history migration on a database that already has an inventory: it writes one feature
// reading per organization from its last reading, and fills each placement's name, email, state and
// management flag from its account (what every report before the migration showed).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrationFiles } from "./migrate";
import { createTestDatabase, type TTestDatabase } from "./test-db";

const MIGRATION = "20261204000000_report_history";
let db: TTestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const files = readMigrationFiles();
  expect(files.some((f) => f.name === MIGRATION)).toBe(true);
  for (const f of files.filter((m) => m.name < MIGRATION)) await client.query(f.sql);
  await client.query(`
    INSERT INTO "Organization" ("id", "arn", "featureSet", "managementAccountId", "trustedAccessIam", "rootCredentialsManagement",
                                "rootSessions", "delegatedAdminAccountId", "featuresCheckedAt", "lastSyncedAt", "updatedAt")
    VALUES ('o-migrate0001', 'arn:org', 'ALL', '111111111111', true, null, false, '222222222222',
            '2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z', now()),
           ('o-migrate0002', 'arn:org2', 'ALL', '333333333333', null, null, null, null, null, null, now());
    INSERT INTO "Account" ("id", "organizationId", "name", "email", "arn", "state", "isManagement", "syncedAt")
    VALUES ('111111111111', 'o-migrate0001', 'management', 'm@example.com', 'arn:a1', 'ACTIVE', true, '2026-11-01T10:00:00Z'),
           ('100000000001', 'o-migrate0001', 'closed', 'c@example.com', 'arn:a2', 'SUSPENDED', false, '2026-11-01T10:00:00Z');
    INSERT INTO "AccountPlacement" ("id", "organizationId", "accountId", "validFrom", "validTo")
    VALUES (gen_random_uuid(), 'o-migrate0001', '111111111111', '2026-10-01T00:00:00Z', NULL),
           (gen_random_uuid(), 'o-migrate0001', '100000000001', '2026-10-01T00:00:00Z', '2026-10-15T00:00:00Z'),
           (gen_random_uuid(), 'o-migrate0001', '100000000001', '2026-10-20T00:00:00Z', NULL),
           (gen_random_uuid(), 'o-migrate0001', '999999999999', '2026-10-01T00:00:00Z', NULL);`);
  await client.query(files.find((f) => f.name === MIGRATION)!.sql);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe(`migration ${MIGRATION}`, () => {
  it("keeps each organization's last reading as a reading at its time", async () => {
    const { rows } = await client.query(`SELECT "organizationId", "readAt", "source", "trustedAccessIam", "rootCredentialsManagement",
                                                "rootSessions", "delegatedAdminAccountId" FROM "OrganizationFeatureReading"`);
    expect(rows).toEqual([
      {
        organizationId: "o-migrate0001",
        readAt: new Date("2026-11-01T10:00:00Z"),
        source: "migration",
        trustedAccessIam: true,
        rootCredentialsManagement: null,
        rootSessions: false,
        delegatedAdminAccountId: "222222222222",
      },
    ]);
  });

  it("fills every placement from its account; a placement without one gets empty values", async () => {
    const { rows } = await client.query(`SELECT "accountId", "name", "email", "state", "isManagement" FROM "AccountPlacement" ORDER BY "accountId", "validFrom"`);
    expect(rows.map((r) => [r.accountId, r.name, r.email, r.state, r.isManagement])).toEqual([
      ["100000000001", "closed", "c@example.com", "SUSPENDED", false],
      ["100000000001", "closed", "c@example.com", "SUSPENDED", false],
      ["111111111111", "management", "m@example.com", "ACTIVE", true],
      ["999999999999", "", "", "", false],
    ]);
    await expect(client.query(`INSERT INTO "AccountPlacement" ("id", "organizationId", "accountId", "validFrom") VALUES (gen_random_uuid(), 'o', 'x', now())`)).rejects.toThrow(
      /null value in column "name"/,
    );
  });
});
