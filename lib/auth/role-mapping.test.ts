// ROLE_GROUPS parsing and group -> role mapping: unknown groups, several roles, empty or odd claims.
import { describe, expect, it } from "vitest";
import { RoleGroupsError, formatRoleGroups, groupsFromClaim, parseRoleGroups, rolesForGroups } from "./role-mapping";

const MAPPING = parseRoleGroups(
  "admin:platform-admins, approver:sec-approvers|risk-approvers,operator:cloud-ops,viewer:security,auditor:audit",
);

describe("parseRoleGroups", () => {
  it("reads role:group pairs with several groups per role and whitespace", () => {
    expect(MAPPING).toEqual({
      viewer: ["security"],
      auditor: ["audit"],
      operator: ["cloud-ops"],
      approver: ["sec-approvers", "risk-approvers"],
      admin: ["platform-admins"],
    });
  });

  it("adds up repeated roles and ignores duplicates and blank entries", () => {
    expect(parseRoleGroups("admin:a,\nadmin:b|a,,  ").admin).toEqual(["a", "b"]);
  });

  it("keeps colons inside group names (URNs, paths)", () => {
    expect(parseRoleGroups("viewer:urn:example:group:sec").viewer).toEqual(["urn:example:group:sec"]);
  });

  it("treats an empty ROLE_GROUPS as no mapping at all", () => {
    const empty = parseRoleGroups("");
    expect(rolesForGroups(["anything"], empty)).toEqual([]);
    expect(formatRoleGroups(empty)).toBe("");
  });

  it("names every problem in one error", () => {
    let error: unknown;
    try {
      parseRoleGroups("superuser:root,admin,viewer:a||b");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RoleGroupsError);
    const problems = (error as RoleGroupsError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/"superuser" .* is not a role/);
    expect(problems[1]).toMatch(/"admin" has no ":"/);
    expect(problems[2]).toMatch(/empty group/);
    expect((error as Error).message).toMatch(/ROLE_GROUPS=admin:platform-admins/);
  });

  it("round-trips through formatRoleGroups", () => {
    expect(parseRoleGroups(formatRoleGroups(MAPPING))).toEqual(MAPPING);
  });
});

describe("groupsFromClaim", () => {
  it("reads an array of strings, trimming and de-duplicating", () => {
    expect(groupsFromClaim(["a", " b ", "a", ""])).toEqual(["a", "b"]);
  });
  it("reads a single string as one group", () => {
    expect(groupsFromClaim("security")).toEqual(["security"]);
  });
  it.each([[undefined], [null], [42], [{ groups: ["a"] }], [[]], [""]])("yields no groups for %j", (value) => {
    expect(groupsFromClaim(value)).toEqual([]);
  });
  it("skips non-string entries instead of failing", () => {
    expect(groupsFromClaim(["a", 1, null, { name: "b" }])).toEqual(["a"]);
  });
});

describe("rolesForGroups", () => {
  it("grants nothing for unknown groups", () => {
    expect(rolesForGroups(["everyone", "Security"], MAPPING)).toEqual([]);
  });
  it("grants several roles, in catalogue order, each once", () => {
    expect(rolesForGroups(["risk-approvers", "cloud-ops", "sec-approvers", "unrelated"], MAPPING)).toEqual([
      "operator",
      "approver",
    ]);
  });
  it("grants nothing for an empty claim", () => {
    expect(rolesForGroups(groupsFromClaim(undefined), MAPPING)).toEqual([]);
  });
  it("matches group names exactly (case-sensitive)", () => {
    expect(rolesForGroups(["Platform-Admins"], MAPPING)).toEqual([]);
    expect(rolesForGroups(["platform-admins"], MAPPING)).toEqual(["admin"]);
  });
});
