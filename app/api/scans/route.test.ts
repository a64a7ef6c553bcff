// The scan API's route handlers in-process against a real Postgres: listing and progress input
// validation, and starting a scan (permission, same-origin, body validation, idempotent start).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TRole } from "@/lib/auth/roles";
import { testSession } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { ORG_ID, seedOrganization } from "@/lib/inventory/list-accounts.fixtures";
import { POST as cancelScan } from "./[scanId]/cancel/route";
import { GET as getScan } from "./[scanId]/route";
import { GET as listScans, POST as startScan } from "./route";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
  // The handlers read the real clock, so the fixture is built relative to it.
  await seedOrganization(db.prisma, { now: new Date() });
});
afterAll(async () => {
  await db?.drop();
});

const BASE = "http://127.0.0.1:3000";

async function request(
  path: string,
  options: { roles?: TRole[]; method?: string; body?: string; origin?: string | null; contentType?: string } = {},
): Promise<Request> {
  const cookie = await testSession(options.roles ?? ["viewer"], getConfig(), { db: db.prisma, sub: "tester" });
  const headers = new Headers({ cookie: cookie.header });
  if (options.origin !== null) headers.set("origin", options.origin ?? BASE);
  if (options.body !== undefined) headers.set("content-type", options.contentType ?? "application/json");
  return new Request(`${BASE}${path}`, { method: options.method ?? "GET", headers, body: options.body });
}

const post = (body: string, roles: TRole[] = ["operator"], extra: { origin?: string | null; contentType?: string } = {}) =>
  request("/api/scans", { method: "POST", body, roles, ...extra });

describe("GET /api/scans", () => {
  it("answers 400 for a bad query", async () => {
    const res = await listScans(await request("/api/scans?active=1&scope=ou"));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("ouId: is required when scope=ou");
  });

  it("lists scans (none yet)", async () => {
    const res = await listScans(await request("/api/scans?active=1&scope=org"));
    expect(res.status).toBe(200);
    expect((await res.json()).scans).toEqual([]);
  });
});

describe("POST /api/scans", () => {
  it("needs scans.start: a viewer gets 403 naming the permission", async () => {
    const res = await startScan(await post(JSON.stringify({ scope: { type: "ORG" } }), ["viewer"]));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain("scans.start");
  });

  it("refuses cross-origin writes", async () => {
    const res = await startScan(await post(JSON.stringify({ scope: { type: "ORG" } }), ["operator"], { origin: "https://evil.example" }));
    expect(res.status).toBe(403);
  });

  it.each([
    ["{}", "scope"],
    [JSON.stringify({ scope: { type: "GALAXY" } }), "scope.type"],
    [JSON.stringify({ scope: { type: "OU", ouId: "x" } }), "scope.ouId"],
    [JSON.stringify({ scope: { type: "ACCOUNTS", accountIds: [] } }), "select at least one account"],
    ["not json", "not valid JSON"],
  ])("answers 400 for body %s", async (body, message) => {
    const res = await startScan(await post(body));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain(message);
  });

  it("answers 415 for a non-JSON body", async () => {
    const res = await startScan(await post("scope=ORG", ["operator"], { contentType: "application/x-www-form-urlencoded" }));
    expect(res.status).toBe(415);
  });

  it("starts a scan and reports its progress", async () => {
    // Only the management account: it is skipped (AssumeRoot cannot target it), so no job is queued.
    const res = await startScan(await post(JSON.stringify({ scope: { type: "ACCOUNTS", accountIds: ["111111111111"] } })));
    expect(res.status).toBe(202);
    const { scan } = await res.json();
    expect(scan).toMatchObject({ scopeType: "ACCOUNTS", status: "SUCCEEDED", total: 1, done: 1, skipped: 1 });

    const progress = await getScan(await request(`/api/scans/${scan.id}`), { params: Promise.resolve({ scanId: scan.id }) });
    expect(progress.status).toBe(200);
    expect((await progress.json()).scan).toMatchObject({ id: scan.id, etaSeconds: 0, cancelled: 0 });
    const listed = await (await listScans(await request("/api/scans?scope=account&accountId=111111111111"))).json();
    expect(listed.scans.map((s: { id: string }) => s.id)).toEqual([scan.id]);
  });
});

describe("GET /api/scans/[scanId]", () => {
  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    const bad = await getScan(await request("/api/scans/xyz"), { params: Promise.resolve({ scanId: "xyz" }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain("scanId: must be a scan id (a UUID)");
    const id = "00000000-0000-4000-8000-000000000000";
    expect((await getScan(await request(`/api/scans/${id}`), { params: Promise.resolve({ scanId: id }) })).status).toBe(404);
  });
});

describe("POST /api/scans/[scanId]/cancel", () => {
  it("lets an operator cancel a queued scan, not a viewer", async () => {
    const scan = await db.prisma.scan.create({
      data: { organizationId: ORG_ID, scopeType: "ORG", scopeLabel: "Whole organization", trigger: "MANUAL", status: "QUEUED", total: 7 },
    });
    const ctx = { params: Promise.resolve({ scanId: scan.id }) };
    const path = `/api/scans/${scan.id}/cancel`;
    expect((await cancelScan(await request(path, { method: "POST", roles: ["viewer"] }), ctx)).status).toBe(403);
    const res = await cancelScan(await request(path, { method: "POST", roles: ["operator"] }), { params: Promise.resolve({ scanId: scan.id }) });
    expect(res.status).toBe(200);
    expect((await res.json()).scan).toMatchObject({ id: scan.id, status: "CANCELLED" });
  });

  it("answers 400 for a malformed id", async () => {
    const res = await cancelScan(await request("/api/scans/1/cancel", { method: "POST", roles: ["operator"] }), {
      params: Promise.resolve({ scanId: "1" }),
    });
    expect(res.status).toBe(400);
  });
});
