// STS through the real SDK: GetCallerIdentity for every principal kind and every AssumeRoot rule.
import { AssumeRootCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { activeMembers, delegatedClients, errorOf, managementClients, rootSession } from "./test-helpers";
import { taskPolicyArn, TASK_POLICIES, type TaskPolicyName } from "./task-policies";
import { IAM_SERVICE_PRINCIPAL } from "./state";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 60, seed: "sts" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const audit = taskPolicyArn("IAMAuditRootUserCredentials");

describe("GetCallerIdentity", () => {
  it("identifies the management IAM user", async () => {
    const out = await managementClients(sim).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(sim.managementAccountId);
    expect(out.Arn).toBe(`arn:aws:iam::${sim.managementAccountId}:user/rootwarden-sim`);
  });

  it("identifies the delegated admin user", async () => {
    const out = await delegatedClients(sim).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(sim.delegatedAdminAccountId);
  });

  it("identifies a root session as the member's root, whatever the task policy", async () => {
    const member = activeMembers(sim)[0]!;
    const session = await rootSession(sim, member.id, "S3UnlockBucketPolicy");
    const out = await session.sts.send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: member.id, Arn: `arn:aws:iam::${member.id}:root`, UserId: member.id });
  });
});

describe("AssumeRoot", () => {
  it("returns session credentials for each of the five task policies, 900 s by default", async () => {
    const member = activeMembers(sim)[0]!;
    for (const name of Object.keys(TASK_POLICIES) as TaskPolicyName[]) {
      const before = Date.now();
      const out = await managementClients(sim).sts.send(new AssumeRootCommand({ TargetPrincipal: member.id, TaskPolicyArn: { arn: taskPolicyArn(name) } }));
      expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
      expect(out.Credentials?.SessionToken).toBeTruthy();
      const ttl = out.Credentials!.Expiration!.getTime() - before;
      expect(ttl).toBeGreaterThan(898_000);
      expect(ttl).toBeLessThanOrEqual(901_000);
    }
  });

  it("accepts the root ARN as TargetPrincipal and honours DurationSeconds", async () => {
    const member = activeMembers(sim)[1]!;
    const out = await managementClients(sim).sts.send(
      new AssumeRootCommand({ TargetPrincipal: `arn:aws:iam::${member.id}:root`, TaskPolicyArn: { arn: audit }, DurationSeconds: 60 }),
    );
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(61_000);
  });

  it("works for the IAM delegated administrator", async () => {
    const member = activeMembers(sim)[0]!;
    const out = await delegatedClients(sim).sts.send(new AssumeRootCommand({ TargetPrincipal: member.id, TaskPolicyArn: { arn: audit } }));
    expect(out.Credentials?.AccessKeyId).toBeTruthy();
  });

  it("rejects DurationSeconds over 900 with ValidationError", async () => {
    const member = activeMembers(sim)[0]!;
    const err = await errorOf(managementClients(sim).sts.send(new AssumeRootCommand({ TargetPrincipal: member.id, TaskPolicyArn: { arn: audit }, DurationSeconds: 901 })));
    expect(err.name).toBe("ValidationError");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  const denied = async (target: string, arn = audit, clients = managementClients(sim)) => {
    const err = await errorOf(clients.sts.send(new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: { arn } })));
    expect(err.name).toBe("AccessDenied");
    expect(err.$metadata.httpStatusCode).toBe(403);
    return err;
  };

  it("denies a policy that is not a root-task policy", async () => {
    await denied(activeMembers(sim)[0]!.id, "arn:aws:iam::aws:policy/AdministratorAccess");
  });

  it("denies the management account, suspended accounts and accounts outside the org", async () => {
    await denied(sim.managementAccountId);
    const suspended = sim.state.accountIds.map((id) => sim.state.accounts.get(id)!).find((a) => a.state !== "ACTIVE")!;
    await denied(suspended.id);
    await denied("123456789012");
  });

  it("denies when RootSessions is disabled or IAM trusted access is off", async () => {
    const member = activeMembers(sim)[0]!.id;
    sim.state.features.rootSessions = false;
    await denied(member);
    sim.state.features.rootSessions = true;
    sim.state.trustedAccess.delete(IAM_SERVICE_PRINCIPAL);
    await denied(member);
  });

  it("denies the delegated admin account once it is no longer IAM's delegated administrator", async () => {
    sim.state.delegatedAdmins.get(sim.delegatedAdminAccountId)!.delete(IAM_SERVICE_PRINCIPAL);
    await denied(activeMembers(sim)[0]!.id, audit, delegatedClients(sim));
  });

  it("denies root sessions calling AssumeRoot", async () => {
    const [a, b] = activeMembers(sim);
    const session = await rootSession(sim, a!.id, "IAMAuditRootUserCredentials");
    await denied(b!.id, audit, session);
  });

  it("fails AssumeRoot for accounts chosen by fault injection", async () => {
    const member = activeMembers(sim)[2]!.id;
    sim.setFaults({ failAccounts: [member] });
    await denied(member);
  });

  it("lets the management-account rule be flipped (quirk)", async () => {
    sim.setQuirks({ assumeRootManagementAccount: "allow" });
    const out = await managementClients(sim).sts.send(new AssumeRootCommand({ TargetPrincipal: sim.managementAccountId, TaskPolicyArn: { arn: audit } }));
    expect(out.Credentials).toBeDefined();
  });
});
