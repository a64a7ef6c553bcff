// Org sync and scans end to end: AWS simulator through the real SDK, real Postgres, real pg-boss workers.
import { SYSTEM } from "@/lib/auth/actor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { getScanProgress } from "./get-scan-progress";
import { expectedStatus, startInventoryFixture, waitForScan, type TInventoryFixture } from "./scan-test-helpers";
import { startScan } from "./start-scan";
import { syncOrganization } from "./sync-organization";

describe("org sync", () => {
  let f: TInventoryFixture<AwsSim>;
  beforeAll(async () => {
    // Every 3rd Organizations page comes back empty with a NextToken, as AWS says can happen.
    f = await startInventoryFixture(await startAwsSim({ accounts: 120, seed: 7, quirks: { orgsEmptyPageEvery: 3 } }));
  });
  afterAll(async () => f?.close());

  it("stores the nested OU tree and every account across pages", async () => {
    const r = await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    const state = f.sim.state;
    expect(r.organizationId).toBe(f.sim.organizationId);
    expect(r.accounts).toBe(state.accounts.size);
    expect(r.ous).toBe(state.ous.size + 1);
    expect(await f.db.prisma.account.count()).toBe(state.accounts.size);

    // The deepest OU has the full path and an idPath built from its ancestors.
    const deepest = [...state.ous.values()].sort((a, b) => b.depth - a.depth)[0];
    const stored = await f.db.prisma.ou.findUniqueOrThrow({ where: { id: deepest.id } });
    const names: string[] = [];
    for (let id: string | undefined = deepest.id; id && state.ous.get(id); id = state.ous.get(id)?.parentId) names.unshift(state.ous.get(id)!.name);
    expect(stored.path).toBe([state.root.name, ...names].join("/"));
    expect(stored.depth).toBeGreaterThanOrEqual(4);
    expect(stored.idPath.startsWith(`${state.root.id}/`)).toBe(true);

    const mgmt = await f.db.prisma.account.findUniqueOrThrow({ where: { id: f.sim.managementAccountId } });
    expect(mgmt).toMatchObject({ isManagement: true, status: "NOT_APPLICABLE" });
    const org = await f.db.prisma.organization.findUniqueOrThrow({ where: { id: f.sim.organizationId } });
    expect(org).toMatchObject({
      trustedAccessIam: true,
      rootCredentialsManagement: true,
      rootSessions: true,
      delegatedAdminAccountId: f.sim.delegatedAdminAccountId,
    });
  });
});

