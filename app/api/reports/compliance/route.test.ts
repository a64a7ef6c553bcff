// GET /api/reports/compliance in-process against a real Postgres: downloads in each format, a
// recorded export downloaded again, bad input -> 400 with a readable message (never 500), and
// refusals for roles without reports.export.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TRole } from "@/lib/auth/roles";
import { testSession } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { OU, seedOrganization } from "@/lib/inventory/list-accounts.fixtures";
import { GET } from "./route";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
  await seedOrganization(db.prisma, { now: new Date() });
});
afterAll(async () => {
  await db?.drop();
});

async function get(query: string, roles: TRole[] | null = ["auditor"]): Promise<Response> {
  const headers = new Headers();
  if (roles) headers.set("cookie", (await testSession(roles, getConfig(), { db: db.prisma, sub: `tester-${roles.join("-")}` })).header);
  return GET(new Request(`http://127.0.0.1:3000/api/reports/compliance${query}`, { headers }));
}

describe("GET /api/reports/compliance", () => {
  it("streams a CSV of the filtered view as a download and records it", async () => {
    const res = await get(`?format=csv&status=NON_COMPLIANT&ouId=${OU.prod}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="rootwarden-compliance-o-test000001-\d{8}T\d{6}Z\.csv"$/);
    const text = await res.text();
    expect(text.split("\r\n")[0]).toMatch(/^Account ID,Account name,OU path/);
    expect(text).toContain("prod-b");
    expect(text).not.toContain("dev-a");
    await expect.poll(() => db.prisma.reportExport.count({ where: { format: "csv" } })).toBe(1);
  });

  it("serves JSON, JSON Lines and PDF", async () => {
    const json = await get("?format=json&kind=accounts");
    expect(((await json.json()) as unknown[]).length).toBe(7);
    const jsonl = await get("?format=jsonl");
    expect((await jsonl.text()).trim().split("\n").length).toBe(7 * 6 + 3);
    const pdf = await get("?format=pdf");
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it.each([
    ["?asOf=yesterday", "asOf: must be an ISO 8601 time"],
    ["?asOf=2999-01-01T00:00:00Z", "is in the future"],
    ["?format=xlsx", "format: must be one of csv, json, jsonl, pdf"],
    ["?status=NOPE", 'status: "NOPE" is not a status'],
    ["?rule=%00", "The query parameter \"rule\""],
    ["?ouId=../../etc", "ouId: must be an OU id"],
    [`?q=${"x".repeat(300)}`, "q: search text must be at most 200 characters"],
  ])("answers 400 for %s", async (query, message) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message);
  });

  it("downloads a recorded export again by its id: the recorded parameters, the same bytes", async () => {
    const asOf = new Date(Date.now() - 3_600_000).toISOString();
    const first = await get(`?format=jsonl&kind=accounts&q=eu&asOf=${asOf}`);
    const body = await first.text();
    await expect.poll(() => db.prisma.reportExport.count({ where: { format: "jsonl", kind: "accounts" } })).toBe(1);
    const recorded = await db.prisma.reportExport.findFirstOrThrow({ where: { format: "jsonl", kind: "accounts" } });
    // Other parameters next to export= are ignored.
    const again = await get(`?export=${recorded.id}&format=csv&q=nothing`);
    expect(again.status).toBe(200);
    expect(again.headers.get("x-report-as-of")).toBe(asOf);
    expect(again.headers.get("content-type")).toMatch(/^application\/jsonl/);
    expect(await again.text()).toBe(body);
    expect((await get("?export=00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await get("?export=x")).status).toBe(400);
  });

  it("answers 404 for an OU that is not in the inventory", async () => {
    expect((await get("?ouId=ou-ab12-zzzzzzzz")).status).toBe(404);
  });

  it("refuses viewers (403 naming reports.export) and anonymous callers (401)", async () => {
    const res = await get("?format=csv", ["viewer"]);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({ permission: "reports.export" });
    expect((await get("?format=csv", null)).status).toBe(401);
  });
});
