// The trend's daily roll-up against a real Postgres: settled days are written once and read back
// unchanged, another freshness window recomputes them, and a late snapshot redoes its day.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { getComplianceTrend } from "@/lib/inventory/get-overview";
import { FRESHNESS_HOURS, NOW, ORG_ID, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";
import { lastSettledDay, rollUpComplianceDays, utcDay } from "@/lib/inventory/roll-up-compliance-days";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

const trend = (freshnessHours = FRESHNESS_HOURS) =>
  getComplianceTrend({ actor: viewer, db: db.prisma, organizationId: ORG_ID, now: NOW, freshnessHours, days: 30 });
const rolledUpDays = async (freshnessHours = FRESHNESS_HOURS) =>
  (await db.prisma.complianceDaily.findMany({ where: { organizationId: ORG_ID, freshnessHours }, select: { day: true } })).length / 5;

describe("compliance roll-up", () => {
  it("settles a day an hour after it ends", () => {
    expect(lastSettledDay(new Date("2026-11-20T00:59:59Z"))).toBe(utcDay(new Date("2026-11-18T12:00:00Z")));
    expect(lastSettledDay(new Date("2026-11-20T01:00:00Z"))).toBe(utcDay(new Date("2026-11-19T12:00:00Z")));
  });

  it("writes every settled day of the window once and reads the same trend back", async () => {
    const first = await trend();
    // 30 days ending today: the 29 before today are settled at noon.
    expect(await rolledUpDays()).toBe(29);
    expect(await trend()).toEqual(first);
  });

  it("recomputes the days for another freshness window", async () => {
    const day = (points: Awaited<ReturnType<typeof trend>>) => points.find((p) => p.day === "2026-11-19");
    // eu-b's snapshot (72 h before NOW) is fresh at the end of 2026-11-19 with a 72 h window.
    expect(day(await trend(72))).toMatchObject({ NON_COMPLIANT: 2, ERROR: 1, UNKNOWN: 4 });
    expect(await rolledUpDays(72)).toBe(29);
    expect(day(await trend())).toMatchObject({ NON_COMPLIANT: 1, ERROR: 1, UNKNOWN: 5 });
  });

  it("redoes settled days from a late snapshot's day on", async () => {
    const day = async () => (await trend()).find((p) => p.day === "2026-11-19");
    expect(await day()).toMatchObject({ COMPLIANT: 0, UNKNOWN: 5 });
    const takenAt = new Date("2026-11-19T23:59:00Z");
    await db.prisma.credentialSnapshot.create({
      data: { accountId: "100000000006", organizationId: ORG_ID, takenAt, status: "COMPLIANT", failingRules: [] },
    });
    // Settled days are not re-read from snapshots...
    expect(await day()).toMatchObject({ COMPLIANT: 0, UNKNOWN: 5 });
    // ...unless the writer says it wrote into one, as a scan batch does.
    await rollUpComplianceDays({ actor: SYSTEM, db: db.prisma, organizationId: ORG_ID, now: NOW, freshnessHours: FRESHNESS_HOURS, days: 30, redoFrom: takenAt });
    expect(await day()).toMatchObject({ COMPLIANT: 1, UNKNOWN: 4 });
  });
});
