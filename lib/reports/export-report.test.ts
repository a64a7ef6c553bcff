// exportReport against a real Postgres with the seeded inventory: rows and content, as-of
// correctness, the Accounts page's filters, CSV escaping, the recorded hash and permission refusals.
import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { listAccounts, type TListAccountsQueryInput } from "@/lib/inventory/list-accounts";
import { FRESHNESS_HOURS, NOW, ORG_ID, OU, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";
import { exportReport } from "./export-report";
import { recordedExportRequest } from "./recorded-export-request";
import { ACCOUNT_RULES } from "./report-rows-sql";
import { flushAuditTrail } from "@/lib/audit/sequence";

const auditor = actorWith(["auditor"]);
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

let db: TTestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function run(query: Record<string, string | undefined>, actor = auditor, batchSize = 5) {
  const out = await exportReport({ actor, db: db.prisma, pool, query, now: NOW, freshnessHours: FRESHNESS_HOURS, batchSize });
  const body = Buffer.from(await new Response(out.stream).arrayBuffer());
  return { ...out, body, text: body.toString("utf8"), record: await out.recorded };
}
const jsonl = async (query: Record<string, string | undefined>) =>
  (await run({ ...query, format: "jsonl" })).text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string | number | null>);

describe("exportReport: compliance rows", () => {
  it("has one row per member account x account rule plus the organization rules, FAIL first", async () => {
    const rows = await jsonl({});
    const accounts = new Set(rows.filter((r) => r.ruleId?.toString().startsWith("account.")).map((r) => r.accountId));
    expect(accounts.size).toBe(7); // the account that left is not there
    expect(accounts.has("100000000007")).toBe(false);
    expect(rows.length).toBe(7 * ACCOUNT_RULES.length + 3);
    const order = ["FAIL", "ERROR", "UNKNOWN", "PASS", "NOT_APPLICABLE"];
    const ranks = rows.map((r) => order.indexOf(String(r.status)));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(rows.filter((r) => r.status === "FAIL").map((r) => `${r.accountName}:${r.ruleId}`).sort()).toEqual(
      [
        "Organization o-test000001:org.root-sessions",
        "eu-a:account.no-access-keys",
        "eu-a:account.no-password",
        "prod-b:account.hardware-mfa-while-password",
        "prod-b:account.mfa-while-password",
        "prod-b:account.no-password",
      ].sort(),
    );
    // Organization findings lead their status; then critical before high.
    expect(rows[0]).toMatchObject({ accountName: "Organization o-test000001", ruleId: "org.root-sessions" });
    expect(rows.slice(1, 3).map((r) => `${r.accountName}:${r.ruleId}:${r.severity}`)).toEqual([
      "prod-b:account.mfa-while-password:critical",
      "eu-a:account.no-access-keys:critical",
    ]);
  });

  it("carries finding, remediation, references, OU path, state and snapshot time", async () => {
    const rows = await jsonl({});
    const keys = rows.find((r) => r.accountName === "eu-a" && r.ruleId === "account.no-access-keys")!;
    expect(keys).toMatchObject({
      accountId: "100000000003",
      ouPath: "Root/Prod/EU",
      state: "ACTIVE",
      ruleTitle: "Root user has no access keys",
      finding: "The root user still has access keys",
      snapshotAt: hoursAgo(1).toISOString(),
    });
    expect(keys.remediation).toContain("IAMDeleteRootUserCredentials");
    expect(keys.references).toContain("Security Hub IAM.4");
    expect(rows.find((r) => r.accountName === "eu-b")).toMatchObject({ status: "UNKNOWN" });
    expect(String(rows.find((r) => r.accountName === "eu-b")!.finding)).toContain("48 h freshness window");
    expect(rows.find((r) => r.accountName === "dev-a")).toMatchObject({ status: "ERROR", finding: "The last scan failed: Throttling (Rate exceeded)." });
    expect(rows.find((r) => r.accountName === "prod-a")).toMatchObject({ status: "PASS", remediation: "" });
    expect(rows.find((r) => r.accountName === "management")).toMatchObject({ status: "NOT_APPLICABLE" });
  });

  it("writes CSV with a header row, CRLF lines and the same rows; JSON is an array of the same rows", async () => {
    const csv = await run({ format: "csv" });
    const lines = csv.text.split("\r\n");
    expect(lines[0]).toBe(
      "Account ID,Account name,OU path,Account state,Rule ID,Rule,Severity,Status,Finding,Remediation,References,Snapshot time (UTC)",
    );
    expect(lines.at(-1)).toBe("");
    expect(csv.record.rowCount).toBe(7 * ACCOUNT_RULES.length + 3);
    expect(csv.contentType).toMatch(/^text\/csv/);
    const json = await run({ format: "json" });
    const parsed = JSON.parse(json.text) as unknown[];
    expect(parsed).toEqual(await jsonl({}));
  });

  it("the account summary has one row per account, worst first, then by OU path", async () => {
    const rows = await jsonl({ kind: "accounts" });
    expect(rows.map((r) => `${r.accountName}:${r.status}`)).toEqual([
      "prod-b:NON_COMPLIANT",
      "eu-a:NON_COMPLIANT",
      "dev-a:ERROR",
      "dev-b:UNKNOWN",
      "eu-b:UNKNOWN",
      "prod-a:COMPLIANT",
      "management:NOT_APPLICABLE",
    ]);
    expect(rows[0]).toMatchObject({ failingRuleCount: 3, email: "prod-b@example.com" });
  });
});

