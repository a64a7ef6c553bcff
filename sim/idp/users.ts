// The dev IdP's demo people: one per role, one with two roles, one with none. Password "demo" for all.
// The groups are what a real IdP would send; Rootwarden turns them into roles via ROLE_GROUPS.

export type TDemoUser = {
  username: string;
  subject: string;
  name: string;
  email: string;
  groups: string[];
  /** What the user is for in the demo, shown on the login forms. */
  description: string;
};

export const DEMO_PASSWORD = "demo";

export const DEMO_GROUPS = {
  viewer: "rootwarden-viewers",
  auditor: "rootwarden-auditors",
  operator: "rootwarden-operators",
  approver: "rootwarden-approvers",
  admin: "rootwarden-admins",
} as const;

/** ROLE_GROUPS for an app signing in through the dev IdP. */
export const DEMO_ROLE_GROUPS = Object.entries(DEMO_GROUPS)
  .map(([role, group]) => `${role}:${group}`)
  .join(",");

const STAFF = "all-staff"; // in everyone's claim and mapped to nothing: unknown groups grant no role

function user(username: string, name: string, groups: string[], description: string): TDemoUser {
  return {
    username,
    subject: `demo-${username}`,
    name,
    email: `${username}@rootwarden.example`,
    groups: [STAFF, ...groups],
    description,
  };
}

export const DEMO_USERS: readonly TDemoUser[] = [
  user("viewer", "Vera Viewer", [DEMO_GROUPS.viewer], "viewer: browse compliance"),
  user("auditor", "Aldo Auditor", [DEMO_GROUPS.auditor], "auditor: viewer + audit log + exports"),
  user("operator", "Olga Operator", [DEMO_GROUPS.operator], "operator: start scans, request privileged tasks"),
  user("approver", "April Approver", [DEMO_GROUPS.approver], "approver: approve or reject others' requests"),
  user("admin", "Ada Admin", [DEMO_GROUPS.admin], "admin: settings and organization set-up"),
  user("opsapprover", "Otto Opsapprover", [DEMO_GROUPS.operator, DEMO_GROUPS.approver], "operator and approver"),
  user("norole", "Nora Norole", [], "in no mapped group: sees the no-access page"),
];

export function findDemoUser(username: string): TDemoUser | undefined {
  return DEMO_USERS.find((u) => u.username === username);
}
