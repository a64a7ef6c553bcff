// Organization set-up through the real SDK: each error AWS documents for the set-up order, with its name and HTTP status.
import {
  DisableOrganizationsRootSessionsCommand, EnableOrganizationsRootCredentialsManagementCommand, EnableOrganizationsRootSessionsCommand,
  ListOrganizationsFeaturesCommand,
} from "@aws-sdk/client-iam";
import {
  DeregisterDelegatedAdministratorCommand, DescribeOrganizationCommand, DisableAWSServiceAccessCommand, EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand, ListDelegatedAdministratorsCommand, RegisterDelegatedAdministratorCommand,
} from "@aws-sdk/client-organizations";
import { AssumeRootCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { taskPolicyArn } from "./task-policies";
import { activeMembers, control, delegatedClients, errorOf, managementClients } from "./test-helpers";

const IAM = "iam.amazonaws.com";

async function enabledFeatures(sim: AwsSim): Promise<string[]> {
  return (await managementClients(sim).iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures ?? [];
}

describe("set-up from an organization with every feature off", () => {
  let sim: AwsSim;
  beforeAll(async () => {
    sim = await startAwsSim({ accounts: 30, seed: "setup", featuresEnabled: false });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it("walks the documented order: trusted access, both features, then the delegated administrator", async () => {
    const { iam, orgs } = managementClients(sim);
    const early = await errorOf(iam.send(new EnableOrganizationsRootCredentialsManagementCommand({})));
    expect([early.name, early.$metadata.httpStatusCode]).toEqual(["ServiceAccessNotEnabledException", 400]);
    expect((await errorOf(iam.send(new ListOrganizationsFeaturesCommand({})))).name).toBe("ServiceAccessNotEnabledException");

    await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: IAM }));
    expect(await enabledFeatures(sim)).toEqual([]);
    await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    expect((await iam.send(new EnableOrganizationsRootSessionsCommand({}))).EnabledFeatures).toEqual(["RootCredentialsManagement", "RootSessions"]);

    const da = delegatedClients(sim);
    const before = await errorOf(da.iam.send(new ListOrganizationsFeaturesCommand({})));
    expect([before.name, before.$metadata.httpStatusCode]).toEqual(["AccountNotManagementOrDelegatedAdministratorException", 400]);
    await orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: sim.delegatedAdminAccountId, ServicePrincipal: IAM }));
    expect((await da.iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures).toEqual(["RootCredentialsManagement", "RootSessions"]);
  });
});

