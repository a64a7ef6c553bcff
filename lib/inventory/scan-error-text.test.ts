// What viewers read about failures (ScanAccount.reason, CredentialSnapshot.errorMessage,
// Account.statusReason, Scan.error) is a code plus a message written for people: driver, Prisma,
// AWS and worker text stays in the server log, and no one's e-mail is stored in Scan.error.
import type { PgBoss } from "pg-boss";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TAwsContext } from "@/lib/aws/context";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { cancelScan } from "./cancel-scan";
import { ORG_ID, actorWith, seedOrganization } from "./list-accounts.fixtures";
import { batchFailure, failRemainingAccounts, recordResults, scanOneAccount } from "./scan-batch";
import { startScan } from "./start-scan";

// What a driver, Prisma or a worker says when things break: hosts, users, SQL, stack-ish detail.
const RAW = [
  'connect ECONNREFUSED 10.20.30.40:5432 password authentication failed for user "rootwarden_app"',
  "Invalid `prisma.scanAccount.findMany()` invocation: Can't reach database server at `db.internal:5432`",
  "User: arn:aws:sts::111111111111:assumed-role/RootwardenWorker/i-0abc is not authorized to perform: sts:AssumeRoot",
];
const INTERNALS = /connect |10\.20\.30\.40|rootwarden_app|prisma|db\.internal|invocation|arn:aws|assumed-role|i-0abc|@example\.com/i;

const operator = { ...actorWith(["operator"]), userId: "00000000-0000-4000-8000-0000000000aa", email: "oscar.operator@example.com" };
let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
  await db.prisma.user.create({ data: { id: operator.userId, issuer: "https://idp.rootwarden.test", subject: operator.subject, roles: ["operator"], groups: [] } });
});
afterAll(async () => {
  await db?.drop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function failingAws(err: unknown): TAwsContext {
  const reject = async () => {
    throw err;
  };
  return { sts: { send: reject }, iam: { send: reject }, createSessionIamClient: reject } as unknown as TAwsContext;
}

async function newScan(accountIds: string[]): Promise<string> {
  const scan = await db.prisma.scan.create({
    data: { organizationId: ORG_ID, scopeType: "ACCOUNTS", scopeLabel: "test", trigger: "MANUAL", status: "RUNNING", total: accountIds.length },
  });
  await db.prisma.scanAccount.createMany({ data: accountIds.map((accountId) => ({ scanId: scan.id, accountId, status: "PENDING" })) });
  return scan.id;
}

async function storedText(scanId: string, accountIds: string[]) {
  const rows = await db.prisma.scanAccount.findMany({ where: { scanId } });
  const snaps = await db.prisma.credentialSnapshot.findMany({ where: { scanId } });
  const accounts = await db.prisma.account.findMany({ where: { id: { in: accountIds } } });
  return { rows, snaps, accounts };
}

describe("stored failure text", () => {
  it.each(RAW.map((m, i) => [i, m] as const))("keeps raw error %i out of the columns and in the log", async (_i, raw) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const err = Object.assign(new Error(raw), { name: "Error", code: "ECONNREFUSED" });
    const result = await scanOneAccount(failingAws(err), "100000000003");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errorCode).toBe("ECONNREFUSED");
    expect(result.errorMessage).not.toMatch(INTERNALS);
    expect(result.errorMessage).toMatch(/server log/);
    expect(log.mock.calls.flat().join(" ")).toContain(raw.slice(0, 20));

    const scanId = await newScan(["100000000003"]);
    await recordResults(db.prisma, scanId, ORG_ID, [result]);
    const { rows, snaps, accounts } = await storedText(scanId, ["100000000003"]);
    expect(rows[0]).toMatchObject({ status: "FAILED", reasonCode: "ECONNREFUSED" });
    expect(snaps[0]).toMatchObject({ errorCode: "ECONNREFUSED" });
    expect(accounts[0]).toMatchObject({ status: "ERROR", statusReasonCode: "ECONNREFUSED" });
    for (const text of [rows[0].reason, snaps[0].errorMessage, accounts[0].statusReason]) {
      expect(text).toBeTruthy();
      expect(text).not.toMatch(INTERNALS);
    }
  });

  it("explains a known AWS error with its hint, without AWS's own text", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await scanOneAccount(failingAws(Object.assign(new Error(RAW[2]), { name: "AccessDenied" })), "100000000003");
    if (result.ok) throw new Error("expected a failure");
    expect(result.errorCode).toBe("AccessDenied");
    expect(result.errorMessage).toMatch(/^Access denied\./);
    expect(result.errorMessage).not.toMatch(INTERNALS);
  });

  it("records a batch that gave up with a code and a message for people", async () => {
    const accountIds = ["100000000001", "100000000002"];
    const scanId = await newScan(accountIds);
    await failRemainingAccounts(db.prisma, scanId, accountIds, batchFailure(3));
    const { rows, snaps, accounts } = await storedText(scanId, accountIds);
    expect(rows.map((r) => r.reasonCode)).toEqual(["BatchFailed", "BatchFailed"]);
    expect(snaps.map((s) => s.errorCode)).toEqual(["BatchFailed", "BatchFailed"]);
    expect(accounts.map((a) => a.statusReasonCode)).toEqual(["BatchFailed", "BatchFailed"]);
    for (const text of [...rows.map((r) => r.reason), ...snaps.map((s) => s.errorMessage), ...accounts.map((a) => a.statusReason)]) {
      expect(text).toMatch(/failed 3 times/);
    }
  });

  it("keeps the database's text out of Scan.error when the jobs cannot be queued", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const boss = { insert: async () => Promise.reject(Object.assign(new Error(RAW[1]), { code: "57P01" })) } as unknown as PgBoss;
    await expect(startScan({ actor: operator, scope: { type: "ACCOUNTS", accountIds: ["100000000004"] }, db: db.prisma, boss })).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    const scan = await db.prisma.scan.findFirstOrThrow({ where: { status: "FAILED" }, orderBy: { createdAt: "desc" } });
    expect(scan.errorCode).toBe("QueueFailed");
    expect(scan.error).not.toMatch(INTERNALS);
    const rows = await db.prisma.scanAccount.findMany({ where: { scanId: scan.id } });
    expect(rows.map((r) => r.reasonCode)).toEqual(["QueueFailed"]);
  });

  it("stores who cancelled a scan by user id, not their e-mail", async () => {
    vi.spyOn(console, "info").mockImplementation(() => {});
    const scanId = await newScan(["100000000005"]);
    const scan = await cancelScan({ actor: operator, scanId, db: db.prisma });
    expect(scan).toMatchObject({ status: "CANCELLED", errorCode: "Cancelled", cancelledById: operator.userId });
    expect(scan.error).not.toContain(operator.email);
    expect(scan.error).not.toMatch(INTERNALS);
    const rows = await db.prisma.scanAccount.findMany({ where: { scanId } });
    expect(rows.map((r) => r.reasonCode)).toEqual(["Cancelled"]);
  });
});
