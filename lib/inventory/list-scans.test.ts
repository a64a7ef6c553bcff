// listScans against a real Postgres: which scans are relevant to an org, OU or account view, and
// the progress figures (rate, ETA) the progress bar shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { listScans, ZListScansQuery } from "@/lib/inventory/list-scans";
import { NOW, ORG_ID, OU, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";

let db: TTestDatabase;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
  const ago = (s: number) => new Date(NOW.getTime() - s * 1000);
  const make = async (key: string, data: { scopeType: string; scopeOuId?: string; status: string; createdSecondsAgo: number }) => {
    const scan = await db.prisma.scan.create({
      data: {
        organizationId: ORG_ID,
        scopeType: data.scopeType,
        scopeOuId: data.scopeOuId,
        scopeLabel: key,
        trigger: "MANUAL",
        status: data.status,
        total: 7,
        done: 3,
        failed: 1,
        createdAt: ago(data.createdSecondsAgo),
        startedAt: data.status === "QUEUED" ? null : ago(10),
        finishedAt: data.status === "SUCCEEDED" ? ago(2) : null,
      },
    });
    ids[key] = scan.id;
  };
  await make("org", { scopeType: "ORG", status: "RUNNING", createdSecondsAgo: 50 });
  await make("prod", { scopeType: "OU", scopeOuId: OU.prod, status: "QUEUED", createdSecondsAgo: 40 });
  await make("eu-done", { scopeType: "OU", scopeOuId: OU.eu, status: "SUCCEEDED", createdSecondsAgo: 30 });
  await make("dev", { scopeType: "OU", scopeOuId: OU.dev, status: "RUNNING", createdSecondsAgo: 20 });
  await make("one", { scopeType: "ACCOUNTS", status: "RUNNING", createdSecondsAgo: 10 });
  await db.prisma.scanAccount.create({ data: { scanId: ids.one, accountId: "100000000006", status: "PENDING" } });
});
afterAll(async () => {
  await db?.drop();
});

const labels = async (params: string) => {
  const query = ZListScansQuery.parse(Object.fromEntries(new URLSearchParams(params)));
  return (await listScans({ actor: viewer, query, db: db.prisma, now: NOW })).map((s) => s.scopeLabel);
};

describe("listScans", () => {
  it("org view: org scans", async () => {
    expect(await labels("active=1&scope=org")).toEqual(["org"]);
  });

  it("OU view: org scans and scans of the OU or an ancestor, newest first", async () => {
    expect(await labels(`active=1&scope=ou&ouId=${OU.eu}`)).toEqual(["prod", "org"]);
    expect(await labels(`scope=ou&ouId=${OU.eu}`)).toEqual(["eu-done", "prod", "org"]);
    expect(await labels(`active=1&scope=ou&ouId=${OU.prod}`)).toEqual(["prod", "org"]);
  });

  it("account view: scans that include the account, by listed accounts or by scope", async () => {
    expect(await labels("active=1&scope=account&accountId=100000000006")).toEqual(["one", "dev", "org"]);
    expect(await labels("active=1&scope=account&accountId=100000000003")).toEqual(["prod", "org"]);
  });

  it("all active scans without a scope", async () => {
    expect(await labels("active=1")).toEqual(["one", "dev", "prod", "org"]);
  });

  it("rejects incomplete or malformed queries with a readable message", () => {
    const issues = (params: string) => {
      const r = ZListScansQuery.safeParse(Object.fromEntries(new URLSearchParams(params)));
      return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    };
    expect(issues("scope=ou")).toBe("ouId: is required when scope=ou");
    expect(issues("scope=account&accountId=12")).toContain("accountId: must be a 12-digit AWS account id");
    expect(issues("active=maybe")).toBe("active: must be 1 or 0");
    expect(issues("scope=galaxy")).toBe("scope: must be org, ou or account");
  });
});

describe("progress figures", () => {
  it("come from getScanProgress's rules: rate of audited accounts, ETA from what is left", async () => {
    const query = ZListScansQuery.parse({ scope: "org" });
    const [org] = await listScans({ actor: viewer, query, db: db.prisma, now: NOW });
    // 3 of 7 done in 10 s (none skipped): 0.3/s, 4 left: 14 s.
    expect(org).toMatchObject({ status: "RUNNING", total: 7, done: 3, failed: 1, ratePerSecond: 0.3, etaSeconds: 14, cancelled: 0 });
  });

  it("counts the accounts a cancelled scan did not audit", async () => {
    const scan = await db.prisma.scan.create({
      data: { organizationId: ORG_ID, scopeType: "ACCOUNTS", scopeLabel: "cancelled", trigger: "MANUAL", status: "CANCELLED", total: 2, finishedAt: NOW },
    });
    await db.prisma.scanAccount.createMany({
      data: [
        { scanId: scan.id, accountId: "100000000001", status: "CANCELLED" },
        { scanId: scan.id, accountId: "100000000002", status: "CANCELLED" },
      ],
    });
    const all = await listScans({ actor: viewer, query: ZListScansQuery.parse({ scope: "account", accountId: "100000000001" }), db: db.prisma, now: NOW });
    expect(all.find((s) => s.id === scan.id)).toMatchObject({ cancelled: 2, etaSeconds: 0 });
  });

  it("requires accounts.read", async () => {
    await expect(listScans({ actor: actorWith([]), query: ZListScansQuery.parse({}), db: db.prisma })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});
