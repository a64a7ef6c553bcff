// Organizations through the real SDK: tree walking, pagination limits and tokens, trusted access and delegated admins.
import {
  DescribeAccountCommand, DescribeOrganizationalUnitCommand, DescribeOrganizationCommand, EnableAWSServiceAccessCommand,
  ListAccountsCommand, ListAccountsForParentCommand, ListAWSServiceAccessForOrganizationCommand, ListChildrenCommand,
  ListDelegatedAdministratorsCommand, ListParentsCommand, ListRootsCommand,
  RegisterDelegatedAdministratorCommand, paginateListAccounts, paginateListAccountsForParent, paginateListOrganizationalUnitsForParent,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { activeMembers, delegatedClients, errorOf, managementClients, rootSession } from "./test-helpers";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 400, seed: "orgs" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function walkTree(orgs: OrganizationsClient): Promise<{ accounts: string[]; ous: number; maxDepth: number }> {
  const rootId = (await orgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const accounts: string[] = [];
  let ous = 0;
  let maxDepth = 0;
  const visit = async (parentId: string, depth: number): Promise<void> => {
    maxDepth = Math.max(maxDepth, depth);
    for await (const page of paginateListAccountsForParent({ client: orgs }, { ParentId: parentId })) accounts.push(...page.Accounts!.map((a) => a.Id!));
    for await (const page of paginateListOrganizationalUnitsForParent({ client: orgs }, { ParentId: parentId })) {
      for (const ou of page.OrganizationalUnits!) {
        ous++;
        await visit(ou.Id!, depth + 1);
      }
    }
  };
  await visit(rootId, 0);
  return { accounts, ous, maxDepth };
}

describe("reading the organization", () => {
  it("describes the organization and its root", async () => {
    const { orgs } = managementClients(sim);
    const org = (await orgs.send(new DescribeOrganizationCommand({}))).Organization!;
    expect(org).toMatchObject({ Id: sim.organizationId, FeatureSet: "ALL", MasterAccountId: sim.managementAccountId });
    const roots = (await orgs.send(new ListRootsCommand({}))).Roots!;
    expect(roots).toHaveLength(1);
    expect(roots[0]!.Id).toMatch(/^r-[a-z0-9]{4}$/);
  });

  it("lists every account exactly once, in pages of at most 20", async () => {
    const { orgs } = managementClients(sim);
    const ids: string[] = [];
    for await (const page of paginateListAccounts({ client: orgs }, {})) {
      expect(page.Accounts!.length).toBeLessThanOrEqual(20);
      ids.push(...page.Accounts!.map((a) => a.Id!));
    }
    expect(ids).toHaveLength(400);
    expect(new Set(ids).size).toBe(400);
  });

  it("walks the OU tree (nested up to 5 levels) and reaches every account once", async () => {
    const tree = await walkTree(managementClients(sim).orgs);
    expect(new Set(tree.accounts).size).toBe(400);
    expect(tree.accounts).toHaveLength(400);
    expect(tree.ous).toBe(sim.state.ous.size);
    expect(tree.maxDepth).toBe(5);
  });

  it("renders accounts with State, Status, epoch-second timestamps and Paths", async () => {
    const { orgs } = managementClients(sim);
    const suspended = sim.state.accountIds.map((id) => sim.state.accounts.get(id)!).find((a) => a.state === "SUSPENDED")!;
    const account = (await orgs.send(new DescribeAccountCommand({ AccountId: suspended.id }))).Account!;
    expect(account).toMatchObject({ Id: suspended.id, State: "SUSPENDED", Status: "SUSPENDED", Name: suspended.name });
    expect(account.JoinedTimestamp).toBeInstanceOf(Date);
    expect(account.JoinedTimestamp!.getTime()).toBe(suspended.joinedTimestamp);
    expect(account.Paths![0]).toMatch(new RegExp(`^${sim.organizationId}/r-[a-z0-9]{4}/(ou-[a-z0-9-]+/)*${suspended.id}/$`));
  });

  it("lists children and parents, and describes OUs", async () => {
    const { orgs } = managementClients(sim);
    const rootId = sim.state.root.id;
    const ouChildren = (await orgs.send(new ListChildrenCommand({ ParentId: rootId, ChildType: "ORGANIZATIONAL_UNIT" }))).Children!;
    expect(ouChildren.map((c) => c.Type)).toEqual(ouChildren.map(() => "ORGANIZATIONAL_UNIT"));
    const ou = (await orgs.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: ouChildren[0]!.Id! }))).OrganizationalUnit!;
    expect(ou.Name).toBe("Security");
    const accountChildren = (await orgs.send(new ListChildrenCommand({ ParentId: ou.Id!, ChildType: "ACCOUNT" }))).Children!;
    expect(accountChildren[0]).toEqual({ Id: sim.delegatedAdminAccountId, Type: "ACCOUNT" });
    expect((await orgs.send(new ListParentsCommand({ ChildId: ou.Id! }))).Parents).toEqual([{ Id: rootId, Type: "ROOT" }]);
    expect((await orgs.send(new ListParentsCommand({ ChildId: sim.delegatedAdminAccountId }))).Parents).toEqual([{ Id: ou.Id, Type: "ORGANIZATIONAL_UNIT" }]);
  });

  it("answers not-found errors with the real exception names", async () => {
    const { orgs } = managementClients(sim);
    expect((await errorOf(orgs.send(new ListAccountsForParentCommand({ ParentId: "ou-zzzz-zzzzzzzz" })))).name).toBe("ParentNotFoundException");
    expect((await errorOf(orgs.send(new DescribeAccountCommand({ AccountId: "123456789012" })))).name).toBe("AccountNotFoundException");
    expect((await errorOf(orgs.send(new ListParentsCommand({ ChildId: "123456789012" })))).name).toBe("ChildNotFoundException");
    expect((await errorOf(orgs.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: "ou-zzzz-zzzzzzzz" })))).name).toBe("OrganizationalUnitNotFoundException");
  });
});

