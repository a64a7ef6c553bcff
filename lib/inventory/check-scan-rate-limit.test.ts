// The per-user scan cap against a real Postgres: scans and root sessions per window, when to retry,
// concurrent starts, and who is not limited. The clock is passed in, so it runs on any date.
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type TActor } from "@/lib/auth/actor";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { ORG_ID, actorWith, seedOrganization } from "./list-accounts.fixtures";
import type { TScanRateLimit } from "./check-scan-rate-limit";
import { startScan, type TScanScope } from "./start-scan";

let db: TTestDatabase;
// Jobs are not the subject here: accept them and drop them.
const boss = { insert: async () => {} } as unknown as PgBoss;
// Far from today on purpose: nothing may read the real clock.
const T0 = new Date("2031-03-04T10:00:00.000Z");
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

let users = 0;
function newOperator(): TActor {
  users++;
  return { ...actorWith(["operator"]), userId: `00000000-0000-4000-8000-${String(users).padStart(12, "0")}`, subject: `op-${users}` };
}

const one = (id: string): TScanScope => ({ type: "ACCOUNTS", accountIds: [id] });

async function start(actor: TActor | typeof SYSTEM, scope: TScanScope, now: Date, rateLimit: TScanRateLimit) {
  const scan = await startScan({ actor, scope, now, rateLimit, db: db.prisma, boss, organizationId: ORG_ID });
  // Close it, so the next start of the same scope is a new scan and not the running one returned again.
  await db.prisma.scan.update({ where: { id: scan.id }, data: { status: "SUCCEEDED" } });
  return scan;
}

describe("scan rate limit", () => {
  it("caps scans per user per window and says when the oldest leaves it", async () => {
    const op = newOperator();
    const limit = { windowMinutes: 60, maxScans: 2, maxRootSessions: 0 };
    await start(op, one("100000000001"), minutes(0), limit);
    await start(op, one("100000000002"), minutes(10), limit);
    const refused = start(op, one("100000000003"), minutes(20), limit);
    await expect(refused).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      details: { limit: "scans", retryAfterSeconds: 40 * 60, retryAt: minutes(60).toISOString() },
    });
    await expect(refused).rejects.toThrow(/You started 2 scans in the last hour; one user may start 2 \(SCAN_LIMIT_SCANS\)\..*Try again after 2031-03-04 11:00:00 UTC \(in 40 minutes\)/);
    // Nothing was created by the refused start.
    expect(await db.prisma.scan.count({ where: { requestedById: op.userId } })).toBe(2);
    // Once the first scan is out of the window, one more fits.
    await expect(start(op, one("100000000003"), new Date(minutes(60).getTime() - 1), limit)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    await start(op, one("100000000003"), minutes(60), limit);
  });

  it("caps root sessions (accounts scanned) per user; skipped accounts do not count", async () => {
    const op = newOperator();
    const limit = { windowMinutes: 30, maxScans: 0, maxRootSessions: 3 };
    // The management account is skipped (no root session): this scan costs 2.
    await start(op, { type: "ACCOUNTS", accountIds: ["111111111111", "100000000001", "100000000002"] }, minutes(0), limit);
    await start(op, one("100000000003"), minutes(5), limit);
    await expect(start(op, one("100000000004"), minutes(6), limit)).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      details: { limit: "rootSessions", retryAfterSeconds: 24 * 60 },
    });
    // A scan that opens no root session still fits.
    await start(op, one("111111111111"), minutes(6), limit);
    // The first scan's 2 sessions leave the window at minute 30.
    await start(op, { type: "ACCOUNTS", accountIds: ["100000000004", "100000000005"] }, minutes(31), limit);
  });

  it("refuses a scan larger than the root-session limit on its own with a 400 that says what to do", async () => {
    const op = newOperator();
    await expect(start(op, { type: "ORG" }, minutes(0), { windowMinutes: 60, maxScans: 0, maxRootSessions: 2 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/covers 6 accounts, more than the 2 root sessions one user may open per hour.*smaller OU/),
    });
  });

  it("lets exactly one of two concurrent starts through when one is left", async () => {
    const op = newOperator();
    const limit = { windowMinutes: 60, maxScans: 1, maxRootSessions: 0 };
    const results = await Promise.allSettled([
      startScan({ actor: op, scope: one("100000000001"), now: minutes(0), rateLimit: limit, db: db.prisma, boss, organizationId: ORG_ID }),
      startScan({ actor: op, scope: one("100000000002"), now: minutes(0), rateLimit: limit, db: db.prisma, boss, organizationId: ORG_ID }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(["TOO_MANY_REQUESTS"]);
  });

  it("counts per user, returns the running scan to a double click, and does not limit SYSTEM", async () => {
    const limit = { windowMinutes: 60, maxScans: 1, maxRootSessions: 0 };
    const a = newOperator();
    const b = newOperator();
    const first = await startScan({ actor: a, scope: one("100000000005"), now: minutes(0), rateLimit: limit, db: db.prisma, boss, organizationId: ORG_ID });
    // Same scope while it runs: the same scan, not a refusal.
    const again = await startScan({ actor: a, scope: one("100000000005"), now: minutes(1), rateLimit: limit, db: db.prisma, boss, organizationId: ORG_ID });
    expect(again.id).toBe(first.id);
    await db.prisma.scan.update({ where: { id: first.id }, data: { status: "SUCCEEDED" } });
    await expect(start(a, one("100000000006"), minutes(2), limit)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    await start(b, one("100000000006"), minutes(2), limit);
    for (let i = 0; i < 3; i++) await start(SYSTEM, one("100000000006"), minutes(3 + i), limit);
  });
});
