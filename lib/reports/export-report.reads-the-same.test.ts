// "The report for a time reads the same tomorrow and next year", end to end against a real Postgres
// and the AWS simulator: reports as of a time T, then the simulator changes (an account renamed,
// one suspended, one given an access key, an organization feature turned off), a sync and a scan
// see it, and the reports as of T come out byte for byte the same (same SHA-256); reports as of
// now show the changes, as the Accounts page does. Then the suspended account is reactivated: until
// the next scan it is UNKNOWN as of then, and T still reads the same.
import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { BECAME_SCANNABLE_REASON } from "@/lib/inventory/compliance";
import { listAccounts } from "@/lib/inventory/list-accounts";
import { actorWith, viewer } from "@/lib/inventory/list-accounts.fixtures";
import { expectedStatus, startInventoryFixture, waitForScan, type TInventoryFixture } from "@/lib/inventory/scan-test-helpers";
import { startScan } from "@/lib/inventory/start-scan";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { activeMembers, control } from "@/sim/aws/test-helpers";
import { exportReport } from "./export-report";

const auditor = actorWith(["auditor"]);
const FRESHNESS_HOURS = 48;

let f: TInventoryFixture<AwsSim>;
let worker: TWorker;
let pool: pg.Pool;

beforeAll(async () => {
  f = await startInventoryFixture(await startAwsSim({ accounts: 14, seed: 23 }));
  pool = new pg.Pool({ connectionString: f.db.url, max: 3 });
  worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 4, batchSize: 5, intervalHours: 0, tasks: false, log: () => {} });
});
afterAll(async () => {
  await worker?.stop();
  await pool?.end();
  await f?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function syncAndScan(): Promise<void> {
  await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
  const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "MANUAL", db: f.db.prisma, boss: worker.boss });
  expect((await waitForScan(f.db.prisma, scan.id)).status).toBe("SUCCEEDED");
}

type TExported = { body: Buffer; sha256: string; recordedSha256: string };

async function exported(query: Record<string, string>, freshnessHours = FRESHNESS_HOURS): Promise<TExported> {
  const out = await exportReport({ actor: auditor, db: f.db.prisma, pool, query, now: new Date(), freshnessHours });
  const body = Buffer.from(await new Response(out.stream).arrayBuffer());
  return { body, sha256: createHash("sha256").update(body).digest("hex"), recordedSha256: (await out.recorded).sha256 };
}

const lines = (e: TExported) =>
  e.body
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string | number | null>);

// Every report kind and format, as of `asOf` (undefined: now).
const QUERIES: Record<string, string>[] = [
  { kind: "compliance", format: "csv" },
  { kind: "compliance", format: "jsonl" },
  { kind: "accounts", format: "json" },
  { kind: "accounts", format: "csv", status: "NOT_APPLICABLE,NON_COMPLIANT" },
  { kind: "accounts", format: "jsonl", q: "e" },
];
async function allReports(asOf: Date): Promise<TExported[]> {
  const out: TExported[] = [];
  for (const q of QUERIES) out.push(await exported({ ...q, asOf: asOf.toISOString() }));
  return out;
}