describe("pagination rules", () => {
  it("rejects MaxResults over 20 (or clamps it when the quirk says so)", async () => {
    const { orgs } = managementClients(sim);
    const err = await errorOf(orgs.send(new ListAccountsCommand({ MaxResults: 21 })));
    expect([err.name, err.$metadata.httpStatusCode, err.Reason]).toEqual(["InvalidInputException", 400, "MAX_VALUE_EXCEEDED"]);
    sim.setQuirks({ orgsMaxResultsOver20: "clamp" });
    expect((await orgs.send(new ListAccountsCommand({ MaxResults: 100 }))).Accounts).toHaveLength(20);
  });

  it("honours smaller MaxResults and rejects foreign or forged tokens", async () => {
    const { orgs } = managementClients(sim);
    const page = await orgs.send(new ListAccountsCommand({ MaxResults: 3 }));
    expect(page.Accounts).toHaveLength(3);
    const next = await orgs.send(new ListAccountsCommand({ MaxResults: 3, NextToken: page.NextToken }));
    expect(next.Accounts![0]!.Id).not.toBe(page.Accounts![0]!.Id);
    const foreign = await errorOf(orgs.send(new ListAccountsForParentCommand({ ParentId: sim.state.root.id, NextToken: page.NextToken })));
    expect([foreign.name, foreign.Reason]).toEqual(["InvalidInputException", "INVALID_PAGINATION_TOKEN"]);
    expect((await errorOf(orgs.send(new ListAccountsCommand({ NextToken: "garbage" })))).name).toBe("InvalidInputException");
  });

  it("can return empty pages that still carry a NextToken", async () => {
    sim.setQuirks({ orgsEmptyPageEvery: 2 });
    const { orgs } = managementClients(sim);
    const ids: string[] = [];
    let empty = 0;
    for await (const page of paginateListAccounts({ client: orgs }, {})) {
      if (page.Accounts!.length === 0) {
        empty++;
        expect(page.NextToken).toBeTruthy();
      }
      ids.push(...page.Accounts!.map((a) => a.Id!));
    }
    expect(empty).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(400);
  });
});

describe("trusted access and delegated administrators", () => {
  it("enables trusted access for IAM and registers a delegated administrator", async () => {
    const fresh = await startAwsSim({ accounts: 40, seed: "orgs-setup", featuresEnabled: false });
    const { orgs } = managementClients(fresh);
    const before = (await orgs.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals!.map((p) => p.ServicePrincipal);
    expect(before).not.toContain("iam.amazonaws.com");
    await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" }));
    const after = (await orgs.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals!;
    expect(after.find((p) => p.ServicePrincipal === "iam.amazonaws.com")?.DateEnabled).toBeInstanceOf(Date);
    expect((await orgs.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: "iam.amazonaws.com" }))).DelegatedAdministrators).toEqual([]);
    await orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: fresh.delegatedAdminAccountId, ServicePrincipal: "iam.amazonaws.com" }));
    const admins = (await orgs.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: "iam.amazonaws.com" }))).DelegatedAdministrators!;
    expect(admins.map((a) => a.Id)).toEqual([fresh.delegatedAdminAccountId]);
    const again = await errorOf(orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: fresh.delegatedAdminAccountId, ServicePrincipal: "iam.amazonaws.com" })));
    expect(again.name).toBe("AccountAlreadyRegisteredException");
    const mgmt = await errorOf(orgs.send(new RegisterDelegatedAdministratorCommand({ AccountId: fresh.managementAccountId, ServicePrincipal: "iam.amazonaws.com" })));
    expect(mgmt.name).toBe("ConstraintViolationException");
    await fresh.close();
  });

  it("lets a delegated admin read but not write, and keeps root sessions out", async () => {
    const { orgs } = delegatedClients(sim);
    expect((await orgs.send(new ListAccountsCommand({}))).Accounts!.length).toBeGreaterThan(0);
    const write = await errorOf(orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "iam.amazonaws.com" })));
    expect([write.name, write.$metadata.httpStatusCode]).toEqual(["AccessDeniedException", 400]);
    const session = await rootSession(sim, activeMembers(sim)[0]!.id, "IAMAuditRootUserCredentials");
    expect((await errorOf(session.orgs.send(new ListAccountsCommand({})))).name).toBe("AccessDeniedException");
  });
});
