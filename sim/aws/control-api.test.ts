// The /_sim/ control API: state dump, call log without secrets, features, credential mutation, reset and clock.
import { AssumeRootCommand } from "@aws-sdk/client-sts";
import { DeleteAccessKeyCommand, GetAccountSummaryCommand, ListAccessKeysCommand, ListOrganizationsFeaturesCommand, ListSigningCertificatesCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleControl } from "./control-api";
import { CALL_LOG_SIZE, SimRuntime } from "./runtime";
import { startAwsSim, type AwsSim, type CallCounts } from "./server";
import { taskPolicyArn } from "./task-policies";
import { activeMembers, control, errorOf, managementClients, rootSession } from "./test-helpers";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 50, seed: "control" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

type OrgDump = {
  organization: { id: string };
  features: { rootSessions: boolean; trustedAccessForIam: boolean };
  ous: { id: string; name: string; path: string }[];
  accounts: { id: string; state: string; rootCredentialsPresent: boolean; root: { accessKeys: unknown[] } }[];
  buckets: { name: string; locked: boolean; policy: string | null }[];
  queues: { name: string; locked: boolean }[];
};

describe("GET /_sim/organization", () => {
  it("returns OUs, accounts with root credentials, buckets and queues with policies, and features", async () => {
    const { status, json } = await control(sim, "GET", "/_sim/organization");
    expect(status).toBe(200);
    const org = json as OrgDump;
    expect(org.organization.id).toBe(sim.organizationId);
    expect(org.accounts).toHaveLength(50);
    expect(org.ous.map((o) => o.name)).toContain("Security");
    expect(org.accounts.some((a) => a.rootCredentialsPresent)).toBe(true);
    expect(org.accounts.some((a) => !a.rootCredentialsPresent)).toBe(true);
    expect(org.buckets.some((b) => b.locked)).toBe(true);
    expect(org.queues.some((q) => q.locked)).toBe(true);
    expect(org.features).toMatchObject({ rootSessions: true, trustedAccessForIam: true });
  });
});

describe("GET /_sim/calls", () => {
  it("logs operation, caller, account, task policy and outcome, and never a session secret", async () => {
    const member = activeMembers(sim)[0]!.id;
    const session = await rootSession(sim, member, "IAMAuditRootUserCredentials");
    await session.iam.send(new GetAccountSummaryCommand({}));
    await errorOf(session.iam.send(new ListOrganizationsFeaturesCommand({})));
    const res = await fetch(`${sim.endpoint}/_sim/calls?accountId=${member}`);
    const text = await res.text();
    expect(text).not.toContain(session.creds.secretAccessKey);
    expect(text).not.toContain(session.creds.sessionToken!);
    const { calls } = JSON.parse(text) as { calls: { operation: string; callerArn: string; accountId: string; taskPolicy: string | null; outcome: string; errorCode: string | null }[] };
    expect(calls.map((c) => [c.operation, c.outcome])).toEqual([
      ["AssumeRoot", "ok"],
      ["GetAccountSummary", "ok"],
      ["ListOrganizationsFeatures", "error"],
    ]);
    expect(calls[1]).toMatchObject({ callerArn: `arn:aws:iam::${member}:root`, taskPolicy: "IAMAuditRootUserCredentials" });
    expect(calls[2]!.errorCode).toBe("AccessDenied");
  });

  it("is a bounded ring buffer", async () => {
    const { sts } = managementClients(sim);
    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    await Promise.all(Array.from({ length: 50 }, () => sts.send(new GetCallerIdentityCommand({}))));
    const { json } = await control(sim, "GET", "/_sim/calls?limit=10");
    expect((json as { calls: unknown[] }).calls).toHaveLength(10);
  });

  it("counts every call exactly, past the ring buffer's 10,000 entries (GET /_sim/calls/counts)", async () => {
    const member = activeMembers(sim)[0]!.id;
    const session = await rootSession(sim, member, "IAMDeleteRootUserCredentials");
    await control(sim, "POST", `/_sim/accounts/${member}/credentials`, { accessKeys: 2 });
    const keys = sim.state.accounts.get(member)!.root.accessKeys.map((k) => k.accessKeyId);
    await session.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: keys[0] }));
    await errorOf(session.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: keys[0] })));
    const mine = (await control(sim, "GET", `/_sim/calls/counts?accountId=${member}`)).json as CallCounts;
    expect(mine.mutating.sort((a, b) => a.outcome.localeCompare(b.outcome))).toEqual([
      { accountId: member, operation: "DeleteAccessKey", outcome: "error", count: 1 },
      { accountId: member, operation: "DeleteAccessKey", outcome: "ok", count: 1 },
    ]);
    expect(mine.mutatingOk).toBe(1);
    expect(sim.callCounts().byOperation.DeleteAccessKey).toEqual({ ok: 1, error: 1 });
    // Reads are never in `mutating`; clearing the log clears the counts.
    expect(sim.callCounts().mutating.some((r) => r.operation === "AssumeRoot")).toBe(false);
    await control(sim, "DELETE", "/_sim/calls");
    expect(sim.callCounts()).toMatchObject({ total: 0, mutatingOk: 0, dropped: 0, mutating: [] });

    // Far more calls than the buffer holds, logged straight into a runtime (an HTTP flood would be slow).
    const runtime = new SimRuntime({ accounts: 5, seed: 1, region: "us-east-1", featuresEnabled: true, delegatedAdmin: true, latencyMs: 0, jitterMs: 0 });
    const entry = { time: new Date().toISOString(), service: "iam" as const, callerArn: null, callerAccountId: null, taskPolicy: null, errorCode: null, httpStatus: 200, durationMs: 0 };
    const n = CALL_LOG_SIZE + 500;
    for (let i = 0; i < n; i++) runtime.logCall({ ...entry, operation: i % 2 ? "DeleteLoginProfile" : "GetLoginProfile", accountId: `10000000000${i % 10}`, outcome: "ok" });
    const log = handleControl(runtime, "GET", "/_sim/calls", new URLSearchParams(), "").body as { calls: unknown[]; dropped: number };
    expect(log.calls).toHaveLength(CALL_LOG_SIZE);
    expect(log.dropped).toBe(500);
    const counts = handleControl(runtime, "GET", "/_sim/calls/counts", new URLSearchParams(), "").body as CallCounts;
    expect(counts).toMatchObject({ total: n, dropped: 500, mutatingOk: n / 2 });
    expect(counts.byOperation).toEqual({ DeleteLoginProfile: { ok: n / 2, error: 0 }, GetLoginProfile: { ok: n / 2, error: 0 } });
    // Account 100000000001 made the very first DeleteLoginProfile, long gone from the buffer: still counted.
    const one = handleControl(runtime, "GET", "/_sim/calls/counts", new URLSearchParams({ accountId: "100000000001" }), "").body as CallCounts;
    expect(one.mutating).toEqual([{ accountId: "100000000001", operation: "DeleteLoginProfile", outcome: "ok", count: n / 10 }]);
    runtime.reset();
    expect(runtime.countCalls()).toMatchObject({ total: 0, mutatingOk: 0 });
  });

  it("adds latency to the named operations only (operationLatencyMs)", async () => {
    const member = activeMembers(sim)[0]!.id;
    const session = await rootSession(sim, member, "IAMDeleteRootUserCredentials");
    sim.setFaults({ operationLatencyMs: { ListAccessKeys: 300 } });
    let t = performance.now();
    await session.iam.send(new ListSigningCertificatesCommand({}));
    expect(performance.now() - t).toBeLessThan(250);
    t = performance.now();
    await session.iam.send(new ListAccessKeysCommand({}));
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    expect((await control(sim, "POST", "/_sim/faults", { operationLatencyMs: { "Delete-Key": 1 } })).status).toBe(400);
  });
});