describe("a report as of a time reads the same after the organization changed", () => {
  let T: Date;
  let atT: TExported[];
  let renamed: { id: string; name: string; email: string };
  let suspended: { id: string; name: string; status: string };
  let keyed: { id: string };

  it("records the reports as of T", async () => {
    await control(f.sim, "POST", "/_sim/features", { trustedAccess: true, rootCredentialsManagement: true, rootSessions: true });
    await syncAndScan();
    await sleep(5);
    T = new Date();
    await sleep(5);
    atT = await allReports(T);
    for (const e of atT) expect(e.recordedSha256).toBe(e.sha256);
    const compliance = lines(atT[1]!);
    expect(compliance.filter((r) => String(r.ruleId).startsWith("org.")).map((r) => `${r.ruleId}:${r.status}`).sort()).toEqual([
      "org.root-credentials-management:PASS",
      "org.root-sessions:PASS",
      "org.trusted-access:PASS",
    ]);

    const members = activeMembers(f.sim);
    const dirty = members.find((a) => expectedStatus(f.sim, a).status === "NON_COMPLIANT")!;
    const clean = members.filter((a) => a.id !== dirty.id && expectedStatus(f.sim, a).status === "COMPLIANT");
    expect(dirty).toBeDefined();
    expect(clean.length).toBeGreaterThanOrEqual(2);
    renamed = { id: clean[0]!.id, name: clean[0]!.name, email: clean[0]!.email };
    keyed = { id: clean[1]!.id };
    suspended = { id: dirty.id, name: dirty.name, status: "NON_COMPLIANT" };
    const atTAll = JSON.parse(atT[2]!.body.toString("utf8")) as Record<string, string>[];
    expect(atTAll.find((r) => r.accountId === dirty.id)).toMatchObject({ accountName: dirty.name, state: "ACTIVE", status: "NON_COMPLIANT" });
  });

  it("reads the same as of T after a rename, a suspension, a new access key and a feature turned off, synced and scanned", async () => {
    const account = f.sim.state.accounts.get(renamed.id)!;
    account.name = `${renamed.name}-renamed`;
    account.email = `renamed+${renamed.email}`;
    expect((await control(f.sim, "POST", `/_sim/accounts/${suspended.id}/state`, { state: "SUSPENDED" })).status).toBe(200);
    expect((await control(f.sim, "POST", `/_sim/accounts/${keyed.id}/credentials`, { accessKeys: 1 })).status).toBe(200);
    expect((await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: false })).status).toBe(200);
    await syncAndScan();

    // The history the reports read: a second row for the renamed and the suspended account, a second reading.
    const rows = await f.db.prisma.accountPlacement.findMany({ where: { accountId: { in: [renamed.id, suspended.id] } }, orderBy: { validFrom: "asc" } });
    expect(rows.filter((r) => r.accountId === renamed.id).map((r) => [r.name, r.validTo === null])).toEqual([
      [renamed.name, false],
      [`${renamed.name}-renamed`, true],
    ]);
    expect(rows.filter((r) => r.accountId === suspended.id).map((r) => [r.state, r.validTo === null])).toEqual([
      ["ACTIVE", false],
      ["SUSPENDED", true],
    ]);
    const readings = await f.db.prisma.organizationFeatureReading.findMany({ orderBy: { readAt: "asc" } });
    // Each sync's, and each manual full scan's look at the features at its start.
    expect(readings.map((r) => [r.source, r.rootCredentialsManagement])).toEqual([
      ["org-sync", true],
      ["scan", true],
      ["org-sync", false],
      ["scan", false],
    ]);

    const again = await allReports(T);
    for (let i = 0; i < QUERIES.length; i++) {
      expect(again[i]!.sha256, JSON.stringify(QUERIES[i])).toBe(atT[i]!.sha256);
      expect(again[i]!.body.equals(atT[i]!.body)).toBe(true);
      expect(again[i]!.recordedSha256).toBe(atT[i]!.sha256);
    }
  });

  it("a report as of now shows the changes, as the Accounts page does", async () => {
    const now = lines(await exported({ kind: "compliance", format: "jsonl" }));
    expect(now.filter((r) => String(r.ruleId).startsWith("org.")).map((r) => `${r.ruleId}:${r.status}`).sort()).toEqual([
      "org.root-credentials-management:FAIL",
      "org.root-sessions:PASS",
      "org.trusted-access:PASS",
    ]);
    expect(now.find((r) => r.accountId === keyed.id && r.ruleId === "account.no-access-keys")).toMatchObject({ status: "FAIL" });
    const summary = new Map(lines(await exported({ kind: "accounts", format: "jsonl" })).map((r) => [r.accountId, r]));
    expect(summary.get(renamed.id)).toMatchObject({ accountName: `${renamed.name}-renamed`, email: `renamed+${renamed.email}` });
    expect(summary.get(suspended.id)).toMatchObject({
      state: "SUSPENDED",
      status: "NOT_APPLICABLE",
      finding: "Account state is SUSPENDED; only ACTIVE accounts can be audited.",
    });
    // As of T they were as they were then.
    const atTAll = new Map((JSON.parse(atT[2]!.body.toString("utf8")) as Record<string, string>[]).map((r) => [r.accountId, r]));
    expect(atTAll.get(renamed.id)).toMatchObject({ accountName: renamed.name, email: renamed.email });
    expect(atTAll.get(suspended.id)).toMatchObject({ state: "ACTIVE", status: suspended.status });

    await expectSameAsAccountsPage(summary);
  });

  it("a reactivated account is UNKNOWN until scanned again, as of then; T still reads the same", async () => {
    expect((await control(f.sim, "POST", `/_sim/accounts/${suspended.id}/state`, { state: "ACTIVE" })).status).toBe(200);
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    await sleep(5);
    const beforeScan = new Date();
    await sleep(5);
    const summary = new Map(lines(await exported({ kind: "accounts", format: "jsonl" })).map((r) => [r.accountId, r]));
    expect(summary.get(suspended.id)).toMatchObject({ state: "ACTIVE", status: "UNKNOWN", finding: BECAME_SCANNABLE_REASON, failingRuleCount: 0 });
    await expectSameAsAccountsPage(summary);
    const pending = await exported({ kind: "accounts", format: "jsonl", asOf: beforeScan.toISOString() });

    const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "MANUAL", db: f.db.prisma, boss: worker.boss });
    expect((await waitForScan(f.db.prisma, scan.id)).status).toBe("SUCCEEDED");
    const scanned = new Map(lines(await exported({ kind: "accounts", format: "jsonl" })).map((r) => [r.accountId, r]));
    expect(scanned.get(suspended.id)).toMatchObject({ state: "ACTIVE", status: "NON_COMPLIANT" });
    expect((await exported({ kind: "accounts", format: "jsonl", asOf: beforeScan.toISOString() })).sha256).toBe(pending.sha256);
    const again = await allReports(T);
    for (let i = 0; i < QUERIES.length; i++) expect(again[i]!.sha256, JSON.stringify(QUERIES[i])).toBe(atT[i]!.sha256);
  });
});

/** The report as of now has the Accounts page's accounts, names, states and statuses. */
async function expectSameAsAccountsPage(summary: Map<unknown, Record<string, string | number | null>>): Promise<void> {
  const page = await listAccounts({ actor: viewer, query: { pageSize: "200" }, db: f.db.prisma, now: new Date(), freshnessHours: FRESHNESS_HOURS });
  expect(page.items.length).toBe(summary.size);
  for (const a of page.items) {
    expect(summary.get(a.id), a.id).toMatchObject({ accountName: a.name, email: a.email, state: a.state, status: a.status });
  }
}
