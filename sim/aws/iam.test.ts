// IAM through the real SDK: org root-access features, the root user's credential calls, pagination and task-policy limits.
import {
  CreateLoginProfileCommand, DeactivateMFADeviceCommand, DeleteAccessKeyCommand, DeleteLoginProfileCommand, DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand, DisableOrganizationsRootCredentialsManagementCommand, DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand, EnableOrganizationsRootSessionsCommand, GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand, GetLoginProfileCommand, GetUserCommand, ListAccessKeysCommand, ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand, ListSigningCertificatesCommand, paginateListAccessKeys,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { IAM_SERVICE_PRINCIPAL, hasRootCredentials, type SimAccount } from "./state";
import { activeMembers, delegatedClients, errorOf, managementClients, rootSession } from "./test-helpers";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 80, seed: "iam" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const dirty = (): SimAccount => activeMembers(sim, (a) => a.root.profile === "everything")[0]!;
const clean = (): SimAccount => activeMembers(sim, (a) => !hasRootCredentials(a))[0]!;

describe("organization features", () => {
  it("lists, disables and enables both features from the management account", async () => {
    const { iam } = managementClients(sim);
    expect(await iam.send(new ListOrganizationsFeaturesCommand({}))).toMatchObject({ OrganizationId: sim.organizationId, EnabledFeatures: ["RootCredentialsManagement", "RootSessions"] });
    expect((await iam.send(new DisableOrganizationsRootSessionsCommand({}))).EnabledFeatures).toEqual(["RootCredentialsManagement"]);
    expect((await iam.send(new DisableOrganizationsRootCredentialsManagementCommand({}))).EnabledFeatures ?? []).toEqual([]);
    expect((await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}))).EnabledFeatures).toEqual(["RootCredentialsManagement"]);
    expect((await iam.send(new EnableOrganizationsRootSessionsCommand({}))).EnabledFeatures).toEqual(["RootCredentialsManagement", "RootSessions"]);
  });

  it("needs trusted access for IAM first", async () => {
    sim.state.trustedAccess.delete(IAM_SERVICE_PRINCIPAL);
    const err = await errorOf(managementClients(sim).iam.send(new EnableOrganizationsRootSessionsCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["ServiceAccessNotEnabledException", 400]);
  });

  it("lets the delegated admin list but not enable; other accounts get AccountNotManagementOrDelegatedAdministratorException", async () => {
    const { iam } = delegatedClients(sim);
    expect((await iam.send(new ListOrganizationsFeaturesCommand({}))).OrganizationId).toBe(sim.organizationId);
    expect((await errorOf(iam.send(new EnableOrganizationsRootSessionsCommand({})))).name).toBe("CallerIsNotManagementAccountException");
    sim.state.delegatedAdmins.get(sim.delegatedAdminAccountId)!.delete(IAM_SERVICE_PRINCIPAL);
    expect((await errorOf(iam.send(new ListOrganizationsFeaturesCommand({})))).name).toBe("AccountNotManagementOrDelegatedAdministratorException");
  });

  it("denies root sessions", async () => {
    const session = await rootSession(sim, clean().id, "IAMAuditRootUserCredentials");
    expect((await errorOf(session.iam.send(new ListOrganizationsFeaturesCommand({})))).name).toBe("AccessDenied");
  });
});

