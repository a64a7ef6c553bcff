// The /_sim/ control API: state dump, call log without secrets, features, credential mutation, reset and clock.
import { AssumeRootCommand } from "@aws-sdk/client-sts";
import { GetAccountSummaryCommand, ListOrganizationsFeaturesCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
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
