// listAccounts against a real Postgres: effective-status filters (with staleness), rule, OU subtree,
// text search, sort, pagination, authorization, and search-param validation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { COMPLIANCE_STATUSES, effectiveStatus } from "@/lib/inventory/compliance";
import {
  ACCOUNT_STATUSES,
  listAccounts,
  searchParamsToListQueryInput,
  ZListAccountsQuery,
  type TListAccountsQueryInput,
} from "@/lib/inventory/list-accounts";
import { FRESHNESS_HOURS, NOW, OU, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

const list = (query: TListAccountsQueryInput) =>
  listAccounts({ actor: viewer, query, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
const names = async (query: TListAccountsQueryInput) => (await list(query)).items.map((a) => a.name);

describe("listAccounts", () => {
  it("lists live accounts (not those that left the org) sorted by name", async () => {
    const result = await list({});
    expect(result.items.map((a) => a.name)).toEqual(["dev-a", "dev-b", "eu-a", "eu-b", "management", "prod-a", "prod-b"]);
    expect(result.total).toBe(7);
  });

  it("filters by effective status; a stale NON_COMPLIANT account counts as UNKNOWN", async () => {
    expect(await names({ status: "NON_COMPLIANT" })).toEqual(["eu-a", "prod-b"]);
    expect(await names({ status: "UNKNOWN" })).toEqual(["dev-b", "eu-b"]);
    expect(await names({ status: "COMPLIANT" })).toEqual(["prod-a"]);
    expect(await names({ status: "ERROR" })).toEqual(["dev-a"]);
    expect(await names({ status: "NOT_APPLICABLE" })).toEqual(["management"]);
    expect(await names({ status: "ERROR,COMPLIANT" })).toEqual(["dev-a", "prod-a"]);
    const euB = (await list({ q: "eu-b" })).items[0];
    expect(euB).toMatchObject({ status: "UNKNOWN", scannedStatus: "NON_COMPLIANT" });
  });

  it("agrees with effectiveStatus() from compliance.ts for every account", async () => {
    const rows = await db.prisma.account.findMany({ where: { leftOrgAt: null } });
    const listed = new Map((await list({ pageSize: "200" })).items.map((a) => [a.id, a.status]));
    for (const row of rows) {
      expect(listed.get(row.id), row.name).toBe(effectiveStatus(row, NOW, FRESHNESS_HOURS).status);
    }
    expect([...ACCOUNT_STATUSES]).toEqual([...COMPLIANCE_STATUSES]);
  });

  it("filters by failing rule", async () => {
    expect(await names({ rule: "account.no-access-keys" })).toEqual(["eu-a"]);
    expect(await names({ rule: "account.no-password" })).toEqual(["eu-a", "eu-b", "prod-b"]);
    expect(await names({ rule: "account.no-password", status: "NON_COMPLIANT" })).toEqual(["eu-a", "prod-b"]);
  });

  it("filters by OU subtree, including sub-OUs", async () => {
    expect(await names({ ouId: OU.prod })).toEqual(["eu-a", "eu-b", "prod-a", "prod-b"]);
    expect(await names({ ouId: OU.eu })).toEqual(["eu-a", "eu-b"]);
    expect(await names({ ouId: OU.root })).toHaveLength(7);
    expect(await names({ ouId: OU.prod, status: "NON_COMPLIANT" })).toEqual(["eu-a", "prod-b"]);
  });

  it("rejects an OU that is not in the inventory", async () => {
    await expect(list({ ouId: "ou-ab12-missing01" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("searches name, email and account-id prefix; LIKE wildcards are literal", async () => {
    expect(await names({ q: "EU-" })).toEqual(["eu-a", "eu-b"]);
    expect(await names({ q: "prod-a@example" })).toEqual(["prod-a"]);
    expect(await names({ q: "10000000000" })).toHaveLength(6);
    expect(await names({ q: "1111" })).toEqual(["management"]);
    expect(await names({ q: "%" })).toEqual([]);
    expect(await names({ q: "_" })).toEqual([]);
  });

  it("sorts by status worst first, by last scan and descending", async () => {
    expect((await list({ sort: "status" })).items.map((a) => a.status)).toEqual([
      "NON_COMPLIANT",
      "NON_COMPLIANT",
      "ERROR",
      "UNKNOWN",
      "UNKNOWN",
      "COMPLIANT",
      "NOT_APPLICABLE",
    ]);
    expect((await names({ sort: "lastScannedAt", dir: "desc" })).slice(0, 3)).toEqual(["eu-a", "prod-a", "prod-b"]);
    expect(await names({ sort: "name", dir: "desc", pageSize: "2" })).toEqual(["prod-b", "prod-a"]);
    expect((await names({ sort: "failing", dir: "desc" }))[0]).toBe("prod-b");
    expect((await list({ sort: "ou", ouId: OU.prod })).items.map((a) => a.ouPath)).toEqual([
      "Root/Prod",
      "Root/Prod",
      "Root/Prod/EU",
      "Root/Prod/EU",
    ]);
  });

  it("paginates on the server with a total", async () => {
    const page2 = await list({ pageSize: "3", page: "2" });
    expect(page2.items.map((a) => a.name)).toEqual(["eu-b", "management", "prod-a"]);
    expect(page2).toMatchObject({ total: 7, page: 2, pageSize: 3, pageCount: 3 });
    const beyond = await list({ pageSize: "3", page: "9" });
    expect(beyond.items).toEqual([]);
    expect(beyond.total).toBe(7);
  });

  it("returns the latest snapshot's credential counts", async () => {
    const euA = (await list({ q: "eu-a" })).items[0];
    expect(euA).toMatchObject({
      passwordPresent: true,
      accessKeyCount: 1,
      certificateCount: 1,
      mfaCount: 1,
      ouPath: "Root/Prod/EU",
      failingRules: ["account.no-access-keys", "account.no-password"],
    });
    expect((await list({ q: "dev-b" })).items[0]).toMatchObject({ passwordPresent: null, accessKeyCount: null });
  });

  it("requires accounts.read", async () => {
    await expect(listAccounts({ actor: null, query: {}, db: db.prisma })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(listAccounts({ actor: actorWith([]), query: {}, db: db.prisma })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("ZListAccountsQuery", () => {
  const parse = (params: string) => ZListAccountsQuery.safeParse(searchParamsToListQueryInput(new URLSearchParams(params)));
  const message = (params: string) => {
    const r = parse(params);
    return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  };

  it("accepts repeated or comma-separated statuses and applies defaults", () => {
    const r = parse("status=COMPLIANT&status=ERROR,UNKNOWN");
    expect(r.success && r.data).toMatchObject({
      status: ["COMPLIANT", "ERROR", "UNKNOWN"],
      sort: "name",
      dir: "asc",
      page: 1,
      pageSize: 50,
    });
  });

  it("explains each bad parameter", () => {
    expect(message("status=BROKEN")).toContain('"BROKEN" is not a status');
    expect(message("rule=account.nope")).toContain("rule: must be a rule id");
    expect(message("ouId=../etc")).toContain("ouId: must be an OU id");
    expect(message("sort=password")).toContain("sort: must be one of name");
    expect(message("dir=up")).toContain("dir: must be asc or desc");
    expect(message("page=0")).toContain("page: must be a whole number from 1");
    expect(message("pageSize=500")).toContain("pageSize: must be a whole number from 1 to 200");
    expect(message("pageSize=abc")).toContain('got "abc"');
    expect(message(`q=${"x".repeat(201)}`)).toContain("q: search text must be at most 200 characters");
  });

  it("refuses control characters in the search text (Postgres cannot compare NUL)", () => {
    const parsed = ZListAccountsQuery.safeParse({ q: "a\u0000b" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toBe("search text must not contain control characters");
  });
});
