// Drift alerts end to end: the simulator's state changes between two scans (or syncs), and the scan
// (or sync) that sees it records a DriftEvent, a drift.detected audit event and an outbox row in its
// own transaction. Also scan.failed for a scan with failed accounts and for a FAILED scan, and the
// Overview's window ("changes since the last scan").
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { BOSS_SCHEMA } from "@/lib/jobs/boss";
import { queueOrgSync } from "@/lib/jobs/org-jobs";
import { NOTIFY_QUEUE } from "@/lib/jobs/queues";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { activeMembers, control } from "@/sim/aws/test-helpers";
import { listDriftEvents } from "./list-drift-events";
import { DRIFT_MESSAGE_LIST, notifyPendingDrift, recordDrift } from "./record-drift";
import { expectedStatus, startInventoryFixture, waitForScan, type TInventoryFixture } from "./scan-test-helpers";
import { startScan } from "./start-scan";
import { syncOrganization } from "./sync-organization";
import { flushAuditTrail } from "@/lib/audit/sequence";

let f: TInventoryFixture<AwsSim>;
let worker: TWorker;

beforeAll(async () => {
  f = await startInventoryFixture(await startAwsSim({ accounts: 24, seed: 11 }));
  // A channel taking every event this file checks, so the outbox gets rows (delivery is not tested here).
  await f.db.prisma.notificationChannel.create({
    data: {
      kind: "WEBHOOK",
      name: "drift-test",
      config: { url: "http://127.0.0.1:1/hook", secret: "whsec-test-0123456789abcdef" },
      events: ["drift.detected", "scan.failed"],
      enabled: true,
      createdAt: new Date(),
      createdBy: "test",
      updatedAt: new Date(),
    },
  });
  await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
  worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 5, intervalHours: 0, tasks: false, log: () => {} });
});
afterAll(async () => {
  await worker?.stop();
  await f?.close();
});

async function scanOrg() {
  const scan = await startScan({ actor: SYSTEM, scope: { type: "ORG" }, trigger: "MANUAL", db: f.db.prisma, boss: worker.boss });
  return waitForScan(f.db.prisma, scan.id);
}

const drifts = (where: Record<string, unknown> = {}) => f.db.prisma.driftEvent.findMany({ where, orderBy: { detectedAt: "asc" } });
const driftAudits = async () => {
  await flushAuditTrail(f.db.prisma);
  return f.db.prisma.auditEvent.findMany({ where: { type: "drift.detected" }, orderBy: { seq: "asc" } });
};
const outbox = (event: string) => f.db.prisma.notification.findMany({ where: { event }, orderBy: { createdAt: "asc" } });

