// Org membership and OU placement as of a time come from the inventory's history (AccountPlacement,
// kept by the org sync): against a real Postgres, three syncs move an account to another OU, rename
// an OU, and see an account leave and rejoin; reports as of times between them show each account
// where it was then, filter by the OU it was in then, and leave out the account while it was gone.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import type { TOrgWalk } from "@/lib/aws/walk-organization";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { actorWith } from "@/lib/inventory/list-accounts.fixtures";
import { storeOrganization } from "@/lib/inventory/sync-organization";
import { exportReport } from "./export-report";

const auditor = actorWith(["auditor"]);
const features = { trustedAccessIam: true, rootCredentialsManagement: true, rootSessions: true, delegatedAdminAccountId: null, problems: [] };
const T1 = new Date("2026-10-01T00:00:00.000Z");
const T2 = new Date("2026-10-10T00:00:00.000Z");
const T3 = new Date("2026-10-20T00:00:00.000Z");
const NOW = new Date("2026-10-25T00:00:00.000Z");
const OU = { root: "r-hist", workloads: "ou-hist-wwwwwwww", prod: "ou-hist-pppppppp", sandbox: "ou-hist-ssssssss" };
const A = "300000000001"; // moves from Prod to Sandbox at T2
const B = "300000000002"; // leaves at T2, rejoins at T3
const C = "300000000003"; // stays in Prod, which is renamed Production at T2

function walk(step: 1 | 2 | 3): TOrgWalk {
  const prodName = step === 1 ? "Prod" : "Production";
  const ous = [
    { id: OU.root, arn: "arn:root", name: "Root", parentId: null, isRoot: true, path: "Root", idPath: `${OU.root}/`, depth: 0 },
    { id: OU.workloads, arn: "arn:w", name: "Workloads", parentId: OU.root, isRoot: false, path: "Root/Workloads", idPath: `${OU.root}/${OU.workloads}/`, depth: 1 },
    { id: OU.prod, arn: "arn:p", name: prodName, parentId: OU.workloads, isRoot: false, path: `Root/Workloads/${prodName}`, idPath: `${OU.root}/${OU.workloads}/${OU.prod}/`, depth: 2 },
    { id: OU.sandbox, arn: "arn:s", name: "Sandbox", parentId: OU.root, isRoot: false, path: "Root/Sandbox", idPath: `${OU.root}/${OU.sandbox}/`, depth: 1 },
  ];
  const account = (id: string, name: string, parentId: string) => ({
    id,
    arn: `arn:aws:organizations::111111111111:account/o-history001/${id}`,
    name,
    email: `${name}@example.com`,
    state: "ACTIVE",
    joinedMethod: "CREATED",
    joinedAt: new Date("2024-01-01T00:00:00.000Z"),
    parentId,
  });
  const accounts = [account("111111111111", "management", OU.root), account(A, "alpha", step === 1 ? OU.prod : OU.sandbox), account(C, "charlie", OU.prod)];
  if (step !== 2) accounts.push(account(B, "bravo", OU.workloads));
  return { organization: { id: "o-history001", arn: "arn:org", featureSet: "ALL", managementAccountId: "111111111111" }, ous, accounts };
}

let db: TTestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  for (const [step, at] of [[1, T1], [2, T2], [3, T3]] as const) {
    await storeOrganization({ actor: SYSTEM, db: db.prisma, walk: walk(step), features, now: at });
  }
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function placed(asOf: Date | null, filters: Record<string, string> = {}): Promise<Record<string, string>> {
  const query = { format: "jsonl", kind: "accounts", ...(asOf ? { asOf: asOf.toISOString() } : {}), ...filters };
  const out = await exportReport({ actor: auditor, db: db.prisma, pool, query, now: NOW, freshnessHours: 48 });
  const rows = (await new Response(out.stream).text())
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { accountName: string; ouPath: string });
  return Object.fromEntries(rows.filter((r) => r.accountName !== "management").map((r) => [r.accountName, r.ouPath]));
}

