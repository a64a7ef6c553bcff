// Invariants of the one permission catalogue that the rest of the app relies on.
import { describe, expect, it } from "vitest";
import { PERMISSIONS, PERMISSION_NAMES, hasPermission, isPermission, permissionsFor } from "./permissions";
import { ROLES } from "./roles";

describe("permission catalogue", () => {
  it("names every permission resource.verb, with a description and at least one holder", () => {
    for (const name of PERMISSION_NAMES) {
      expect(name).toMatch(/^[a-z]+\.[a-z]+$/);
      expect(PERMISSIONS[name].description.length).toBeGreaterThan(10);
      expect(PERMISSIONS[name].roles.length).toBeGreaterThan(0);
      for (const role of PERMISSIONS[name].roles) expect(ROLES).toContain(role);
    }
  });

  it("has the permissions other modules use, held by the agreed roles", () => {
    const expected: Record<string, string[]> = {
      "accounts.read": ["viewer", "auditor", "operator", "approver", "admin"],
      "scans.start": ["operator", "admin"],
      "audit.read": ["auditor", "admin"],
      "reports.export": ["auditor", "admin"],
      "tasks.request": ["operator", "admin"],
      "tasks.breakglass": ["admin"],
      "tasks.approve": ["approver"],
      "settings.read": ["admin"],
      "settings.write": ["admin"],
      "users.read": ["admin"],
      "org.setup": ["admin"],
    };
    for (const [name, roles] of Object.entries(expected)) {
      expect(isPermission(name)).toBe(true);
      if (isPermission(name)) expect([...PERMISSIONS[name].roles].sort()).toEqual([...roles].sort());
    }
  });

  it("gives every role something to see, and the auditor everything the viewer has", () => {
    for (const role of ROLES) expect(hasPermission([role], "accounts.read")).toBe(true);
    for (const p of permissionsFor(["viewer"])) expect(hasPermission(["auditor"], p)).toBe(true);
  });

  it("keeps requesting and approving privileged tasks apart", () => {
    const both = PERMISSION_NAMES.filter((p) => hasPermission(["operator"], p) && hasPermission(["approver"], p));
    expect(both).not.toContain("tasks.request");
    expect(both).not.toContain("tasks.approve");
    expect(hasPermission(["admin"], "tasks.approve")).toBe(false);
  });

  it("grants nothing without roles, and the union for several roles", () => {
    expect(permissionsFor([])).toEqual([]);
    expect(PERMISSION_NAMES.some((p) => hasPermission([], p))).toBe(false);
    const ops = permissionsFor(["operator", "approver"]);
    expect(ops).toContain("tasks.request");
    expect(ops).toContain("tasks.approve");
    expect(ops).toContain("scans.start");
  });

  it("rejects names outside the catalogue", () => {
    expect(isPermission("accounts.write")).toBe(false);
    expect(isPermission("toString")).toBe(false);
  });
});
