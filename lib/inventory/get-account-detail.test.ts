// getAccountDetail against a real Postgres: credentials from the newest successful snapshot, failing
// rules with remediation from RULES, history, errors (snapshot and scan failures), staleness.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { getAccountDetail } from "@/lib/inventory/get-account-detail";
import { FRESHNESS_HOURS, NOW, ORG_ID, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";

let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

const detail = (accountId: string) =>
  getAccountDetail({ actor: viewer, accountId, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });

describe("getAccountDetail", () => {
  it("shows each root credential of the latest snapshot", async () => {
    const d = await detail("100000000003");
    expect(d.account).toMatchObject({ name: "eu-a", status: "NON_COMPLIANT", stale: false, ou: { path: "Root/Prod/EU" } });
    expect(d.credentials).toMatchObject({
      passwordPresent: true,
      passwordCreatedAt: new Date("2021-06-01T00:00:00.000Z"),
      accessKeys: [
        {
          accessKeyId: "…WXYZ",
          status: "Active",
          createDate: new Date("2024-01-02T03:04:05.000Z"),
          lastUsedDate: new Date("2026-11-01T00:00:00.000Z"),
          lastUsedService: "s3",
          lastUsedRegion: "eu-west-1",
        },
      ],
      signingCertificates: [{ certificateId: "CERT123", status: "Inactive" }],
      mfaDevices: [{ type: "virtual", enableDate: new Date("2025-01-01T00:00:00.000Z") }],
    });
  });

  it("explains failing rules with their remediation", async () => {
    const d = await detail("100000000003");
    expect(d.failingRules.map((r) => r.id)).toEqual(["account.no-access-keys", "account.no-password"]);
    expect(d.failingRules[0]).toMatchObject({ severity: "critical", title: "Root user has no access keys", finding: "The root user still has access keys" });
    expect(d.failingRules[0].remediation).toContain("IAMDeleteRootUserCredentials");
  });

  it("lists snapshot history newest first and errors from failed scans", async () => {
    const scan = await db.prisma.scan.create({
      data: { organizationId: ORG_ID, scopeType: "ACCOUNTS", scopeLabel: "1 account", trigger: "MANUAL", status: "FAILED" },
    });
    await db.prisma.scanAccount.create({
      data: { scanId: scan.id, accountId: "100000000003", status: "FAILED", reason: "Timed out after 3 attempts", finishedAt: NOW },
    });
    const d = await detail("100000000003");
    expect(d.history.map((h) => h.status)).toEqual(["NON_COMPLIANT", "ERROR"]);
    expect(d.history[0]).toMatchObject({ accessKeyCount: 1, certificateCount: 1, mfaCount: 1, passwordPresent: true });
    expect(d.errors.map((e) => e.message)).toEqual(["Timed out after 3 attempts", "AssumeRoot was denied by an SCP"]);
    expect(d.errors[1].code).toBe("AccessDenied");
  });

  it("keeps the last good credentials when the newest scan failed", async () => {
    const d = await detail("100000000005");
    expect(d.account.status).toBe("ERROR");
    expect(d.credentials).toBeNull();
    expect(d.errors[0]).toMatchObject({ code: "Throttling", message: "Rate exceeded" });
  });

  it("marks a result older than the freshness window as stale UNKNOWN but keeps its failing rules", async () => {
    const d = await detail("100000000004");
    expect(d.account).toMatchObject({ status: "UNKNOWN", scannedStatus: "NON_COMPLIANT", stale: true });
    expect(d.account.statusReason).toContain("freshness window");
    expect(d.failingRules.map((r) => r.id)).toEqual(["account.no-password"]);
  });

  it("404s for an unknown account and requires accounts.read", async () => {
    await expect(detail("999999999999")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      getAccountDetail({ actor: actorWith([]), accountId: "100000000003", db: db.prisma }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