describe("mutating state", () => {
  it("turns features off and on (org-setup flow)", async () => {
    await control(sim, "POST", "/_sim/features", { trustedAccess: false, rootSessions: false, rootCredentialsManagement: false });
    const err = await errorOf(managementClients(sim).iam.send(new ListOrganizationsFeaturesCommand({})));
    expect(err.name).toBe("ServiceAccessNotEnabledException");
    await control(sim, "POST", "/_sim/features", { trustedAccess: true });
    expect((await managementClients(sim).iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures ?? []).toEqual([]);
    expect((await control(sim, "POST", "/_sim/features", { rootSessions: "yes" })).status).toBe(400);
  });

  it("sets root credentials and account state", async () => {
    const member = activeMembers(sim, (a) => a.root.profile === "clean")[0]!.id;
    const res = await control(sim, "POST", `/_sim/accounts/${member}/credentials`, { password: true, mfa: ["hardware"], accessKeys: 1 });
    expect(res.status).toBe(200);
    const { iam } = await rootSession(sim, member, "IAMAuditRootUserCredentials");
    expect((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap).toMatchObject({ AccountPasswordPresent: 1, AccountMFAEnabled: 1, AccountAccessKeysPresent: 1 });
    expect((await control(sim, "POST", `/_sim/accounts/${member}/credentials`, { accessKeys: 9 })).status).toBe(400);
    await control(sim, "POST", `/_sim/accounts/${member}/state`, { state: "SUSPENDED" });
    const denied = await errorOf(managementClients(sim).sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: taskPolicyArn("IAMAuditRootUserCredentials") } })));
    expect(denied.name).toBe("AccessDenied");
    expect((await control(sim, "POST", "/_sim/accounts/000000000000/state", { state: "ACTIVE" })).status).toBe(404);
  });

  it("moves the clock so sessions expire, and reset restores the generated org", async () => {
    const member = activeMembers(sim)[0]!.id;
    const session = await rootSession(sim, member, "IAMAuditRootUserCredentials");
    await control(sim, "POST", "/_sim/clock", { advanceSeconds: 901 });
    expect((await errorOf(session.iam.send(new GetAccountSummaryCommand({})))).name).toBe("ExpiredToken");
    await control(sim, "POST", `/_sim/accounts/${member}/credentials`, { clean: true });
    expect((await control(sim, "POST", "/_sim/reset")).status).toBe(200);
    const again = (await control(sim, "GET", `/_sim/accounts/${member}`)).json as { root: { profile: string }; rootCredentialsPresent: boolean };
    expect(again.rootCredentialsPresent).toBe(again.root.profile !== "clean");
    expect((await control(sim, "GET", "/_sim/nowhere")).status).toBe(404);
  });
});