describe("org set-up errors", () => {
  let sim: AwsSim;
  beforeAll(async () => {
    sim = await startAwsSim({ accounts: 40, seed: "setup-errors" });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it("answers CallerIsNotManagementAccountException to a delegated admin enabling a feature, but lets it disable one (?)", async () => {
    const { iam } = delegatedClients(sim);
    const err = await errorOf(iam.send(new EnableOrganizationsRootSessionsCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["CallerIsNotManagementAccountException", 400]);
    expect((await iam.send(new DisableOrganizationsRootSessionsCommand({}))).EnabledFeatures).toEqual(["RootCredentialsManagement"]);
    sim.setQuirks({ disableFeaturesFrom: "management" });
    expect((await errorOf(iam.send(new DisableOrganizationsRootSessionsCommand({})))).name).toBe("CallerIsNotManagementAccountException");
  });

  it("answers OrganizationNotInAllFeaturesModeException (IAM) and ConstraintViolationException (Organizations) in consolidated-billing mode", async () => {
    expect((await control(sim, "POST", "/_sim/features", { featureSet: "CONSOLIDATED_BILLING" })).status).toBe(200);
    const { iam, orgs } = managementClients(sim);
    expect((await orgs.send(new DescribeOrganizationCommand({}))).Organization!.FeatureSet).toBe("CONSOLIDATED_BILLING");
    for (const call of [iam.send(new ListOrganizationsFeaturesCommand({})), iam.send(new EnableOrganizationsRootSessionsCommand({}))]) {
      const err = await errorOf(call);
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(["OrganizationNotInAllFeaturesModeException", 400]);
    }
    const trusted = await errorOf(orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "ssm.amazonaws.com" })));
    expect([trusted.name, trusted.$metadata.httpStatusCode, trusted.Reason]).toEqual(["ConstraintViolationException", 400, "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"]);
    const register = await errorOf(orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: activeMembers(sim)[0]!.id, ServicePrincipal: IAM })));
    expect([register.name, register.Reason]).toEqual(["ConstraintViolationException", "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"]);
  });

  it("starts in consolidated-billing mode with nothing trusted and nothing delegated", async () => {
    const cb = await startAwsSim({ accounts: 10, seed: "cb", featureSet: "CONSOLIDATED_BILLING" });
    const { orgs } = managementClients(cb);
    expect((await orgs.send(new DescribeOrganizationCommand({}))).Organization!.FeatureSet).toBe("CONSOLIDATED_BILLING");
    expect((await orgs.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals).toEqual([]);
    expect((await orgs.send(new ListDelegatedAdministratorsCommand({}))).DelegatedAdministrators).toEqual([]);
    await cb.close();
  });

  it("disabling trusted access leaves the features recorded but unusable until it is enabled again (?)", async () => {
    const { iam, orgs, sts } = managementClients(sim);
    await orgs.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: IAM }));
    const principals = (await orgs.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals!.map((p) => p.ServicePrincipal);
    expect(principals).not.toContain(IAM);
    const listed = await errorOf(iam.send(new ListOrganizationsFeaturesCommand({})));
    expect([listed.name, listed.$metadata.httpStatusCode]).toEqual(["ServiceAccessNotEnabledException", 400]);
    const member = activeMembers(sim)[0]!.id;
    const assume = await errorOf(sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: { arn: taskPolicyArn("IAMAuditRootUserCredentials") } })));
    expect(assume.name).toBe("AccessDenied");
    await orgs.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: IAM }));
    await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: IAM }));
    expect(await enabledFeatures(sim)).toEqual(["RootCredentialsManagement", "RootSessions"]);
  });

  it("deregisters a delegated administrator, with AccountNotRegisteredException for one that is not", async () => {
    const { orgs } = managementClients(sim);
    await orgs.send(new DeregisterDelegatedAdministratorCommand({ AccountId: sim.delegatedAdminAccountId, ServicePrincipal: IAM }));
    expect((await orgs.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: IAM }))).DelegatedAdministrators).toEqual([]);
    const again = await errorOf(orgs.send(new DeregisterDelegatedAdministratorCommand({ AccountId: sim.delegatedAdminAccountId, ServicePrincipal: IAM })));
    expect([again.name, again.$metadata.httpStatusCode]).toEqual(["AccountNotRegisteredException", 400]);
    const unknown = await errorOf(orgs.send(new DeregisterDelegatedAdministratorCommand({ AccountId: "123456789012", ServicePrincipal: IAM })));
    expect(unknown.name).toBe("AccountNotFoundException");
    const da = await errorOf(delegatedClients(sim).iam.send(new ListOrganizationsFeaturesCommand({})));
    expect(da.name).toBe("AccountNotManagementOrDelegatedAdministratorException");
    // Still a delegated admin for GuardDuty and Security Hub, so Organizations reads work but writes do not.
    const write = await errorOf(delegatedClients(sim).orgs.send(new DeregisterDelegatedAdministratorCommand({ AccountId: sim.delegatedAdminAccountId, ServicePrincipal: "guardduty.amazonaws.com" })));
    expect([write.name, write.$metadata.httpStatusCode]).toEqual(["AccessDeniedException", 400]);
  });

  it("refuses to register a suspended account", async () => {
    const suspended = activeMembers(sim)[0]!;
    expect((await control(sim, "POST", `/_sim/accounts/${suspended.id}/state`, { state: "SUSPENDED" })).status).toBe(200);
    const err = await errorOf(managementClients(sim).orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: suspended.id, ServicePrincipal: IAM })));
    expect([err.name, err.Reason]).toEqual(["ConstraintViolationException", "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR"]);
  });
});