describe("root user inventory (IAMAuditRootUserCredentials)", () => {
  it("reads every kind of root credential of a dirty account", async () => {
    const account = dirty();
    const { iam } = await rootSession(sim, account.id, "IAMAuditRootUserCredentials");
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(summary).toMatchObject({ AccountPasswordPresent: 1, AccountAccessKeysPresent: 1, AccountSigningCertificatesPresent: 1, AccountMFAEnabled: 1 });
    const user = (await iam.send(new GetUserCommand({}))).User!;
    expect(user.Arn).toBe(`arn:aws:iam::${account.id}:root`);
    expect(user.UserId).toBe(account.id);
    expect((await iam.send(new GetLoginProfileCommand({}))).LoginProfile?.CreateDate).toBeInstanceOf(Date);
    const keys = (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!;
    expect(keys.map((k) => k.AccessKeyId)).toEqual(account.root.accessKeys.map((k) => k.accessKeyId));
    for (const key of account.root.accessKeys) {
      const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      expect(used.AccessKeyLastUsed?.ServiceName).toBe(key.lastUsed?.serviceName ?? "N/A");
      expect(used.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBe(key.lastUsed ? Math.floor(key.lastUsed.date / 1000) * 1000 : undefined);
    }
    const certs = (await iam.send(new ListSigningCertificatesCommand({}))).Certificates!;
    expect(certs.map((c) => c.CertificateId)).toEqual(account.root.signingCertificates.map((c) => c.certificateId));
    const mfa = (await iam.send(new ListMFADevicesCommand({}))).MFADevices!;
    expect(mfa).toHaveLength(1);
    expect(mfa[0]!.SerialNumber).not.toMatch(/^arn:/);
  });

  it("shows a clean account as clean: NoSuchEntity for the password, empty lists, zero flags", async () => {
    const { iam } = await rootSession(sim, clean().id, "IAMAuditRootUserCredentials");
    const err = await errorOf(iam.send(new GetLoginProfileCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["NoSuchEntityException", 404]);
    expect((await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toEqual([]);
    expect((await iam.send(new ListMFADevicesCommand({}))).MFADevices).toEqual([]);
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect([summary.AccountPasswordPresent, summary.AccountAccessKeysPresent, summary.AccountMFAEnabled, summary.AccountSigningCertificatesPresent]).toEqual([0, 0, 0, 0]);
  });

  it("names virtual MFA devices by ARN", async () => {
    const account = activeMembers(sim, (a) => a.root.profile === "password-virtual-mfa")[0]!;
    const { iam } = await rootSession(sim, account.id, "IAMAuditRootUserCredentials");
    expect((await iam.send(new ListMFADevicesCommand({}))).MFADevices![0]!.SerialNumber).toBe(`arn:aws:iam::${account.id}:mfa/root-account-mfa-device`);
  });

  it("paginates with Marker / MaxItems / IsTruncated", async () => {
    const account = clean();
    const res = await fetch(`${sim.endpoint}/_sim/accounts/${account.id}/credentials`, { method: "POST", body: JSON.stringify({ accessKeys: 2, signingCertificates: 2, mfa: ["virtual", "hardware"] }) });
    expect(res.status).toBe(200);
    const { iam } = await rootSession(sim, account.id, "IAMAuditRootUserCredentials");
    const first = await iam.send(new ListAccessKeysCommand({ MaxItems: 1 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toBeTruthy();
    const second = await iam.send(new ListAccessKeysCommand({ MaxItems: 1, Marker: first.Marker }));
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    expect(new Set([first.AccessKeyMetadata![0]!.AccessKeyId, second.AccessKeyMetadata![0]!.AccessKeyId]).size).toBe(2);
    const viaPaginator: string[] = [];
    for await (const page of paginateListAccessKeys({ client: iam, pageSize: 1 }, {})) viaPaginator.push(...page.AccessKeyMetadata!.map((k) => k.AccessKeyId!));
    expect(viaPaginator).toHaveLength(2);
    const certs = await iam.send(new ListSigningCertificatesCommand({ MaxItems: 1 }));
    expect(certs.IsTruncated).toBe(true);
    const mfa = await iam.send(new ListMFADevicesCommand({ MaxItems: 1 }));
    expect(mfa.IsTruncated).toBe(true);
    expect((await errorOf(iam.send(new ListAccessKeysCommand({ Marker: "bogus" })))).$metadata.httpStatusCode).toBe(400);
  });
});

describe("task-policy enforcement", () => {
  it("denies DeleteLoginProfile in an audit session", async () => {
    const { iam } = await rootSession(sim, dirty().id, "IAMAuditRootUserCredentials");
    const err = await errorOf(iam.send(new DeleteLoginProfileCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["AccessDenied", 403]);
  });

  it("denies GetAccountSummary in delete and create-password sessions", async () => {
    for (const policy of ["IAMDeleteRootUserCredentials", "IAMCreateRootUserPassword"] as const) {
      const { iam } = await rootSession(sim, dirty().id, policy);
      expect((await errorOf(iam.send(new GetAccountSummaryCommand({})))).name).toBe("AccessDenied");
    }
  });

  it("denies naming a user inside a root session", async () => {
    const { iam } = await rootSession(sim, dirty().id, "IAMAuditRootUserCredentials");
    expect((await errorOf(iam.send(new ListAccessKeysCommand({ UserName: "admin" })))).name).toBe("AccessDenied");
  });

  it("keeps an S3 unlock session out of IAM", async () => {
    const { iam } = await rootSession(sim, dirty().id, "S3UnlockBucketPolicy");
    expect((await errorOf(iam.send(new ListAccessKeysCommand({})))).name).toBe("AccessDenied");
    expect((await errorOf(iam.send(new GetUserCommand({})))).name).toBe("AccessDenied");
  });
});

describe("removing root credentials (IAMDeleteRootUserCredentials)", () => {
  it("deletes password, keys, certificates and MFA until the account is clean", async () => {
    const account = activeMembers(sim, (a) => a.root.profile === "everything")[0]!;
    await fetch(`${sim.endpoint}/_sim/accounts/${account.id}/credentials`, { method: "POST", body: JSON.stringify({ mfa: ["virtual", "hardware"] }) });
    const { iam } = await rootSession(sim, account.id, "IAMDeleteRootUserCredentials");
    await iam.send(new DeleteLoginProfileCommand({}));
    for (const key of (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!) await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId }));
    for (const cert of (await iam.send(new ListSigningCertificatesCommand({}))).Certificates!) await iam.send(new DeleteSigningCertificateCommand({ CertificateId: cert.CertificateId }));
    const devices = (await iam.send(new ListMFADevicesCommand({}))).MFADevices!;
    expect(devices).toHaveLength(2);
    const virtual = devices.find((d) => d.SerialNumber!.startsWith("arn:"))!;
    const conflict = await errorOf(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: virtual.SerialNumber })));
    expect([conflict.name, conflict.$metadata.httpStatusCode]).toEqual(["DeleteConflictException", 409]);
    for (const d of devices) await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: d.SerialNumber }));
    await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: virtual.SerialNumber }));
    expect(hasRootCredentials(sim.state.accounts.get(account.id)!)).toBe(false);
    expect((await iam.send(new ListMFADevicesCommand({}))).MFADevices).toEqual([]);
  });

  it("answers NoSuchEntity (404) for credentials that are not there", async () => {
    const { iam } = await rootSession(sim, clean().id, "IAMDeleteRootUserCredentials");
    for (const call of [
      () => iam.send(new DeleteLoginProfileCommand({})),
      () => iam.send(new DeleteAccessKeyCommand({ AccessKeyId: "AKIAAAAAAAAAAAAAAAAA" })),
      () => iam.send(new DeleteSigningCertificateCommand({ CertificateId: "NOPE" })),
      () => iam.send(new DeactivateMFADeviceCommand({ SerialNumber: "GAHT00000000" })),
      () => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: "arn:aws:iam::123456789012:mfa/x" })),
    ]) {
      const err = await errorOf(call());
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(["NoSuchEntityException", 404]);
    }
  });
});

