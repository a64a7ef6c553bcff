// The deterministic org generator: reproducibility, shape and mix of root credentials, and speed at 10,000 accounts.
import { paginateListAccounts } from "@aws-sdk/client-organizations";
import { describe, expect, it } from "vitest";
import { generateState } from "./generator";
import { startAwsSim } from "./server";
import { hasRootCredentials, isBucketLocked, isQueueLocked, serializeState } from "./state";
import { managementClients } from "./test-helpers";

const generate = (accounts: number, seed: string | number = 1, featuresEnabled = true) =>
  generateState({ accounts, seed, region: "us-east-1", featuresEnabled, delegatedAdmin: true });

describe("generateState", () => {
  it("is deterministic: same seed, same org; another seed, another org", () => {
    const a = JSON.stringify(serializeState(generate(500, 42)));
    expect(JSON.stringify(serializeState(generate(500, 42)))).toBe(a);
    expect(JSON.stringify(serializeState(generate(500, 43)))).not.toBe(a);
  });

  it("builds a realistic tree: named OUs nested up to 5 levels, a management and a delegated-admin account", () => {
    const s = generate(1000);
    const names = new Set([...s.ous.values()].map((o) => o.name));
    for (const n of ["Security", "Infrastructure", "Workloads", "Prod", "Payments", "Sandbox", "Suspended"]) expect(names).toContain(n);
    expect(Math.max(...[...s.ous.values()].map((o) => o.depth))).toBe(5);
    expect(s.accounts.get(s.organization.managementAccountId)!.parentId).toBe(s.root.id);
    expect(s.principals.delegatedAdmin!.accountId).not.toBe(s.organization.managementAccountId);
    expect(new Set(s.accountIds).size).toBe(1000);
    for (const id of s.accountIds) expect(id).toMatch(/^\d{12}$/);
  });

  it("mixes root credentials, with a good share clean, plus suspended accounts and locked resources", () => {
    const s = generate(2000);
    const accounts = [...s.accounts.values()];
    const clean = accounts.filter((a) => !hasRootCredentials(a)).length / accounts.length;
    expect(clean).toBeGreaterThan(0.35);
    expect(clean).toBeLessThan(0.6);
    const has = (p: (a: (typeof accounts)[number]) => boolean) => accounts.some(p);
    expect(has((a) => a.root.loginProfile !== null && a.root.mfaDevices.length === 0)).toBe(true);
    expect(has((a) => a.root.mfaDevices.some((d) => d.kind === "virtual"))).toBe(true);
    expect(has((a) => a.root.mfaDevices.some((d) => d.kind === "hardware"))).toBe(true);
    expect(has((a) => a.root.accessKeys.some((k) => k.lastUsed !== null))).toBe(true);
    expect(has((a) => a.root.accessKeys.some((k) => k.lastUsed === null))).toBe(true);
    expect(has((a) => a.root.signingCertificates.length > 0)).toBe(true);
    expect(has((a) => a.state === "SUSPENDED")).toBe(true);
    expect([...s.buckets.values()].some(isBucketLocked)).toBe(true);
    expect([...s.queues.values()].some(isQueueLocked)).toBe(true);
  });

  it("always has every root profile and locked resources in small orgs", () => {
    const s = generate(20, "small");
    expect(new Set([...s.accounts.values()].map((a) => a.root.profile)).size).toBe(8);
    expect([...s.buckets.values()].filter(isBucketLocked).length).toBeGreaterThanOrEqual(2);
    expect([...s.queues.values()].filter(isQueueLocked).length).toBeGreaterThanOrEqual(2);
  });

  it("can start with the root-access features off", () => {
    const s = generate(50, 1, false);
    expect(s.features).toEqual({ rootCredentialsManagement: false, rootSessions: false });
    expect(s.trustedAccess.has("iam.amazonaws.com")).toBe(false);
  });

  it("handles the extremes: 1 account and 50,000", () => {
    expect(generate(1).accountIds).toHaveLength(1);
    expect(generate(50_000).accountIds).toHaveLength(50_000);
    expect(() => generate(0)).toThrow();
    expect(() => generate(50_001)).toThrow();
  });

  it("generates 10,000 accounts in under 2 s", () => {
    const started = performance.now();
    generate(10_000, "speed");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("a 10,000-account org through the SDK", () => {
  it("lists every account exactly once across all ListAccounts pages", async () => {
    const sim = await startAwsSim({ accounts: 10_000, seed: "big" });
    try {
      const seen = new Set<string>();
      let total = 0;
      for await (const page of paginateListAccounts({ client: managementClients(sim).orgs }, {})) {
        for (const a of page.Accounts!) seen.add(a.Id!);
        total += page.Accounts!.length;
      }
      expect(total).toBe(10_000);
      expect(seen.size).toBe(10_000);
    } finally {
      await sim.close();
    }
  });
});
