import { describe, expect, it } from "vitest";
import { detectAccountDrift, detectFeatureDrift, type TDriftFacts } from "./detect-drift";

const clean: TDriftFacts = { passwordPresent: false, passwordCreatedAt: null, accessKeys: [], signingCertificates: [], mfaDevices: [], status: "COMPLIANT", failingRules: [] };
const id = "111122223333";

describe("detectAccountDrift", () => {
  it("no change, no drift", () => {
    expect(detectAccountDrift({ accountId: id, previous: clean, current: clean, joinedAfterInventory: false })).toBeNull();
  });

  it("names each added credential; removed ones are no drift", () => {
    const current: TDriftFacts = {
      ...clean,
      passwordPresent: true,
      passwordCreatedAt: "2031-01-01T00:00:00Z",
      accessKeys: [{ accessKeyId: "AKIAABCDEFGHWXYZ" }],
      signingCertificates: [{ certificateId: "CERT0123456789ABCDEF" }],
      mfaDevices: [{ serialNumber: "GAHT12345678" }],
      status: "NON_COMPLIANT",
      failingRules: ["root-password"],
    };
    const d = detectAccountDrift({ accountId: id, previous: clean, current, joinedAfterInventory: false })!;
    expect(d.kind).toBe("CREDENTIAL_ADDED");
    expect(d.changes.sentences).toEqual([
      "password created",
      "access key AKIA…WXYZ added",
      "signing certificate CERT…CDEF added",
      "MFA device GAHT12345678 added",
      "became non-compliant (root-password)",
    ]);
    expect(detectAccountDrift({ accountId: id, previous: current, current: clean, joinedAfterInventory: false })).toBeNull();
  });

  it("a password re-created (new creation date) while one was already there", () => {
    const before = { ...clean, passwordPresent: true, passwordCreatedAt: "2031-01-01T00:00:00Z", status: "NON_COMPLIANT" };
    const after = { ...before, passwordCreatedAt: "2031-02-01T00:00:00Z" };
    expect(detectAccountDrift({ accountId: id, previous: before, current: after, joinedAfterInventory: false })?.changes.sentences).toEqual(["password re-created"]);
  });

  it("non-compliant without a new credential (a rule change)", () => {
    const d = detectAccountDrift({ accountId: id, previous: clean, current: { ...clean, status: "NON_COMPLIANT", failingRules: ["x"] }, joinedAfterInventory: false });
    expect(d).toMatchObject({ kind: "BECAME_NON_COMPLIANT", changes: { sentences: ["became non-compliant (x)"], statusFrom: "COMPLIANT" } });
  });

  it("a first snapshot: drift only for an account that joined after the inventory, with credentials", () => {
    const dirty = { ...clean, passwordPresent: true, status: "NON_COMPLIANT" };
    expect(detectAccountDrift({ accountId: id, previous: null, current: dirty, joinedAfterInventory: false })).toBeNull();
    expect(detectAccountDrift({ accountId: id, previous: null, current: clean, joinedAfterInventory: true })).toBeNull();
    expect(detectAccountDrift({ accountId: id, previous: null, current: dirty, joinedAfterInventory: true })).toMatchObject({
      kind: "JOINED_WITH_CREDENTIALS",
      changes: { sentences: ["joined the organization with root credentials", "password present"] },
    });
  });
});

describe("detectFeatureDrift", () => {
  const on = { trustedAccessIam: true, rootCredentialsManagement: true, rootSessions: true };
  it("on -> off is drift; off -> on, unknown, and the first sync are not", () => {
    expect(detectFeatureDrift(on, { ...on, rootSessions: false, trustedAccessIam: false })?.changes.sentences).toEqual([
      "trusted access for iam.amazonaws.com turned off",
      "RootSessions turned off",
    ]);
    expect(detectFeatureDrift({ ...on, rootSessions: false }, on)).toBeNull();
    expect(detectFeatureDrift({ ...on, rootSessions: null }, { ...on, rootSessions: false })).toBeNull();
    expect(detectFeatureDrift(null, { ...on, rootSessions: false })).toBeNull();
  });
});
