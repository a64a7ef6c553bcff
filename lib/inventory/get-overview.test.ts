// getOverview against a real Postgres: status counts, worst OUs, the daily trend rebuilt from
// snapshots (staleness applied as of each day) and scan timing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { getOverview } from "@/lib/inventory/get-overview";
import { FRESHNESS_HOURS, NOW, ORG_ID, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

const overview = (scanIntervalHours = 24) =>
  getOverview({ actor: viewer, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS, scanIntervalHours, trendDays: 30 });

describe("getOverview", () => {
  it("reports org features and counts per effective status", async () => {
    const o = await overview();
    expect(o.organization).toMatchObject({ id: ORG_ID, trustedAccessIam: true, rootCredentialsManagement: true, rootSessions: false });
    expect(o.counts).toEqual({ total: 7, COMPLIANT: 1, NON_COMPLIANT: 2, UNKNOWN: 2, ERROR: 1, NOT_APPLICABLE: 1 });
  });

  it("ranks OUs by accounts directly in them that are non-compliant", async () => {
    const o = await overview();
    expect(o.worstOus).toEqual([
      { id: "ou-ab12-prod0001", name: "Prod", path: "Root/Prod", nonCompliant: 1, total: 2 },
      { id: "ou-ab12-eu000001", name: "EU", path: "Root/Prod/EU", nonCompliant: 1, total: 2 },
    ]);
  });

  it("rebuilds each day's statuses from snapshots as of the end of that day", async () => {
    const { trend, counts } = await overview();
    expect(trend).toHaveLength(30);
    expect(trend[0].day).toBe("2026-10-22");
    const day = (d: string) => trend.find((p) => p.day === d);
    // Before any snapshot: all 8 members (the departed one was still there) are unknown, but management is N/A.
    expect(day("2026-11-16")).toMatchObject({ total: 8, UNKNOWN: 7, NOT_APPLICABLE: 1, compliancePercent: 0 });
    expect(day("2026-11-17")).toMatchObject({ total: 8, NON_COMPLIANT: 1, UNKNOWN: 6, NOT_APPLICABLE: 1 });
    expect(day("2026-11-18")).toMatchObject({ total: 8, NON_COMPLIANT: 2, UNKNOWN: 5, NOT_APPLICABLE: 1 });
    // eu-b's snapshot is now 60 h old at the end of the day: UNKNOWN; eu-a failed that day: ERROR.
    expect(day("2026-11-19")).toMatchObject({ total: 8, NON_COMPLIANT: 1, ERROR: 1, UNKNOWN: 5, NOT_APPLICABLE: 1 });
    // Today matches the live counts.
    const today = day("2026-11-20");
    expect(today).toMatchObject(counts);
    expect(today?.compliancePercent).toBeCloseTo(16.7, 1);
  });

  it("shows the last scan and when the next scheduled one is due", async () => {
    expect((await overview()).nextScheduledScanAt).toEqual(NOW);
    await db.prisma.scan.create({
      data: {
        organizationId: ORG_ID,
        scopeType: "ORG",
        scopeLabel: "Organization",
        trigger: "SCHEDULED",
        status: "SUCCEEDED",
        total: 7,
        done: 7,
        createdAt: new Date(NOW.getTime() - 10 * 3_600_000),
      },
    });
    const o = await overview();
    expect(o.lastScan).toMatchObject({ scopeType: "ORG", status: "SUCCEEDED", total: 7 });
    expect(o.nextScheduledScanAt).toEqual(new Date(NOW.getTime() + 14 * 3_600_000));
    expect((await overview(0)).nextScheduledScanAt).toBeNull();
  });

  it("requires accounts.read", async () => {
    await expect(getOverview({ actor: actorWith([]), db: db.prisma })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
