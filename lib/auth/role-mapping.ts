// Turns the IdP's groups claim into Rootwarden roles using ROLE_GROUPS
// ("admin:platform-admins,approver:sec-approvers|risk-approvers,..."). Pure: no env, no I/O.
import { ROLES, isRole, type TRole } from "./roles";

export type TRoleGroups = Record<TRole, readonly string[]>;

export class RoleGroupsError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `ROLE_GROUPS is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `Write it as role:group pairs, comma-separated; several groups for one role with "|", ` +
        `e.g. ROLE_GROUPS=admin:platform-admins,approver:sec-approvers|risk-approvers,viewer:security. ` +
        `Roles: ${ROLES.join(", ")}.`,
    );
    this.name = "RoleGroupsError";
  }
}

/**
 * Parses ROLE_GROUPS. A role may appear several times (its groups add up); whitespace and newlines
 * around entries are ignored. Group names are matched exactly (case-sensitive), as IdPs send them.
 */
export function parseRoleGroups(spec: string): TRoleGroups {
  const mapping: Record<TRole, string[]> = { viewer: [], auditor: [], operator: [], approver: [], admin: [] };
  const problems: string[] = [];
  const entries = spec
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== "");
  for (const entry of entries) {
    // Split on the first colon only: group names (e.g. Keycloak paths, URNs) may contain colons.
    const colon = entry.indexOf(":");
    if (colon < 0) {
      problems.push(`"${entry}" has no ":" (expected role:group)`);
      continue;
    }
    const role = entry.slice(0, colon).trim();
    const groups = entry
      .slice(colon + 1)
      .split("|")
      .map((g) => g.trim());
    if (!isRole(role)) {
      problems.push(`"${role}" in "${entry}" is not a role (roles: ${ROLES.join(", ")})`);
      continue;
    }
    if (groups.some((g) => g === "")) {
      problems.push(`"${entry}" names an empty group`);
      continue;
    }
    for (const group of groups) if (!mapping[role].includes(group)) mapping[role].push(group);
  }
  if (problems.length > 0) throw new RoleGroupsError(problems);
  return mapping;
}

/**
 * Reads a groups claim as IdPs send it: an array of strings (Okta, Entra ID, Keycloak), a single
 * string (one group, or a claim like Google's "hd" used as a group), or missing. Anything else
 * yields no groups rather than an error, so a malformed claim can only take access away.
 */
export function groupsFromClaim(value: unknown): string[] {
  const raw = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  const groups: string[] = [];
  for (const item of raw) {
    if (typeof item !== "string") continue;
    const group = item.trim();
    if (group !== "" && !groups.includes(group)) groups.push(group);
  }
  return groups;
}

/** The roles the groups grant, in catalogue order, each once. Unknown groups grant nothing. */
export function rolesForGroups(groups: readonly string[], mapping: TRoleGroups): TRole[] {
  return ROLES.filter((role) => mapping[role].some((group) => groups.includes(group)));
}

/** ROLE_GROUPS written back in its canonical form (for the Settings page). */
export function formatRoleGroups(mapping: TRoleGroups): string {
  return ROLES.filter((role) => mapping[role].length > 0)
    .map((role) => `${role}:${mapping[role].join("|")}`)
    .join(",");
}