describe("exportReport: filters are the Accounts page's", () => {
  const cases: TListAccountsQueryInput[] = [
    {},
    { status: "NON_COMPLIANT" },
    { status: "UNKNOWN,ERROR" },
    { rule: "account.no-password" },
    { ouId: OU.prod },
    { ouId: OU.root },
    { ouId: OU.dev, status: "ERROR" },
    { q: "eu" },
    { q: "1000000000" },
    { q: "nothing-matches" },
  ];
  for (const query of cases) {
    it(`matches listAccounts for ${JSON.stringify(query)}`, async () => {
      const page = await listAccounts({ actor: viewer, query: { ...query, pageSize: "200" }, db: db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS });
      const summary = await jsonl({ ...query, kind: "accounts" });
      expect(summary.map((r) => r.accountId).sort()).toEqual(page.items.map((a) => a.id).sort());
      expect(new Map(summary.map((r) => [r.accountId, r.status]))).toEqual(new Map(page.items.map((a) => [a.id, a.status])));
      const compliance = await jsonl(query as Record<string, string>);
      const accountIds = new Set(compliance.filter((r) => String(r.ruleId).startsWith("account.")).map((r) => r.accountId));
      expect([...accountIds].sort()).toEqual(page.items.map((a) => a.id).sort());
    });
  }

  it("keeps the organization rules only for a report of the whole organization", async () => {
    expect((await jsonl({ ouId: OU.prod })).some((r) => String(r.ruleId).startsWith("org."))).toBe(false);
    expect((await jsonl({ rule: "org.root-sessions" })).map((r) => `${r.ruleId}:${r.status}`)).toEqual(["org.root-sessions:FAIL"]);
  });
});

