// The scan API's route handlers in-process against a real Postgres: listing and progress input
// validation, and starting a scan (permission, same-origin, body validation, server-side confirmation
// of org and OU scans, the per-user rate limit with Retry-After, idempotent start).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TRole } from "@/lib/auth/roles";
import { testSession } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { ORG_ID, OU, seedOrganization } from "@/lib/inventory/list-accounts.fixtures";
import { POST as cancelScan } from "./[scanId]/cancel/route";
import { GET as getScan } from "./[scanId]/route";
import { GET as listScans, POST as startScan } from "./route";

let db: TTestDatabase;

const OPERATOR_UID = "00000000-0000-4000-8000-000000000001";

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
  // Read by the first getConfig() of this file (the first request below).
  process.env.SCAN_LIMIT_SCANS = "3";
  // The handlers read the real clock, so the fixture is built relative to it.
  await seedOrganization(db.prisma, { now: new Date() });
});
afterAll(async () => {
  delete process.env.SCAN_LIMIT_SCANS;
  await db?.drop();
});

const BASE = "http://127.0.0.1:3000";

async function request(
  path: string,
  options: { roles?: TRole[]; method?: string; body?: string; origin?: string | null; contentType?: string; uid?: string } = {},
): Promise<Request> {
  const uid = options.uid ?? OPERATOR_UID;
  const cookie = await testSession(options.roles ?? ["viewer"], getConfig(), { db: db.prisma, sub: `tester-${uid}`, uid });
  const headers = new Headers({ cookie: cookie.header });
  if (options.origin !== null) headers.set("origin", options.origin ?? BASE);
  if (options.body !== undefined) headers.set("content-type", options.contentType ?? "application/json");
  return new Request(`${BASE}${path}`, { method: options.method ?? "GET", headers, body: options.body });
}

const post = (body: string, roles: TRole[] = ["operator"], extra: { origin?: string | null; contentType?: string; uid?: string } = {}) =>
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

  it.each([
    [{ scope: { type: "ORG" } }, "the whole organization"],
    [{ scope: { type: "ORG" }, confirm: false }, "the whole organization"],
    [{ scope: { type: "OU", ouId: OU.prod } }, `OU ${OU.prod}`],
  ])("refuses an org or OU scan without confirm: true (%j)", async (body, what) => {
    const res = await startScan(await post(JSON.stringify(body)));
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toContain(`A scan of ${what} opens a root session in every account in it`);
    expect(error.message).toContain('Add "confirm": true to the body');
    expect(await db.prisma.scan.count({ where: { scopeType: { in: ["ORG", "OU"] } } })).toBe(0);
  });

  it("answers 429 with Retry-After once a user has started SCAN_LIMIT_SCANS scans in the window", async () => {
    const uid = "00000000-0000-4000-8000-0000000000aa";
    // The management account alone: skipped at once, so each start is a new, finished scan and no job is queued.
    const body = JSON.stringify({ scope: { type: "ACCOUNTS", accountIds: ["111111111111"] } });
    for (let i = 0; i < 3; i++) expect((await startScan(await post(body, ["operator"], { uid }))).status).toBe(202);
    const res = await startScan(await post(body, ["operator"], { uid }));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const { error } = await res.json();
    expect(error.code).toBe("TOO_MANY_REQUESTS");
    expect(error.message).toMatch(/You started 3 scans in the last hour; one user may start 3 .*Try again after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(error.details).toMatchObject({ limit: "scans", retryAfterSeconds: retryAfter });
    // Another user is not affected.
    expect((await startScan(await post(body, ["operator"], { uid: "00000000-0000-4000-8000-0000000000bb" }))).status).toBe(202);
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
