// The read API's route handlers in-process against a real Postgres: input validation (bad search
// params and route params -> 400 with a clear message), authentication, and the happy paths.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TRole } from "@/lib/auth/roles";
import { testSession } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { OU, seedOrganization } from "@/lib/inventory/list-accounts.fixtures";
import { GET as getOus } from "../ous/route";
import { GET as getOverview } from "../overview/route";
import { GET as getAccount } from "./[accountId]/route";
import { GET as listAccounts } from "./route";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  // The routes use the app's prisma singleton, which reads DATABASE_URL on first use.
  process.env.DATABASE_URL = db.url;
  // The handlers read the real clock, so the fixture is built relative to it.
  await seedOrganization(db.prisma, { now: new Date() });
});
afterAll(async () => {
  await db?.drop();
});

async function get(path: string, roles: TRole[] | null = ["viewer"]): Promise<Request> {
  const headers = new Headers();
  if (roles) {
    const cookie = await testSession(roles, getConfig(), { db: db.prisma, sub: "tester" });
    headers.set("cookie", cookie.header);
  }
  return new Request(`http://127.0.0.1:3000${path}`, { headers });
}

const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });

describe("GET /api/accounts", () => {
  it("lists with filters from search params", async () => {
    const res = await listAccounts(await get(`/api/accounts?status=NON_COMPLIANT&ouId=${OU.prod}&sort=name`));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.items.map((a: { name: string }) => a.name)).toEqual(["eu-a", "prod-b"]);
    expect(body.total).toBe(2);
  });

  it.each([
    ["status=NOPE", 'status: "NOPE" is not a status'],
    ["pageSize=1000", "pageSize: must be a whole number from 1 to 200"],
    ["page=-1", "page: must be a whole number"],
    ["sort=secret", "sort: must be one of"],
    ["dir=sideways", "dir: must be asc or desc"],
    ["rule=account.everything", "rule: must be a rule id"],
    ["ouId=' OR 1=1 --", "ouId: must be an OU id"],
  ])("answers 400 for %s", async (qs, message) => {
    const res = await listAccounts(await get(`/api/accounts?${qs}`));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.message).toContain(message);
  });

  it("keeps the total on a page past the end and on an empty OU page", async () => {
    const beyond = await (await listAccounts(await get(`/api/accounts?pageSize=3&page=9`))).json();
    expect(beyond).toMatchObject({ items: [], total: 7, page: 9, pageCount: 3 });
    const none = await (await listAccounts(await get(`/api/accounts?status=COMPLIANT&ouId=${OU.dev}`))).json();
    expect(none).toMatchObject({ items: [], total: 0, pageCount: 0 });
  });

  it("answers 404 for an OU not in the inventory, 401 without a session, 403 without a role", async () => {
    expect((await listAccounts(await get("/api/accounts?ouId=ou-ab12-zzzzzzzz"))).status).toBe(404);
    expect((await listAccounts(await get("/api/accounts", null))).status).toBe(401);
    expect((await listAccounts(await get("/api/accounts", []))).status).toBe(403);
  });
});

describe("GET /api/accounts/[accountId]", () => {
  it("returns the account detail", async () => {
    const res = await getAccount(await get("/api/accounts/100000000003"), params({ accountId: "100000000003" }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.account.name).toBe("eu-a");
    expect(body.credentials.accessKeys[0].lastUsedService).toBe("s3");
  });

  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    const bad = await getAccount(await get("/api/accounts/abc"), params({ accountId: "abc" }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain("accountId: must be a 12-digit AWS account id");
    const missing = await getAccount(await get("/api/accounts/999999999999"), params({ accountId: "999999999999" }));
    expect(missing.status).toBe(404);
  });
});

describe("GET /api/ous and /api/overview", () => {
  it("return the tree and the overview", async () => {
    const tree = await (await getOus(await get("/api/ous"))).json();
    expect(tree.nodes).toHaveLength(4);
    const overview = await (await getOverview(await get("/api/overview"))).json();
    expect(overview.counts.total).toBe(7);
    expect(overview.trend).toHaveLength(30);
  });
});