describe("exportReport: as of a time", () => {
  it("ignores snapshots taken after the as-of time and applies the freshness window as it stood", async () => {
    // 10 h ago: prod-a's 2 h snapshot did not exist; its 60 h one was already stale then (48 h window).
    const at10 = await jsonl({ kind: "accounts", asOf: hoursAgo(10).toISOString() });
    const byName = new Map(at10.map((r) => [r.accountName, r]));
    expect(byName.get("prod-a")).toMatchObject({ status: "UNKNOWN", snapshotAt: hoursAgo(60).toISOString() });
    expect(byName.get("eu-a")).toMatchObject({ status: "ERROR", snapshotAt: hoursAgo(30).toISOString() });
    // 40 h ago the 60 h snapshot was fresh, and eu-a had never been scanned.
    const at40 = new Map((await jsonl({ kind: "accounts", asOf: hoursAgo(40).toISOString() })).map((r) => [r.accountName, r]));
    expect(at40.get("prod-a")).toMatchObject({ status: "NON_COMPLIANT", failingRules: "account.no-password" });
    expect(at40.get("eu-a")).toMatchObject({ status: "UNKNOWN", snapshotAt: null });
    expect(at40.get("eu-b")).toMatchObject({ status: "NON_COMPLIANT" });
    // The account that left 1 h ago was still a member 2 h ago.
    expect(at40.has("gone")).toBe(true);
  });

  it("leaves out an account that joined after the as-of time, and the report reads the same later", async () => {
    await db.prisma.account.create({
      data: {
        id: "100000000099",
        organizationId: ORG_ID,
        ouId: OU.dev,
        ouIdPath: `${OU.root}/${OU.dev}/`,
        name: "newcomer",
        email: "newcomer@example.com",
        arn: `arn:aws:organizations::111111111111:account/${ORG_ID}/100000000099`,
        state: "ACTIVE",
        joinedAt: hoursAgo(5),
        syncedAt: NOW,
      },
    });
    try {
      const before = await run({ kind: "accounts", format: "csv", asOf: hoursAgo(6).toISOString() });
      expect(before.text).not.toContain("newcomer");
      expect((await run({ kind: "accounts", format: "csv", asOf: hoursAgo(4).toISOString() })).text).toContain("newcomer");
      // Same as-of time, a later clock: same bytes.
      const later = await exportReport({
        actor: auditor,
        db: db.prisma,
        pool,
        query: { kind: "accounts", format: "csv", asOf: hoursAgo(6).toISOString() },
        now: new Date(NOW.getTime() + 365 * 86_400_000),
        freshnessHours: FRESHNESS_HOURS,
      });
      expect(Buffer.from(await new Response(later.stream).arrayBuffer()).equals(before.body)).toBe(true);
    } finally {
      await db.prisma.account.delete({ where: { id: "100000000099" } });
    }
  });

  it("refuses an as-of time that is not a time or is in the future", async () => {
    await expect(run({ asOf: "yesterday" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("ISO 8601") });
    await expect(run({ asOf: "2026-11-30" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(run({ asOf: new Date(NOW.getTime() + 60_000).toISOString() })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("future"),
    });
  });

  it("refuses bad filters with a readable message and an unknown OU with NOT_FOUND", async () => {
    await expect(run({ status: "BROKEN" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("status") });
    await expect(run({ rule: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(run({ format: "xlsx" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(run({ ouId: "ou-ab12-zzzzzzzz" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("exportReport: CSV injection", () => {
  it("escapes cells that would start a formula and quotes per RFC 4180", async () => {
    const evil = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", 'a "quoted", name'];
    const original = await db.prisma.account.findUniqueOrThrow({ where: { id: "100000000006" } });
    try {
      for (const name of evil) {
        await db.prisma.account.update({ where: { id: "100000000006" }, data: { name } });
        const csv = await run({ kind: "accounts", format: "csv", q: "100000000006" });
        const line = csv.text.split("\r\n")[1];
        const first = name.startsWith('a "') ? `"a ""quoted"", name"` : null;
        if (first) expect(line).toContain(first);
        else if (name === '=HYPERLINK("http://x","y")') expect(line).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
        else if (/^[\t\r]/.test(name)) expect(line.includes(`,'${name}`) || line.includes(`"'${name}"`)).toBe(true);
        else expect(line).toContain(`,'${name},`);
      }
    } finally {
      await db.prisma.account.update({ where: { id: "100000000006" }, data: { name: original.name } });
    }
  });
});

describe("exportReport: recorded", () => {
  it("records who, filters, as-of, format, row count and the SHA-256 of the bytes when the stream ends", async () => {
    const asOf = hoursAgo(3).toISOString();
    const out = await run({ format: "csv", status: "NON_COMPLIANT", asOf });
    const row = await db.prisma.reportExport.findUniqueOrThrow({ where: { id: out.record.id } });
    expect(row).toMatchObject({
      organizationId: ORG_ID,
      actorUserId: auditor.userId,
      actorLabel: "t@example.com",
      kind: "compliance",
      format: "csv",
      filters: { status: "NON_COMPLIANT" },
      freshnessHours: FRESHNESS_HOURS,
      rowCount: out.record.rowCount,
      sha256: createHash("sha256").update(out.body).digest("hex"),
    });
    expect(row.asOf.toISOString()).toBe(asOf);
    // The same facts in the audit trail, written in the same transaction.
    const seq = Number(/^seq (\d+)$/.exec(out.record.auditEventId)?.[1]);
    await flushAuditTrail(db.prisma);
    const event = await db.prisma.auditEvent.findUniqueOrThrow({ where: { seq: BigInt(seq) } });
    expect(event).toMatchObject({ type: "report.exported", actorUserId: auditor.userId, organizationId: ORG_ID });
    expect(event.payload).toMatchObject({
      report: "compliance",
      format: "csv",
      asOf,
      rows: out.record.rowCount,
      sha256: row.sha256,
      exportId: row.id,
      filters: { status: "NON_COMPLIANT" },
    });
  });

  it("records nothing when the reader cancels half-way", async () => {
    const before = await db.prisma.reportExport.count();
    await flushAuditTrail(db.prisma);
    const eventsBefore = await db.prisma.auditEvent.count({ where: { type: "report.exported" } });
    const out = await exportReport({ actor: auditor, db: db.prisma, pool, query: {}, now: NOW, freshnessHours: FRESHNESS_HOURS, batchSize: 2 });
    const reader = out.stream.getReader();
    await reader.read();
    await reader.cancel();
    await expect(out.recorded).rejects.toThrow(/cancelled/);
    expect(await db.prisma.reportExport.count()).toBe(before);
    await flushAuditTrail(db.prisma);
    expect(await db.prisma.auditEvent.count({ where: { type: "report.exported" } })).toBe(eventsBefore);
    expect(pool.totalCount - pool.idleCount).toBe(0); // the cursor's connection went back
  });
});

describe("exportReport: downloaded again", () => {
  it("uses every recorded parameter, the freshness window included, whatever the configuration is now", async () => {
    // eu-b's last snapshot is 72 h old: UNKNOWN with a 48 h window, NON_COMPLIANT with a 100 h one.
    const first = await run({ kind: "accounts", format: "csv", asOf: hoursAgo(1).toISOString(), ouId: OU.prod });
    const request = await recordedExportRequest({ actor: auditor, db: db.prisma, exportId: first.record.id });
    expect(request).toEqual({
      query: { kind: "accounts", format: "csv", asOf: hoursAgo(1).toISOString(), ouId: OU.prod },
      freshnessHours: FRESHNESS_HOURS,
      organizationId: ORG_ID,
    });
    const later = { actor: auditor, db: db.prisma, pool, now: new Date(NOW.getTime() + 86_400_000) };
    const again = await exportReport({ ...later, ...request });
    const body = Buffer.from(await new Response(again.stream).arrayBuffer());
    expect(body.equals(first.body)).toBe(true);
    expect((await again.recorded).sha256).toBe(first.record.sha256);
    // With today's window instead of the recorded one the data would differ.
    const other = await exportReport({ ...later, query: request.query, freshnessHours: 100 });
    const otherBody = await new Response(other.stream).text();
    expect(otherBody).not.toBe(first.text);
    expect(otherBody).toMatch(/eu-b,eu-b@example\.com,Root\/Prod\/EU,ACTIVE,NON_COMPLIANT/);
  });

  it("refuses an id that is not a recorded export, and a viewer", async () => {
    await expect(recordedExportRequest({ actor: auditor, db: db.prisma, exportId: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(recordedExportRequest({ actor: auditor, db: db.prisma, exportId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(recordedExportRequest({ actor: viewer, db: db.prisma, exportId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("exportReport: permission", () => {
  it("refuses a viewer (FORBIDDEN naming reports.export) and nobody (UNAUTHENTICATED)", async () => {
    await expect(run({}, viewer)).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("reports.export") });
    await expect(exportReport({ actor: null, db: db.prisma, pool, query: {}, now: NOW, freshnessHours: 48 })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    expect((await run({}, actorWith(["admin"]))).record.rowCount).toBeGreaterThan(0);
  });
});
