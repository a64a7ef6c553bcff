// Root-session credentials as canaries: a proxy in front of the simulator records every AccessKeyId,
// SecretAccessKey and SessionToken AssumeRoot issued; after sync + scans (with failures inside root
// sessions) none may appear in any database table, in console/stdout/stderr output, or in what the
// lib functions return (startScan, getScanProgress, cancelScan, syncOrganization, getAccountDetail,
// recoverStalledScans), raw or percent-encoded.
// The HTTP API layer (inventory-UI engineer) is not covered here.
import { SYSTEM } from "@/lib/auth/actor";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { startWorker, type TWorker } from "@/lib/jobs/start-worker";
import { cancelScan } from "./cancel-scan";
import { getAccountDetail } from "./get-account-detail";
import { getScanProgress } from "./get-scan-progress";
import { recoverStalledScans } from "./recover-scans";
import { startInventoryFixture, startRecordingProxy, waitForScan, type TInventoryFixture } from "./scan-test-helpers";
import { startScan } from "./start-scan";
import { syncOrganization } from "./sync-organization";

const admin = { userId: "00000000-0000-4000-8000-000000000001", subject: "admin", email: "admin@example.com", name: "Admin", roles: ["admin" as const] };

describe("root-session credentials never leak", () => {
  const issued = new Set<string>();
  let proxy: http.Server;
  let f: TInventoryFixture<AwsSim>;
  let worker: TWorker;
  const captured: string[] = [];
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    f = await startInventoryFixture(
      await startAwsSim({ accounts: 50, seed: 9 }),
      { maxAttempts: 1, endpointFor: async (sim) => startRecordingProxy(sim.endpoint, issued).then((p) => ((proxy = p.server), p.endpoint)) },
    );
    // Everything printed from here on is captured: console.* and raw stdout/stderr writes.
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = original));
    }
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      const original = console[level];
      console[level] = (...args: unknown[]) => {
        captured.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
        original(...args);
      };
      restore.push(() => (console[level] = original));
    }
    worker = await startWorker({ databaseUrl: f.db.url, db: f.db.prisma, aws: f.aws, concurrency: 8, batchSize: 6, intervalHours: 0 });
  });
  afterAll(async () => {
    for (const r of restore) r();
    await worker?.stop();
    await f?.close();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  it("finds none of the issued secrets in the database, the logs or the lib return values", async () => {
    const returned: unknown[] = [];
    returned.push(await syncOrganization({ actor: SYSTEM, db: f.db.prisma, aws: f.aws }));

    // Failures inside root sessions (throttled IAM calls with no retries) exercise the error paths too.
    f.sim.setFaults({ rateLimits: { GetAccountSummary: 10, GetLoginProfile: 10 } });
    const scan = await startScan({ scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss, actor: admin });
    returned.push(scan, await getScanProgress(scan.id, { actor: SYSTEM, db: f.db.prisma }));
    returned.push(await waitForScan(f.db.prisma, scan.id), await getScanProgress(scan.id, { actor: SYSTEM, db: f.db.prisma }));
    f.sim.setFaults({});
    const second = await startScan({ scope: { type: "ORG" }, db: f.db.prisma, boss: worker.boss, actor: admin });
    returned.push(second, await cancelScan({ actor: admin, scanId: second.id, db: f.db.prisma }));
    returned.push(await recoverStalledScans({ db: f.db.prisma, boss: worker.boss, batchSize: 6, graceSeconds: 0 }));
    // What the account page shows, errors included, for every account of the scan with failures.
    for (const { accountId } of await f.db.prisma.scanAccount.findMany({ where: { scanId: scan.id }, select: { accountId: true } })) {
      returned.push(await getAccountDetail({ actor: admin, accountId, db: f.db.prisma }));
    }

    const failed = await f.db.prisma.credentialSnapshot.count({ where: { scanId: scan.id, errorCode: { not: null } } });
    expect(failed).toBeGreaterThan(0);
    expect(issued.size).toBeGreaterThanOrEqual(3 * 40);

    const tables = await f.db.prisma.$queryRawUnsafe<{ schema: string; name: string }[]>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
    );
    let dump = "";
    for (const t of tables) {
      const rows = await f.db.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT t::text AS row FROM "${t.schema}"."${t.name}" t`);
      dump += rows.map((r) => r.row).join("\n");
    }
    expect(dump).toContain(f.sim.organizationId);
    // The audit trail is among the tables searched, with the events these actions wrote.
    expect(dump).toMatch(/scan\.started[\s\S]*scan\.cancelled|scan\.cancelled[\s\S]*scan\.started/);
    expect(dump.length).toBeGreaterThan(10_000);

    const logs = captured.join("\n");
    const values = JSON.stringify(returned);
    const leaks = [...issued]
      .flatMap((secret) => [secret, encodeURIComponent(secret)])
      .filter((secret) => dump.includes(secret) || logs.includes(secret) || values.includes(secret));
    expect(leaks).toEqual([]);
  });
});
