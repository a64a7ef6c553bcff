// Every API route, called in-process with no session, with no role and with each role: the status
// must match the permission this table names. A route file under app/api that the table does not
// list fails the test, so no route ships unchecked. Adding a route? Add its row to ROUTES.
import { readdirSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { hasPermission, type TPermission } from "./permissions";
import { ROLES, type TRole } from "./roles";
import type { TErrorBody } from "./route";
import { sessionCookie, testConfig } from "./test-helpers";

type TMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type TAccess = TPermission | "signed-in" | "public";
type TRow = {
  method: TMethod;
  /** The route as its folder names it, e.g. /api/accounts/[accountId]. */
  route: string;
  access: TAccess;
  /** Concrete params and body for the call; wrong-but-valid-looking ids are fine (404 is not 401/403). */
  params?: Record<string, string | string[]>;
  body?: unknown;
};

const UUID = "00000000-0000-4000-8000-00000000abcd";

export const ROUTES: TRow[] = [
  // next-auth's own endpoints (sign-in, callback, CSRF, sign-out) and the load balancer's probe.
  { method: "GET", route: "/api/auth/[...nextauth]", access: "public" },
  { method: "POST", route: "/api/auth/[...nextauth]", access: "public" },
  { method: "GET", route: "/api/health", access: "public" },

  { method: "GET", route: "/api/me", access: "signed-in" },
  { method: "GET", route: "/api/users", access: "users.read" },
  { method: "DELETE", route: "/api/users/[userId]/sessions", access: "sessions.revoke", params: { userId: UUID } },

  { method: "GET", route: "/api/overview", access: "accounts.read" },
  { method: "GET", route: "/api/drift", access: "accounts.read" },
  { method: "GET", route: "/api/ous", access: "accounts.read" },
  { method: "GET", route: "/api/accounts", access: "accounts.read" },
  { method: "GET", route: "/api/accounts/[accountId]", access: "accounts.read", params: { accountId: "123456789012" } },
  { method: "GET", route: "/api/scans", access: "accounts.read" },
  { method: "POST", route: "/api/scans", access: "scans.start", body: {} },
  { method: "GET", route: "/api/scans/[scanId]", access: "accounts.read", params: { scanId: UUID } },
  { method: "POST", route: "/api/scans/[scanId]/cancel", access: "scans.start", params: { scanId: UUID }, body: {} },

  { method: "GET", route: "/api/audit/events", access: "audit.read" },
  { method: "GET", route: "/api/audit/events/[seq]", access: "audit.read", params: { seq: "0" } },
  { method: "GET", route: "/api/audit/status", access: "audit.read" },
  { method: "GET", route: "/api/audit/verify", access: "audit.read" },
  { method: "GET", route: "/api/audit/export", access: "audit.read" },
  { method: "GET", route: "/api/reports/compliance", access: "reports.export" },

  { method: "GET", route: "/api/notify/channels", access: "settings.read" },
  { method: "POST", route: "/api/notify/channels", access: "settings.write", body: { kind: "WEBHOOK", name: "authz", events: ["task.failed"], url: "ftp://x" } },
  { method: "PATCH", route: "/api/notify/channels/[channelId]", access: "settings.write", params: { channelId: UUID }, body: { enabled: false } },
  { method: "DELETE", route: "/api/notify/channels/[channelId]", access: "settings.write", params: { channelId: UUID } },
  { method: "POST", route: "/api/notify/channels/[channelId]/test", access: "settings.write", params: { channelId: UUID }, body: {} },
  { method: "GET", route: "/api/notify/deliveries", access: "settings.read" },
  { method: "GET", route: "/api/notify/notified", access: "tasks.read" },
  { method: "GET", route: "/api/org/setup", access: "org.setup" },
  { method: "POST", route: "/api/org/sync", access: "org.setup", body: {} },
  { method: "GET", route: "/api/requests", access: "tasks.read" },
  { method: "POST", route: "/api/requests", access: "tasks.request", body: {} },
  { method: "POST", route: "/api/requests/preview", access: "tasks.request", body: {} },
  { method: "GET", route: "/api/requests/[requestId]", access: "tasks.read", params: { requestId: UUID } },
  { method: "GET", route: "/api/requests/[requestId]/targets", access: "tasks.read", params: { requestId: UUID } },
  { method: "POST", route: "/api/requests/[requestId]/votes", access: "tasks.approve", params: { requestId: UUID }, body: { decision: "APPROVE" } },
  { method: "POST", route: "/api/requests/[requestId]/cancel", access: "tasks.request", params: { requestId: UUID }, body: {} },
  { method: "POST", route: "/api/requests/[requestId]/retry", access: "tasks.request", params: { requestId: UUID }, body: {} },
  { method: "POST", route: "/api/requests/[requestId]/review", access: "tasks.approve", params: { requestId: UUID }, body: {} },
  { method: "GET", route: "/api/approvals", access: "tasks.approve" },
  { method: "GET", route: "/api/accounts/[accountId]/resources", access: "tasks.request", params: { accountId: "123456789012" } },
  { method: "GET", route: "/api/settings/tasks", access: "settings.read" },
  { method: "PATCH", route: "/api/settings/tasks", access: "settings.write", body: {} },
  { method: "GET", route: "/api/settings/approval-rules", access: "settings.read" },
  { method: "POST", route: "/api/settings/approval-rules", access: "settings.write", body: {} },
  { method: "DELETE", route: "/api/settings/approval-rules/[ruleId]", access: "settings.write", params: { ruleId: UUID } },
  { method: "GET", route: "/api/settings/report-schedule", access: "settings.read" },
  { method: "PATCH", route: "/api/settings/report-schedule", access: "settings.write", body: {} },
];

const METHODS: TMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const API_DIR = path.resolve(import.meta.dirname, "../../app/api");
const APP_URL = "http://127.0.0.1:3000";

type THandler = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

let db: TTestDatabase;
const cookies = new Map<string, string>();
const modules = new Map<string, Record<string, unknown>>();
const config = testConfig({ APP_URL });

function discoverRoutes(dir: string, prefix = "/api"): { route: string; file: string }[] {
  const found: { route: string; file: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Route groups "(name)" do not appear in the URL.
      found.push(...discoverRoutes(full, /^\(.*\)$/.test(entry.name) ? prefix : `${prefix}/${entry.name}`));
    } else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) {
      found.push({ route: prefix, file: full });
    }
  }
  return found;
}