describe("drift between scans", () => {
  it("the initial inventory is no drift, even for accounts with root credentials", async () => {
    const first = await scanOrg();
    expect(first.status).toBe("SUCCEEDED");
    const dirty = activeMembers(f.sim).filter((a) => expectedStatus(f.sim, a).status === "NON_COMPLIANT");
    expect(dirty.length).toBeGreaterThan(0);
    expect(await drifts()).toEqual([]);
    expect(await listDriftEvents({ actor: SYSTEM, db: f.db.prisma })).toEqual({ since: first.createdAt, sinceScanId: first.id, total: 0, events: [] });
  });

  it("an access key added between scans: one drift row, its audit event and one notification", async () => {
    const clean = activeMembers(f.sim).find((a) => expectedStatus(f.sim, a).status === "COMPLIANT")!;
    expect(clean).toBeDefined();
    const res = await control(f.sim, "POST", `/_sim/accounts/${clean.id}/credentials`, { accessKeys: 1 });
    expect(res.status).toBe(200);
    const keyId = clean.root.accessKeys[0].accessKeyId;

    const scan = await scanOrg();
    const rows = await drifts({ scanId: scan.id });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ accountId: clean.id, kind: "CREDENTIAL_ADDED", organizationId: f.sim.organizationId });
    const changes = row.changes as { sentences: string[]; accessKeysAdded: string[]; statusFrom: string; statusTo: string };
    const masked = `${keyId.slice(0, 4)}…${keyId.slice(-4)}`;
    expect(changes.sentences[0]).toBe(`access key ${masked} added`);
    expect(changes.sentences[1]).toMatch(/^became non-compliant \(.+\)$/);
    expect(changes).toMatchObject({ accessKeysAdded: [masked], statusFrom: "COMPLIANT", statusTo: "NON_COMPLIANT" });
    expect(JSON.stringify(row.changes)).not.toContain(keyId);
    expect(row.notifiedAt).not.toBeNull();

    const audits = await driftAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ targetType: "ACCOUNT", targetId: clean.id });
    expect(audits[0].payload).toMatchObject({ scanId: scan.id, drifts: [{ id: row.id, accountId: clean.id, kind: "CREDENTIAL_ADDED" }] });

    const sent = await outbox("drift.detected");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ idempotencyKey: `drift.detected:${row.id}`, link: `/accounts/${clean.id}` });
    expect(sent[0].title).toContain(`access key ${masked} added`);

    const listed = await listDriftEvents({ actor: SYSTEM, db: f.db.prisma });
    expect(listed).toMatchObject({ sinceScanId: scan.id, total: 1 });
    expect(listed.events).toEqual([expect.objectContaining({ id: row.id, accountId: clean.id, link: `/accounts/${clean.id}`, changes: changes.sentences })]);
  });

  it("a clean re-scan finds no drift", async () => {
    const before = (await drifts()).length;
    const scan = await scanOrg();
    expect(await drifts({ scanId: scan.id })).toEqual([]);
    expect(await drifts()).toHaveLength(before);
    expect(await outbox("drift.detected")).toHaveLength(1);
  });

  it("several accounts drifting in one scan: one message from the first chunk, one summary at the close", async () => {
    const clean = activeMembers(f.sim).filter((a) => expectedStatus(f.sim, a).status === "COMPLIANT").slice(0, 6);
    expect(clean.length).toBeGreaterThanOrEqual(3);
    for (const a of clean) await control(f.sim, "POST", `/_sim/accounts/${a.id}/credentials`, { password: true });
    const scan = await scanOrg();
    const rows = await drifts({ scanId: scan.id });
    expect(rows.map((r) => r.accountId).sort()).toEqual(clean.map((a) => a.id).sort());
    for (const r of rows) expect((r.changes as { sentences: string[] }).sentences[0]).toBe("password created");
    expect(rows.every((r) => r.notifiedAt !== null)).toBe(true);
    const messages = (await outbox("drift.detected")).filter((n) => (n.payload as { scanId?: string }).scanId === scan.id);
    // Batches of 5 accounts: the drift may land in one chunk (one message) or more (first + summary).
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThanOrEqual(2);
    const covered = messages.flatMap((m) => (m.payload as { drifts: { id: string }[] }).drifts.map((d) => d.id));
    expect(covered.sort()).toEqual(rows.map((r) => r.id).sort());
  });
});

