// The root-credential audit against the simulator through the real SDK: flag-guided reads give the
// same facts as reading everything; errors are safe; helpers classify MFA devices and shorten key ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "@/sim/aws/server";
import { auditRootCredentials, mfaType, shortenKeyId } from "./audit-root-credentials";
import { createAwsContext, type TAwsContext } from "./context";
import { AwsCallError } from "./errors";

describe("auditRootCredentials", () => {
  let sim: AwsSim;
  let aws: TAwsContext;
  beforeAll(async () => {
    sim = await startAwsSim({ accounts: 30, seed: 21 });
    aws = createAwsContext({
      endpoint: sim.endpoint,
      region: sim.region,
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      maxAttempts: 2,
    });
  });
  afterAll(async () => {
    aws?.destroy();
    await sim?.close();
  });

  it("reads the same facts with flag-guided reads as with every read, for every kind of account", async () => {
    const members = [...sim.state.accounts.values()].filter((a) => a.state === "ACTIVE" && a.id !== sim.managementAccountId);
    const profiles = new Set(members.map((a) => a.root.profile));
    expect(profiles.size).toBe(8);
    for (const a of members) {
      const guided = await auditRootCredentials(aws, a.id);
      const all = await auditRootCredentials(aws, a.id, { reads: "all", sequential: true });
      expect(guided).toEqual(all);
      expect(guided.passwordPresent).toBe(a.root.loginProfile !== null);
      expect(guided.accessKeys.length).toBe(a.root.accessKeys.length);
      expect(guided.mfaDevices.map((d) => d.type).sort()).toEqual(a.root.mfaDevices.filter((d) => d.assigned).map((d) => d.kind).sort());
    }
    // Every IAM call ran in a root session scoped to the audit task policy.
    const sessionCalls = sim.calls().filter((c) => c.service === "iam");
    expect(sessionCalls.length).toBeGreaterThan(members.length);
    expect(new Set(sessionCalls.map((c) => c.taskPolicy))).toEqual(new Set(["IAMAuditRootUserCredentials"]));
  });

  it("fails with a safe AwsCallError for the management account and for a denied account", async () => {
    const err = await auditRootCredentials(aws, sim.managementAccountId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({ code: "AccessDenied", operation: "sts:AssumeRoot" });
    expect((err as Error).cause).toBeUndefined();
    await expect(auditRootCredentials(aws, "12")).rejects.toMatchObject({ code: "InvalidInput" });
  });

  it("classifies MFA serials and shortens key ids", () => {
    expect(mfaType("arn:aws:iam::123456789012:mfa/root-account-mfa-device")).toBe("virtual");
    expect(mfaType("GAHT12345678")).toBe("hardware");
    expect(mfaType("arn:aws:iam::123456789012:u2f/root/key-1")).toBe("hardware");
    expect(shortenKeyId("AKIAIOSFODNN7EXAMPLE")).toBe("AKIA…MPLE");
  });
});
