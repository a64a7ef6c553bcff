// storeOrganization against a real Postgres: tree paths, management/suspended accounts, accounts that
// leave and rejoin, OUs that disappear. (The AWS walk itself is tested against the simulator.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import type { TOrgWalk } from "@/lib/aws/walk-organization";
import { SYSTEM } from "@/lib/auth/actor";
import { storeOrganization } from "./sync-organization";

const features = { trustedAccessIam: true, rootCredentialsManagement: true, rootSessions: false, delegatedAdminAccountId: "222222222222", problems: [] };

function walk(accountIds: string[], withOuB = true): TOrgWalk {
  const root = { id: "r-ab12", arn: "arn:root", name: "Root", parentId: null, isRoot: true, path: "Root", idPath: "r-ab12/", depth: 0 };
  const a = { id: "ou-ab12-aaaaaaaa", arn: "arn:a", name: "Workloads", parentId: "r-ab12", isRoot: false, path: "Root/Workloads", idPath: "r-ab12/ou-ab12-aaaaaaaa/", depth: 1 };
  const b = { id: "ou-ab12-bbbbbbbb", arn: "arn:b", name: "Prod", parentId: a.id, isRoot: false, path: "Root/Workloads/Prod", idPath: "r-ab12/ou-ab12-aaaaaaaa/ou-ab12-bbbbbbbb/", depth: 2 };
  return {
    organization: { id: "o-abcdefghij", arn: "arn:org", featureSet: "ALL", managementAccountId: "111111111111" },
    // Children before parents on purpose: the store must not depend on walk order.
    ous: withOuB ? [b, a, root] : [a, root],
    accounts: accountIds.map((id, i) => ({
      id,
      arn: `arn:aws:organizations::111111111111:account/o-abcdefghij/${id}`,
      name: `acct-${i}`,
      email: `a${i}@example.com`,
      state: id.endsWith("9") ? "SUSPENDED" : "ACTIVE",
      joinedMethod: "CREATED",
      joinedAt: new Date("2024-01-01T00:00:00Z"),
      parentId: withOuB && i % 2 === 0 ? b.id : a.id,
    })),
  };
}

describe("storeOrganization", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it("stores the tree, paths, features and not-scannable accounts", async () => {
    const ids = ["111111111111", "300000000001", "300000000002", "300000000009"];
    const r = await storeOrganization({ actor: SYSTEM, db: db.prisma, walk: walk(ids), features, now: new Date() });
    expect(r).toMatchObject({ organizationId: "o-abcdefghij", ous: 3, accounts: 4, leftOrg: 0 });

    const org = await db.prisma.organization.findUniqueOrThrow({ where: { id: "o-abcdefghij" } });
    expect(org).toMatchObject({ trustedAccessIam: true, rootSessions: false, delegatedAdminAccountId: "222222222222" });
    const prod = await db.prisma.ou.findUniqueOrThrow({ where: { id: "ou-ab12-bbbbbbbb" } });
    expect(prod).toMatchObject({ parentId: "ou-ab12-aaaaaaaa", path: "Root/Workloads/Prod", depth: 2 });

    const accounts = await db.prisma.account.findMany({ orderBy: { id: "asc" } });
    expect(accounts.map((a) => [a.id, a.status, a.isManagement])).toEqual([
      ["111111111111", "NOT_APPLICABLE", true],
      ["300000000001", "UNKNOWN", false],
      ["300000000002", "UNKNOWN", false],
      ["300000000009", "NOT_APPLICABLE", false],
    ]);
    expect(accounts[0].ouIdPath).toBe("r-ab12/ou-ab12-aaaaaaaa/ou-ab12-bbbbbbbb/");
    expect(accounts[3].statusReason).toMatch(/SUSPENDED/);
    expect(accounts[1].joinedAt?.toISOString()).toBe("2024-01-01T00:00:00.000Z");
  });

  it("marks accounts that left and OUs that vanished, keeps their rows, and clears the mark on return", async () => {
    const later = new Date(Date.now() + 1000);
    const r = await storeOrganization({ actor: SYSTEM, db: db.prisma, walk: walk(["111111111111", "300000000001"], false), features, now: later });
    expect(r.leftOrg).toBe(2);
    const left = await db.prisma.account.findUniqueOrThrow({ where: { id: "300000000002" } });
    expect(left.leftOrgAt?.getTime()).toBe(later.getTime());
    const prod = await db.prisma.ou.findUniqueOrThrow({ where: { id: "ou-ab12-bbbbbbbb" } });
    expect(prod.removedAt).not.toBeNull();

    await storeOrganization({ actor: SYSTEM, db: db.prisma, walk: walk(["111111111111", "300000000001", "300000000002"]), features, now: new Date(Date.now() + 2000) });
    const back = await db.prisma.account.findUniqueOrThrow({ where: { id: "300000000002" } });
    expect(back.leftOrgAt).toBeNull();
    expect((await db.prisma.ou.findUniqueOrThrow({ where: { id: "ou-ab12-bbbbbbbb" } })).removedAt).toBeNull();
  });
});