function key(method: string, route: string): string {
  return `${method} ${route}`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    AUTH_SECRET: config.AUTH_SECRET,
    APP_URL,
    ROLE_GROUPS: config.ROLE_GROUPS,
    WORKER_IN_WEB: "false",
  });
  for (const { route, file } of discoverRoutes(API_DIR)) modules.set(route, (await import(file)) as Record<string, unknown>);
  // Real users, so handlers that record who acted can write their foreign keys.
  for (const roles of [...ROLES.map((r) => [r]), []] as TRole[][]) {
    const name = roles[0] ?? "norole";
    const user = await db.prisma.user.create({ data: { issuer: "https://idp.rootwarden.test", subject: `authz-${name}`, roles, groups: [] } });
    cookies.set(name, await sessionCookie(roles, config, { uid: user.id, sub: user.subject, db: db.prisma }));
  }
});
afterAll(async () => {
  await db?.drop();
});

async function call(row: TRow, cookie: string | null, origin: string = APP_URL): Promise<Response> {
  const handler = modules.get(row.route)?.[row.method] as THandler | undefined;
  if (!handler) throw new Error(`${key(row.method, row.route)} is in ROUTES but the route file does not export it`);
  const url = `${APP_URL}${row.route.replace(/\[\.{0,3}(\w+)\]/g, (_m, name: string) => String(row.params?.[name] ?? name))}`;
  const headers = new Headers();
  if (cookie) headers.set("cookie", cookie);
  const mutating = row.method !== "GET";
  if (mutating) {
    headers.set("origin", origin);
    headers.set("content-type", "application/json");
  }
  const req = new NextRequest(url, { method: row.method, headers, body: mutating ? JSON.stringify(row.body ?? {}) : undefined });
  return handler(req, { params: Promise.resolve(row.params ?? {}) });
}

describe("route authorization table", () => {
  it("lists every route handler under app/api, and nothing else", () => {
    const existing = new Set<string>();
    for (const [route, mod] of modules) for (const m of METHODS) if (typeof mod[m] === "function") existing.add(key(m, route));
    const listed = new Set(ROUTES.map((r) => key(r.method, r.route)));
    const unlisted = [...existing].filter((k) => !listed.has(k));
    const stale = [...listed].filter((k) => !existing.has(k));
    expect(unlisted, `Add these routes to ROUTES in lib/auth/route-authz.test.ts (and wrap them in withPermission)`).toEqual([]);
    expect(stale, "These ROUTES rows have no route handler any more: remove them").toEqual([]);
  });

  const guarded = ROUTES.filter((r) => r.access !== "public");
  describe.each(guarded.map((r) => [key(r.method, r.route), r] as const))("%s", (_name, row) => {
    it("answers 401 without a session", async () => {
      const res = await call(row, null);
      expect(res.status).toBe(401);
      expect(((await res.json()) as TErrorBody).error.code).toBe("UNAUTHENTICATED");
    });

    it.each([...ROLES, "norole"] as const)("as %s", async (who) => {
      const roles: TRole[] = who === "norole" ? [] : [who];
      const allowed = row.access === "signed-in" || (row.access !== "public" && hasPermission(roles, row.access));
      const res = await call(row, cookies.get(who) ?? null);
      if (allowed) {
        expect([401, 403], `${who} should pass the check (got ${res.status}: ${await res.clone().text()})`).not.toContain(res.status);
        expect(res.status, `${who} passed the check but the handler failed: ${await res.clone().text()}`).toBeLessThan(500);
      } else {
        expect(res.status).toBe(403);
        expect(((await res.json()) as TErrorBody).error.details).toEqual({ permission: row.access });
      }
    });

    if (row.method !== "GET") {
      it("refuses a cross-origin call even from a role that holds the permission", async () => {
        const holder = ROLES.find((r) => row.access === "signed-in" || (row.access !== "public" && hasPermission([r], row.access)));
        const res = await call(row, cookies.get(holder ?? "admin") ?? null, "https://evil.example");
        expect(res.status).toBe(403);
        expect(((await res.json()) as TErrorBody).error.details).toEqual({ reason: "cross-origin" });
      });
    }
  });

  it("keeps the public health probe open", async () => {
    const row = ROUTES.find((r) => r.route === "/api/health");
    if (!row) throw new Error("health route missing from ROUTES");
    expect((await call(row, null)).status).not.toBe(401);
  });
});
