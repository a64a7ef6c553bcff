// The benchmarks' inventory, seeded with set-based SQL: an OU tree about 3 levels deep, accounts
// spread over it (with their placement history row), the features' reading, and one snapshot per account per day (about 40% keep a password, some keep keys),
// the latest denormalized onto each account and the trend's daily roll-up, as the scanner keeps them.
import pg from "pg";
import { SYSTEM } from "@/lib/auth/actor";
import { createPrismaClient } from "@/lib/db/client";
import { rollUpComplianceDays, TREND_DAYS } from "@/lib/inventory/roll-up-compliance-days";

export async function seedBenchInventory(
  databaseUrl: string,
  args: { accounts: number; days: number; ous: number; orgId: string; rootId: string; freshnessHours: number },
): Promise<{ ous: number; snapshots: number; ouIds: string[] }> {
  const ORG_ID = args.orgId;
  const ROOT_ID = args.rootId;
  const FRESHNESS_HOURS = args.freshnessHours;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "Organization" ("id", "arn", "featureSet", "managementAccountId", "trustedAccessIam",
         "rootCredentialsManagement", "rootSessions", "lastSyncedAt", "featuresCheckedAt", "updatedAt")
       VALUES ($1, $2, 'ALL', '100000000000', true, true, true, now(), now(), now())`,
      [ORG_ID, `arn:aws:organizations::100000000000:organization/${ORG_ID}`],
    );
    await client.query(
      `INSERT INTO "OrganizationFeatureReading" ("id", "organizationId", "readAt", "source", "trustedAccessIam",
         "rootCredentialsManagement", "rootSessions")
       VALUES (gen_random_uuid(), $1, now(), 'org-sync', true, true, true)`,
      [ORG_ID],
    );

    // A tree about 3 levels deep: 10 top-level OUs, each with children, each with grandchildren.
    const ous = buildOuTree(args.ous, ROOT_ID);
    await client.query(
      `INSERT INTO "Ou" ("id", "organizationId", "parentId", "name", "arn", "isRoot", "path", "idPath", "depth", "syncedAt")
       SELECT t.id, $1, t.parent, t.name, 'arn:aws:organizations::100000000000:ou/' || t.id, t.depth = 0, t.path, t.id_path, t.depth, now()
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
         AS t(id, parent, name, path, id_path, depth)`,
      [
        ORG_ID,
        ous.map((o) => o.id),
        ous.map((o) => o.parentId),
        ous.map((o) => o.name),
        ous.map((o) => o.path),
        ous.map((o) => o.idPath),
        ous.map((o) => o.depth),
      ],
    );

    // Accounts spread over every OU but the root.
    const placed = ous.filter((o) => o.depth > 0);
    await client.query(
      `INSERT INTO "Account" ("id", "organizationId", "ouId", "ouIdPath", "name", "email", "arn", "state", "joinedAt", "syncedAt")
       SELECT lpad((200000000000 + g)::text, 12, '0'), $1, o.id, o.id_path,
              'acct-' || g, 'aws+acct-' || g || '@example.com',
              'arn:aws:organizations::100000000000:account/' || $1 || '/' || (200000000000 + g), 'ACTIVE',
              now() - interval '400 days', now()
       FROM generate_series(1, $2::int) AS g
       JOIN unnest($3::text[], $4::text[]) WITH ORDINALITY AS o(id, id_path, n) ON o.n = 1 + (g % $5::int)`,
      [ORG_ID, args.accounts, placed.map((o) => o.id), placed.map((o) => o.idPath), placed.length],
    );

    // Where each account sits, as the org sync records it (reports as of a time read it).
    await client.query(
      `INSERT INTO "AccountPlacement" ("id", "organizationId", "accountId", "ouId", "ouIdPath", "ouPath", "name", "email", "state",
         "isManagement", "validFrom")
       SELECT gen_random_uuid(), a."organizationId", a."id", a."ouId", a."ouIdPath", o."path", a."name", a."email", a."state",
              a."isManagement", now() - interval '400 days'
       FROM "Account" a JOIN "Ou" o ON o."id" = a."ouId" WHERE a."organizationId" = $1`,
      [ORG_ID],
    );

    // One snapshot per account per day; about 40% of accounts keep a password, some keep keys.
    await client.query(
      `INSERT INTO "CredentialSnapshot" ("id", "accountId", "organizationId", "takenAt", "passwordPresent", "passwordCreatedAt",
         "accessKeys", "signingCertificates", "mfaDevices", "status", "failingRules")
       SELECT gen_random_uuid(), a."id", $1, now() - make_interval(days => d.d, mins => (h % 600)),
              pw, CASE WHEN pw THEN now() - interval '900 days' END,
              CASE WHEN keys THEN '[{"accessKeyId":"AKIA…BNCH","status":"Active","createDate":"2024-01-01T00:00:00Z","lastUsedDate":null}]'::jsonb ELSE '[]'::jsonb END,
              '[]'::jsonb,
              CASE WHEN pw THEN '[{"serialNumber":"arn:aws:iam::000000000000:mfa/root","type":"virtual","enableDate":"2024-01-01T00:00:00Z"}]'::jsonb ELSE '[]'::jsonb END,
              CASE WHEN pw OR keys THEN 'NON_COMPLIANT' ELSE 'COMPLIANT' END,
              array_remove(ARRAY[CASE WHEN pw THEN 'account.no-password' END, CASE WHEN keys THEN 'account.no-access-keys' END,
                                 CASE WHEN pw THEN 'account.hardware-mfa-while-password' END], NULL)
       FROM "Account" a
       CROSS JOIN generate_series(0, $2::int - 1) AS d(d)
       CROSS JOIN LATERAL (SELECT abs(hashtext(a."id" || ':' || d.d)) AS h) x
       CROSS JOIN LATERAL (SELECT (h % 100) < 40 - d.d / 2 AS pw, (h % 100) BETWEEN 90 AND 94 AS keys) f`,
      [ORG_ID, args.days],
    );

    // Denormalize the latest snapshot onto each account, as the scanner does.
    await client.query(`
      UPDATE "Account" a SET "status" = s."status", "failingRules" = s."failingRules", "lastScannedAt" = s."takenAt",
             "latestSnapshotId" = s."id"
      FROM (SELECT DISTINCT ON ("accountId") "accountId", "id", "status", "failingRules", "takenAt"
            FROM "CredentialSnapshot" ORDER BY "accountId", "takenAt" DESC) s
      WHERE s."accountId" = a."id"`);
    await client.query("ANALYZE");
    // The trend's daily roll-up, as the scan batches would have kept it.
    const db = createPrismaClient(databaseUrl, 2);
    try {
      await rollUpComplianceDays({ actor: SYSTEM, db, organizationId: ORG_ID, now: new Date(), freshnessHours: FRESHNESS_HOURS, days: TREND_DAYS });
    } finally {
      await db.$disconnect();
    }
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "CredentialSnapshot"`);
    // Filter targets: the root, every top-level OU and a sample of deeper ones.
    const targets = [ROOT_ID, ...ous.filter((o) => o.depth === 1).map((o) => o.id), ...ous.filter((o) => o.depth >= 2).filter((_, i) => i % 10 === 0).map((o) => o.id)];
    return { ous: ous.length, snapshots: rows[0].n, ouIds: targets };
  } finally {
    await client.end();
  }
}

type TOuSeed = { id: string; parentId: string | null; name: string; path: string; idPath: string; depth: number };

function buildOuTree(total: number, ROOT_ID: string): TOuSeed[] {
  const root: TOuSeed = { id: ROOT_ID, parentId: null, name: "Root", path: "Root", idPath: `${ROOT_ID}/`, depth: 0 };
  const out: TOuSeed[] = [root];
  let n = 0;
  const add = (parent: TOuSeed, label: string): TOuSeed => {
    n++;
    const id = `ou-bnch-${String(n).padStart(8, "0")}`;
    const ou = { id, parentId: parent.id, name: label, path: `${parent.path}/${label}`, idPath: `${parent.idPath}${id}/`, depth: parent.depth + 1 };
    out.push(ou);
    return ou;
  };
  const top = Array.from({ length: 10 }, (_, i) => add(root, `Unit-${i + 1}`));
  const mid = top.flatMap((t, i) => Array.from({ length: 7 }, (_, j) => add(t, `Team-${i + 1}-${j + 1}`)));
  for (let k = 0; out.length < total; k++) add(mid[k % mid.length], `Env-${k + 1}`);
  return out;
}