describe("scan", () => {
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  beforeAll(async () => {
    f = await startInventoryFixture(await startAwsSim({ accounts: 60, seed: 7 }));
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 16, batchSize: 7, intervalHours: 0, log: () => {} });
  });
  afterAll(async () => {
    await worker?.stop();
    await f?.close();
  });

  it("scans clean, dirty, failing and suspended accounts into the right statuses", async () => {
    const accounts = [...f.sim.state.accounts.values()];
    const member = accounts.filter((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId);
    const failing = member[3];
    const suspended = member[4];
    f.sim.setFaults({ failAccounts: [failing.id] });
    suspended.state = "SUSPENDED";
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });

    const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "MANUAL", db: f.db.prisma, boss: worker.boss });
    const finished = await waitForScan(f.db.prisma, scan.id);
    expect(finished.status).toBe("SUCCEEDED");

    const stored = new Map((await f.db.prisma.account.findMany()).map((a) => [a.id, a]));
    for (const a of accounts) {
      const row = stored.get(a.id)!;
      if (a.id === failing.id) {
        expect(row.status).toBe("ERROR");
        expect(row.statusReason).toMatch(/Access denied/);
        continue;
      }
      expect({ id: a.id, status: row.status, rules: row.failingRules }).toEqual({
        id: a.id,
        status: expectedStatus(f.sim, a).status,
        rules: expectedStatus(f.sim, a).failingRules,
      });
    }
    // Every kind of account is present, so this really covered clean, dirty and not-applicable.
    const statuses = new Set([...stored.values()].map((a) => a.status));
    expect(statuses).toEqual(new Set(["COMPLIANT", "NON_COMPLIANT", "ERROR", "NOT_APPLICABLE"]));
    expect(stored.get(suspended.id)!.statusReason).toMatch(/SUSPENDED/);

    const scanAccounts = await f.db.prisma.scanAccount.groupBy({ by: ["status"], where: { scanId: scan.id }, _count: true });
    const by = Object.fromEntries(scanAccounts.map((g) => [g.status, g._count]));
    const notApplicable = [...stored.values()].filter((a) => a.status === "NOT_APPLICABLE").length;
    expect(by).toEqual({ DONE: accounts.length - notApplicable - 1, FAILED: 1, SKIPPED: notApplicable });
    expect(finished).toMatchObject({ total: accounts.length, done: accounts.length, failed: 1, skipped: notApplicable });

    const failedSnapshot = await f.db.prisma.credentialSnapshot.findFirstOrThrow({ where: { accountId: failing.id } });
    expect(failedSnapshot).toMatchObject({ status: "ERROR", errorCode: "AccessDenied", passwordPresent: null });

    // The latest snapshot is one hop away and matches the denormalized fields.
    const dirty = member.find((a) => a.root.accessKeys.length > 0 && a.id !== failing.id && a.id !== suspended.id)!;
    const withLatest = await f.db.prisma.account.findUniqueOrThrow({ where: { id: dirty.id }, include: { latestSnapshot: true } });
    expect(withLatest.latestSnapshot?.status).toBe("NON_COMPLIANT");
    const keys = withLatest.latestSnapshot?.accessKeys as { accessKeyId: string; status: string }[];
    expect(keys).toHaveLength(dirty.root.accessKeys.length);
    expect(keys[0].accessKeyId).toContain("…");

    const progress = await getScanProgress(scan.id, { actor: SYSTEM, db: f.db.prisma });
    expect(progress).toMatchObject({ status: "SUCCEEDED", done: accounts.length, total: accounts.length, etaSeconds: 0 });
    expect(progress.ratePerSecond).toBeGreaterThan(0);
  });

  it("scans one OU subtree and a selection, and a double start returns the running scan", async () => {
    const deep = [...f.sim.state.ous.values()].find((o) => o.depth === 1)!;
    const ouScan = await startScan({ actor: SYSTEM, scope: { type: "OU", ouId: deep.id }, db: f.db.prisma, boss: worker.boss });
    const again = await startScan({ actor: SYSTEM, scope: { type: "OU", ouId: deep.id }, db: f.db.prisma, boss: worker.boss });
    expect(again.id).toBe(ouScan.id);
    const done = await waitForScan(f.db.prisma, ouScan.id);
    const ou = await f.db.prisma.ou.findUniqueOrThrow({ where: { id: deep.id } });
    expect(done.total).toBe(await f.db.prisma.account.count({ where: { ouIdPath: { startsWith: ou.idPath } } }));
    expect(done.scopeLabel).toBe(`OU ${ou.path}`);

    const one = [...f.sim.state.accounts.values()].find((a) => a.state === "ACTIVE" && a.id !== f.sim.managementAccountId)!;
    const single = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: [one.id] }, db: f.db.prisma, boss: worker.boss });
    expect((await waitForScan(f.db.prisma, single.id)).done).toBe(1);
    expect(await f.db.prisma.credentialSnapshot.count({ where: { accountId: one.id } })).toBeGreaterThanOrEqual(2);
  });

  it("rejects a bad scope with a clear 400 and creates nothing", async () => {
    const before = await f.db.prisma.scan.count();
    await expect(startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: ["12"] }, db: f.db.prisma, boss: worker.boss })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/12-digit/),
    });
    await expect(
      startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: ["999999999999"] }, db: f.db.prisma, boss: worker.boss }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/999999999999/) });
    expect(await f.db.prisma.scan.count()).toBe(before);
  });

  it("refuses a scan without a user or the system as caller, and creates nothing", async () => {
    const before = await f.db.prisma.scan.count();
    await expect(startScan({ actor: null, scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(getScanProgress("00000000-0000-4000-8000-000000000000", { actor: null, db: f.db.prisma })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await f.db.prisma.scan.count()).toBe(before);
  });
});
