// Account and OU names sort naturally (analytics-dev-2 before analytics-dev-10) in the account table
// (server-side, the "natural_order" ICU collation) and in the OU tree, against a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { getOuTree } from "@/lib/inventory/get-ou-tree";
import { listAccounts } from "@/lib/inventory/list-accounts";
import { FRESHNESS_HOURS, NOW, ORG_ID, OU, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";

let db: TTestDatabase;
const TEAM_OUS = ["team-10", "team-2", "team-1", "Team-3"];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
  for (const [i, name] of TEAM_OUS.entries()) {
    const id = `ou-ab12-team000${i}`;
    await db.prisma.ou.create({
      data: {
        id,
        organizationId: ORG_ID,
        parentId: OU.dev,
        name,
        path: `Root/Dev/${name}`,
        idPath: `${OU.root}/${OU.dev}/${id}/`,
        depth: 2,
        isRoot: false,
        arn: `arn:aws:organizations::111111111111:ou/${ORG_ID}/${id}`,
        syncedAt: NOW,
      },
    });
  }
  for (const [i, n] of [10, 2, 1, 100, 9].entries()) {
    const ouId = `ou-ab12-team000${i % TEAM_OUS.length}`;
    await db.prisma.account.create({
      data: {
        id: `30000000000${i}`,
        organizationId: ORG_ID,
        ouId,
        ouIdPath: `${OU.root}/${OU.dev}/${ouId}/`,
        name: `analytics-dev-${n}`,
        email: `analytics-dev-${n}@example.com`,
        arn: `arn:aws:organizations::111111111111:account/${ORG_ID}/30000000000${i}`,
        state: "ACTIVE",
        syncedAt: NOW,
      },
    });
  }
});
afterAll(async () => {
  await db?.drop();
});

const list = async (sort: "name" | "email" | "ou", dir: "asc" | "desc" = "asc") =>
  (await listAccounts({ actor: viewer, query: { q: "analytics-dev", sort, dir }, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS })).items;

describe("natural sort", () => {
  it("sorts account names with numbers by their value, both ways", async () => {
    const expected = ["analytics-dev-1", "analytics-dev-2", "analytics-dev-9", "analytics-dev-10", "analytics-dev-100"];
    expect((await list("name")).map((a) => a.name)).toEqual(expected);
    expect((await list("name", "desc")).map((a) => a.name)).toEqual([...expected].reverse());
    expect((await list("email")).map((a) => a.email)).toEqual(expected.map((n) => `${n}@example.com`));
  });

  it("sorts by OU path naturally, then by name", async () => {
    const rows = await list("ou");
    expect(rows.map((a) => a.ouPath)).toEqual(["Root/Dev/team-1", "Root/Dev/team-2", "Root/Dev/Team-3", "Root/Dev/team-10", "Root/Dev/team-10"]);
    expect(rows.slice(3).map((a) => a.name)).toEqual(["analytics-dev-9", "analytics-dev-10"]);
  });

  it("orders OU tree children naturally and lists nodes depth-first", async () => {
    const tree = await getOuTree({ actor: viewer, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
    const byId = new Map(tree.nodes.map((n) => [n.id, n]));
    expect(byId.get(OU.dev)?.childIds.map((id) => byId.get(id)?.name)).toEqual(["team-1", "team-2", "Team-3", "team-10"]);
    expect(tree.nodes.map((n) => n.path)).toEqual([
      "Root",
      "Root/Dev",
      "Root/Dev/team-1",
      "Root/Dev/team-2",
      "Root/Dev/Team-3",
      "Root/Dev/team-10",
      "Root/Prod",
      "Root/Prod/EU",
    ]);
  });
});