describe("password recovery (IAMCreateRootUserPassword)", () => {
  it("creates a login profile without a password, then EntityAlreadyExists", async () => {
    const account = clean();
    const { iam } = await rootSession(sim, account.id, "IAMCreateRootUserPassword");
    const created = await iam.send(new CreateLoginProfileCommand({}));
    expect(created.LoginProfile?.CreateDate).toBeInstanceOf(Date);
    expect((await iam.send(new GetLoginProfileCommand({}))).LoginProfile).toBeDefined();
    const err = await errorOf(iam.send(new CreateLoginProfileCommand({})));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["EntityAlreadyExistsException", 409]);
    expect((await errorOf(iam.send(new ListAccessKeysCommand({})))).name).toBe("AccessDenied");
  });
});

describe("management credentials", () => {
  it("see the management account's own IAM, not a member's root", async () => {
    const { iam } = managementClients(sim);
    const user = (await iam.send(new GetUserCommand({}))).User!;
    expect(user.Arn).toBe(`arn:aws:iam::${sim.managementAccountId}:user/rootwarden-sim`);
    const keys = (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!;
    expect(keys.map((k) => k.AccessKeyId)).toEqual([sim.accessKeyId]);
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    const mgmt = sim.state.accounts.get(sim.managementAccountId)!;
    expect(summary.AccountPasswordPresent).toBe(mgmt.root.loginProfile ? 1 : 0);
    expect((await errorOf(iam.send(new GetLoginProfileCommand({})))).name).toBe("NoSuchEntityException");
  });
});
