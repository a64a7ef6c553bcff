// The scheduled report's setting over HTTP (in-process, real Postgres): refusals naming the
// permission, 400s that say what to fix and change nothing, the saved setting and its audit event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TRole } from "@/lib/auth/roles";
import { testSession } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { GET, PATCH } from "./route";
import { flushAuditTrail } from "@/lib/audit/sequence";

let db: TTestDatabase;
const BASE = "http://127.0.0.1:3000";
const ADMIN_UID = "00000000-0000-4000-8000-0000000000ad";

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
});
afterAll(async () => {
  await db?.drop();
});

async function request(options: { roles?: TRole[]; method?: string; body?: unknown } = {}): Promise<Request> {
  const cookie = await testSession(options.roles ?? ["admin"], getConfig(), { db: db.prisma, sub: `tester-${ADMIN_UID}`, uid: ADMIN_UID });
  const headers = new Headers({ cookie: cookie.header, origin: BASE });
  if (options.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${BASE}/api/settings/report-schedule`, { method: options.method ?? "GET", headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

describe("/api/settings/report-schedule", () => {
  it("refuses everyone but admins, naming the permission", async () => {
    for (const roles of [["viewer"], ["auditor"], ["operator"], ["approver"]] as TRole[][]) {
      const res = await PATCH(await request({ method: "PATCH", body: { enabled: false }, roles }));
      expect(res.status).toBe(403);
      expect((await res.json()).error.message).toContain("settings.write");
      expect((await GET(await request({ roles }))).status).toBe(403);
    }
  });

  it.each([
    [{ enabled: true }, "destination: is needed to turn the schedule on"],
    [{ destination: { type: "directory", path: "relative/dir" } }, "destination.path: must be an absolute path"],
    [{ destination: { type: "s3", bucket: "x" } }, "destination.bucket: is not an S3 bucket name"],
    [{ formats: ["docx"] }, "formats.0: must each be one of csv, json, jsonl, pdf"],
  ])("answers 400 for %j and changes nothing", async (body, message) => {
    const res = await PATCH(await request({ method: "PATCH", body }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain(message);
    expect(await db.prisma.appSetting.findUnique({ where: { key: "reports.schedule" } })).toBeNull();
  });

  it("saves a valid setting, shows it, and audits the change", async () => {
    const body = { enabled: true, destination: { type: "s3", bucket: "audit-reports", prefix: "rootwarden/" }, formats: ["pdf"] };
    const res = await PATCH(await request({ method: "PATCH", body }));
    expect(res.status).toBe(200);
    expect((await res.json()).schedule).toEqual(body);
    expect((await (await GET(await request())).json()).schedule).toEqual(body);
    await flushAuditTrail(db.prisma);
    const events = await db.prisma.auditEvent.findMany({ where: { type: "settings.changed" }, orderBy: { seq: "asc" } });
    expect(events.map((e) => (e.payload as { setting: string }).setting)).toEqual(["reports.schedule.enabled", "reports.schedule.destination", "reports.schedule.formats"]);
  });
});