describe("the org sync keeps where each account was", () => {
  it("opens a row per placement and closes it on a move, a renamed OU, and leaving; a rejoin opens a new one", async () => {
    const rows = await db.prisma.accountPlacement.findMany({ where: { accountId: { in: [A, B, C] } }, orderBy: [{ accountId: "asc" }, { validFrom: "asc" }] });
    expect(rows.map((r) => [r.accountId, r.ouPath, r.validFrom.toISOString(), r.validTo?.toISOString() ?? null])).toEqual([
      [A, "Root/Workloads/Prod", T1.toISOString(), T2.toISOString()],
      [A, "Root/Sandbox", T2.toISOString(), null],
      [B, "Root/Workloads", T1.toISOString(), T2.toISOString()],
      [B, "Root/Workloads", T3.toISOString(), null],
      [C, "Root/Workloads/Prod", T1.toISOString(), T2.toISOString()],
      [C, "Root/Workloads/Production", T2.toISOString(), null],
    ]);
    expect(rows.find((r) => r.accountId === A && r.validTo === null)).toMatchObject({ ouId: OU.sandbox, ouIdPath: `${OU.root}/${OU.sandbox}/` });
  });

  it("adds nothing when a sync sees everything where it was", async () => {
    const before = await db.prisma.accountPlacement.count();
    await storeOrganization({ actor: SYSTEM, db: db.prisma, walk: walk(3), features, now: new Date("2026-10-21T00:00:00.000Z") });
    expect(await db.prisma.accountPlacement.count()).toBe(before);
  });
});

describe("a report as of a time places accounts as they were then", () => {
  it("shows the OU each account was in, under the OU's name then", async () => {
    expect(await placed(new Date("2026-10-05T00:00:00.000Z"))).toEqual({ alpha: "Root/Workloads/Prod", bravo: "Root/Workloads", charlie: "Root/Workloads/Prod" });
    expect(await placed(new Date("2026-10-22T00:00:00.000Z"))).toEqual({ alpha: "Root/Sandbox", bravo: "Root/Workloads", charlie: "Root/Workloads/Production" });
    expect(await placed(null)).toEqual({ alpha: "Root/Sandbox", bravo: "Root/Workloads", charlie: "Root/Workloads/Production" });
  });

  it("leaves out an account while it had left, though it is a member again now", async () => {
    expect(await placed(new Date("2026-10-15T00:00:00.000Z"))).toEqual({ alpha: "Root/Sandbox", charlie: "Root/Workloads/Production" });
    expect(await placed(T2)).toEqual({ alpha: "Root/Sandbox", charlie: "Root/Workloads/Production" });
    expect(await placed(T3)).toMatchObject({ bravo: "Root/Workloads" });
  });

  it("filters by the OU an account was in then", async () => {
    const early = new Date("2026-10-05T00:00:00.000Z");
    const late = new Date("2026-10-22T00:00:00.000Z");
    expect(await placed(early, { ouId: OU.prod })).toEqual({ alpha: "Root/Workloads/Prod", charlie: "Root/Workloads/Prod" });
    expect(await placed(late, { ouId: OU.prod })).toEqual({ charlie: "Root/Workloads/Production" });
    expect(await placed(early, { ouId: OU.sandbox })).toEqual({});
    expect(await placed(late, { ouId: OU.sandbox })).toEqual({ alpha: "Root/Sandbox" });
    expect(await placed(early, { ouId: OU.workloads })).toEqual({ alpha: "Root/Workloads/Prod", bravo: "Root/Workloads", charlie: "Root/Workloads/Prod" });
  });

  it("uses the earliest known placement before the history starts", async () => {
    expect(await placed(new Date("2026-09-15T00:00:00.000Z"))).toEqual({ alpha: "Root/Workloads/Prod", bravo: "Root/Workloads", charlie: "Root/Workloads/Prod" });
  });
});