describe("drift between syncs", () => {
  it("an org feature turned off is drift; turning it back on is not", async () => {
    await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: false });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    const rows = await drifts({ kind: "FEATURE_DISABLED" });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ accountId: null, scanId: null });
    expect(rows[0].changes).toEqual({ sentences: ["RootCredentialsManagement turned off"], featuresDisabled: ["rootCredentialsManagement"] });
    const audit = (await driftAudits()).at(-1)!;
    expect(audit).toMatchObject({ targetType: "ORG", targetId: f.sim.organizationId });
    const message = (await outbox("drift.detected")).find((n) => n.idempotencyKey === `drift.detected:${rows[0].id}`);
    expect(message).toMatchObject({ link: "/overview" });

    await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: true });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    expect(await drifts({ kind: "FEATURE_DISABLED" })).toHaveLength(1);
  });

  it("a manual full scan reads the org features at its start: a feature turned off is drift found by that scan, notified", async () => {
    await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: false });
    try {
      const scan = await scanOrg();
      expect(scan.status).toBe("SUCCEEDED");
      const rows = await drifts({ kind: "FEATURE_DISABLED", scanId: scan.id });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ accountId: null, organizationId: f.sim.organizationId });
      expect(rows[0].changes).toEqual({ sentences: ["RootCredentialsManagement turned off"], featuresDisabled: ["rootCredentialsManagement"] });
      expect(rows[0].notifiedAt).not.toBeNull();
      expect(rows[0].detectedAt.getTime()).toBeGreaterThanOrEqual(scan.createdAt.getTime());
      expect(await f.db.prisma.organization.findUniqueOrThrow({ where: { id: f.sim.organizationId } })).toMatchObject({ rootCredentialsManagement: false });
      const message = (await outbox("drift.detected")).find((n) => n.idempotencyKey === `drift.detected:${rows[0].id}`);
      expect(message).toMatchObject({ event: "drift.detected", link: "/overview", subjectType: "SCAN", subjectId: scan.id, channelName: "drift-test" });
      expect(message!.title).toBe("Drift: Organization RootCredentialsManagement turned off");
      // The Overview's window starts at this scan, so the feature drift is listed.
      expect((await listDriftEvents({ actor: SYSTEM, db: f.db.prisma })).events.map((e) => e.id)).toContain(rows[0].id);
      // A second manual scan reads it off again: no second drift.
      const again = await scanOrg();
      expect(await drifts({ kind: "FEATURE_DISABLED", scanId: again.id })).toEqual([]);
    } finally {
      await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: true });
      await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    }
  });

  it("the Sync now job asks for a delivery at once when the sync recorded drift", async () => {
    const db = f.db.prisma;
    await control(f.sim, "POST", "/_sim/features", { rootSessions: false });
    try {
      // pg-boss stamps its jobs with Postgres's clock; drift is stamped with the app's (the JS clock).
      const [{ t }] = await db.$queryRaw<{ t: Date }[]>`SELECT now() AS t`;
      const since = new Date();
      const deliveryJobs = async () =>
        (await db.$queryRawUnsafe<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM "${BOSS_SCHEMA}"."job" WHERE name = $1 AND singleton_key = 'now' AND created_on >= $2`,
          NOTIFY_QUEUE,
          t,
        ))[0]!.n;
      expect(await deliveryJobs()).toBe(0);
      await queueOrgSync(worker.boss, { id: randomUUID(), requestedById: null });
      const row = await vi.waitFor(
        async () => {
          const [r] = await drifts({ kind: "FEATURE_DISABLED", detectedAt: { gte: since } });
          expect(r).toBeDefined();
          return r!;
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(row.changes).toMatchObject({ featuresDisabled: ["rootSessions"] });
      expect((await outbox("drift.detected")).some((n) => n.idempotencyKey === `drift.detected:${row.id}`)).toBe(true);
      await vi.waitFor(async () => expect(await deliveryJobs()).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 100 });
    } finally {
      await control(f.sim, "POST", "/_sim/features", { rootSessions: true });
      await syncOrganization({ actor: SYSTEM, db, aws: f.aws });
    }
  });

  it("an account that joins after the initial inventory with root credentials", async () => {
    const joined = joinAccount(f.sim, "999900001111");
    await control(f.sim, "POST", `/_sim/accounts/${joined}/credentials`, { clean: true, password: true, mfa: ["virtual"] });
    // And one that joins clean: no drift for it.
    const cleanJoined = joinAccount(f.sim, "999900002222");
    await control(f.sim, "POST", `/_sim/accounts/${cleanJoined}/credentials`, { clean: true });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    const scan = await scanOrg();
    const rows = await drifts({ scanId: scan.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ accountId: joined, kind: "JOINED_WITH_CREDENTIALS" });
    expect((rows[0].changes as { sentences: string[] }).sentences).toEqual([
      "joined the organization with root credentials",
      "password present",
      `MFA device arn:aws:iam::${joined}:mfa/root-mfa-1 present`,
    ]);
  });
});

describe("drift no chunk notified", () => {
  it("waits for the scan's close: one summary listing the first ten and counting the rest", async () => {
    const scanId = randomUUID();
    const organizationId = f.sim.organizationId;
    const members = activeMembers(f.sim).slice(0, DRIFT_MESSAGE_LIST + 2);
    const detectedAt = new Date();
    await f.db.prisma.$transaction((tx) =>
      recordDrift(tx, {
        organizationId,
        scanId,
        detectedAt,
        notify: false,
        drifts: members.map((a) => ({ kind: "CREDENTIAL_ADDED" as const, accountId: a.id, accountName: a.name, changes: { sentences: ["password created"], passwordCreated: true } })),
      }),
    );
    const keyOf = (n: { payload: unknown }) => (n.payload as { scanId?: string }).scanId;
    expect((await outbox("drift.detected")).filter((n) => keyOf(n) === scanId)).toEqual([]);
    expect(await f.db.prisma.driftEvent.count({ where: { scanId, notifiedAt: null } })).toBe(members.length);

    expect(await f.db.prisma.$transaction((tx) => notifyPendingDrift(tx, { id: scanId, organizationId }, new Date()))).toBe(true);
    const [summary, ...more] = (await outbox("drift.detected")).filter((n) => keyOf(n) === scanId);
    expect(more).toEqual([]);
    expect(summary).toMatchObject({ title: `Drift: ${members.length} more accounts changed since their last scan`, link: "/overview" });
    expect(summary.text.split("\n")).toHaveLength(DRIFT_MESSAGE_LIST + 1);
    expect(summary.text).toContain("…and 2 more (see the Overview).");
    expect(await f.db.prisma.driftEvent.count({ where: { scanId, notifiedAt: null } })).toBe(0);
    // Nothing left: a second close (or a cancel after it) sends nothing.
    expect(await f.db.prisma.$transaction((tx) => notifyPendingDrift(tx, { id: scanId, organizationId }, new Date()))).toBe(false);
  });
});

describe("scan.failed", () => {
  it("a scan that ends with failed accounts is notified once, from its close", async () => {
    const failing = activeMembers(f.sim).slice(0, 2).map((a) => a.id);
    f.sim.setFaults({ failAccounts: failing });
    try {
      const scan = await scanOrg();
      expect(scan).toMatchObject({ status: "SUCCEEDED", failed: 2 });
      const sent = (await outbox("scan.failed")).filter((n) => n.idempotencyKey === `scan.failed:${scan.id}`);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ title: "Scan of Whole organization finished with 2 failed accounts", link: "/accounts?status=ERROR", subjectType: "SCAN", subjectId: scan.id });
    } finally {
      f.sim.setFaults({ failAccounts: [] });
    }
    // A scan without failures sends none.
    const clean = await scanOrg();
    expect((await outbox("scan.failed")).filter((n) => n.idempotencyKey === `scan.failed:${clean.id}`)).toEqual([]);
  });

  it("a scan that ends FAILED (its jobs could not be queued) is notified from the transaction that fails it", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const account = activeMembers(f.sim)[0]!;
    const boss = { insert: async () => Promise.reject(Object.assign(new Error("connection terminated"), { code: "57P01" })) } as unknown as PgBoss;
    try {
      await expect(startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: [account.id] }, db: f.db.prisma, boss })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    } finally {
      vi.mocked(console.error).mockRestore();
    }
    const scan = await f.db.prisma.scan.findFirstOrThrow({ where: { status: "FAILED", errorCode: "QueueFailed" }, orderBy: { createdAt: "desc" } });
    const sent = (await outbox("scan.failed")).filter((n) => n.idempotencyKey === `scan.failed:${scan.id}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      event: "scan.failed",
      channelName: "drift-test",
      link: "/overview",
      subjectType: "SCAN",
      subjectId: scan.id,
      audience: "everyone",
      title: `Scan of Account ${account.name} (${account.id}) failed`,
    });
    expect(sent[0].text).toBe("Could not queue the scan's jobs (database error 57P01). 0 of 1 accounts were finished.");
    expect(sent[0].payload).toMatchObject({ scanId: scan.id, status: "FAILED", total: 1, done: 0 });
  });
});

