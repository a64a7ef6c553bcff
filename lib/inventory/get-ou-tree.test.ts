// getOuTree against a real Postgres: direct counts and roll-ups that include every sub-OU.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { getOuTree } from "@/lib/inventory/get-ou-tree";
import { FRESHNESS_HOURS, NOW, OU, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

describe("getOuTree", () => {
  it("returns every OU ordered by path with children and its root", async () => {
    const tree = await getOuTree({ actor: viewer, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
    expect(tree.rootId).toBe(OU.root);
    expect(tree.nodes.map((n) => n.path)).toEqual(["Root", "Root/Dev", "Root/Prod", "Root/Prod/EU"]);
    const byId = new Map(tree.nodes.map((n) => [n.id, n]));
    expect(byId.get(OU.root)?.childIds).toEqual([OU.dev, OU.prod]);
    expect(byId.get(OU.prod)?.childIds).toEqual([OU.eu]);
  });

  it("counts accounts directly in each OU by effective status (stale -> UNKNOWN, departed excluded)", async () => {
    const tree = await getOuTree({ actor: viewer, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
    const byId = new Map(tree.nodes.map((n) => [n.id, n]));
    expect(byId.get(OU.root)?.direct).toMatchObject({ total: 1, NOT_APPLICABLE: 1 });
    expect(byId.get(OU.eu)?.direct).toMatchObject({ total: 2, NON_COMPLIANT: 1, UNKNOWN: 1 });
    expect(byId.get(OU.dev)?.direct).toMatchObject({ total: 2, ERROR: 1, UNKNOWN: 1, NON_COMPLIANT: 0 });
  });

  it("rolls non-compliant counts up through sub-OUs", async () => {
    const tree = await getOuTree({ actor: viewer, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
    const byId = new Map(tree.nodes.map((n) => [n.id, n]));
    expect(byId.get(OU.prod)?.direct).toMatchObject({ total: 2, NON_COMPLIANT: 1, COMPLIANT: 1 });
    expect(byId.get(OU.prod)?.subtree).toEqual({
      total: 4,
      COMPLIANT: 1,
      NON_COMPLIANT: 2,
      UNKNOWN: 1,
      ERROR: 0,
      NOT_APPLICABLE: 0,
    });
    expect(byId.get(OU.root)?.subtree).toEqual({
      total: 7,
      COMPLIANT: 1,
      NON_COMPLIANT: 2,
      UNKNOWN: 2,
      ERROR: 1,
      NOT_APPLICABLE: 1,
    });
  });

  it("hides removed OUs", async () => {
    const other = await createTestDatabase();
    try {
      await seedOrganization(other.prisma);
      await other.prisma.account.updateMany({ where: { ouId: OU.dev }, data: { ouId: OU.root } });
      await other.prisma.ou.update({ where: { id: OU.dev }, data: { removedAt: NOW } });
      const tree = await getOuTree({ actor: viewer, db: other.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
      expect(tree.nodes.map((n) => n.id)).not.toContain(OU.dev);
    } finally {
      await other.drop();
    }
  });

  it("requires accounts.read", async () => {
    await expect(getOuTree({ actor: actorWith([]), db: db.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