describe("changes since the last scan (the Overview's window)", () => {
  const list = (limit?: number) => listDriftEvents({ actor: SYSTEM, db: f.db.prisma, query: limit ? { limit } : {} });

  it("lists the drift since the latest completed full scan started, newest first, with a total; the next full scan starts a new window", async () => {
    const baseline = await scanOrg();
    expect(await list()).toEqual({ since: baseline.createdAt, sinceScanId: baseline.id, total: 0, events: [] });

    // Found by the next full scan: in its window.
    const clean = activeMembers(f.sim).filter((a) => expectedStatus(f.sim, a).status === "COMPLIANT").slice(0, 3);
    expect(clean).toHaveLength(3);
    for (const a of clean.slice(0, 2)) await control(f.sim, "POST", `/_sim/accounts/${a.id}/credentials`, { password: true });
    const second = await scanOrg();
    const found = await list();
    expect(found).toMatchObject({ since: second.createdAt, sinceScanId: second.id, total: 2 });
    expect(found.events.map((e) => e.accountId).sort()).toEqual(clean.slice(0, 2).map((a) => a.id).sort());
    expect(found.events.every((e) => e.scanId === second.id)).toBe(true);

    // A sync after it, and a scan of one account after it: in the same window (they do not move it).
    await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: false });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    await control(f.sim, "POST", `/_sim/accounts/${clean[2]!.id}/credentials`, { accessKeys: 1 });
    const one = await startScan({ actor: SYSTEM, scope: { type: "ACCOUNTS", accountIds: [clean[2]!.id] }, db: f.db.prisma, boss: worker.boss });
    await waitForScan(f.db.prisma, one.id);
    const more = await list();
    expect(more).toMatchObject({ sinceScanId: second.id, total: 4 });
    expect(more.events.map((e) => e.kind).slice(0, 2)).toEqual(["CREDENTIAL_ADDED", "FEATURE_DISABLED"]);
    expect(more.events[0]).toMatchObject({ accountId: clean[2]!.id, scanId: one.id, link: `/accounts/${clean[2]!.id}` });
    expect(more.events[1]).toMatchObject({ accountId: null, scanId: null, link: "/overview" });
    const times = more.events.map((e) => e.detectedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The newest two of four.
    const cut = await list(2);
    expect(cut.total).toBe(4);
    expect(cut.events.map((e) => e.id)).toEqual(more.events.slice(0, 2).map((e) => e.id));

    // The next completed full scan finds nothing new: the window moves to it and is empty.
    await control(f.sim, "POST", "/_sim/features", { rootCredentialsManagement: true });
    await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws });
    const third = await scanOrg();
    expect(await drifts({ scanId: third.id })).toEqual([]);
    expect(await list()).toEqual({ since: third.createdAt, sinceScanId: third.id, total: 0, events: [] });
  });
});

/** A new member account under the root, as if it had just accepted an invitation. */
function joinAccount(sim: AwsSim, id: string): string {
  const state = sim.state;
  const template = activeMembers(sim)[0];
  state.accounts.set(id, {
    ...template,
    id,
    arn: template.arn.replace(template.id, id),
    name: `Joined ${id.slice(-4)}`,
    email: `joined-${id}@example.test`,
    joinedMethod: "INVITED",
    joinedTimestamp: Date.now(),
    parentId: state.root.id,
    root: { ...template.root, loginProfile: null, accessKeys: [], signingCertificates: [], mfaDevices: [] },
    bucketNames: [],
    queueNames: [],
  });
  state.accountIds.push(id);
  state.children.get(state.root.id)!.accounts.push(id);
  return id;
}
