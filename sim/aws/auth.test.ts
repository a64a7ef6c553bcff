// SigV4 and credential checks in every protocol's own error envelope, plus unknown operations answering like AWS.
import { GetCallerIdentityCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { GetAccountSummaryCommand, ListAccessKeysCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { ListAccountsCommand, ListPoliciesCommand } from "@aws-sdk/client-organizations";
import { GetBucketVersioningCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { ListQueuesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { activeMembers, clientsFor, errorOf, managementClients, rootSession } from "./test-helpers";

let sim: AwsSim;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 30, seed: "auth" });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

// One call per protocol, each answered with that protocol's real names for the same failure.
const probes = (c: ReturnType<typeof clientsFor>) => ({
  sts: () => c.sts.send(new GetCallerIdentityCommand({})),
  iam: () => c.iam.send(new GetAccountSummaryCommand({})),
  organizations: () => c.orgs.send(new ListAccountsCommand({})),
  s3: () => c.s3.send(new ListBucketsCommand({})),
  sqs: () => c.sqs.send(new ListQueuesCommand({})),
});

describe("signature verification", () => {
  it("accepts the SDK's SigV4 header signing on every protocol", async () => {
    for (const call of Object.values(probes(managementClients(sim)))) await expect(call()).resolves.toBeDefined();
  });

  it("rejects a wrong secret with SignatureDoesNotMatch (InvalidSignatureException in Organizations)", async () => {
    const p = probes(clientsFor(sim, { accessKeyId: sim.accessKeyId, secretAccessKey: "x".repeat(40) }));
    const expected = { sts: ["SignatureDoesNotMatch", 403], iam: ["SignatureDoesNotMatch", 403], organizations: ["InvalidSignatureException", 400], s3: ["SignatureDoesNotMatch", 403], sqs: ["SignatureDoesNotMatch", 403] } as const;
    for (const [service, call] of Object.entries(p)) {
      const err = await errorOf(call());
      expect([service, err.name, err.$metadata.httpStatusCode]).toEqual([service, ...expected[service as keyof typeof expected]]);
    }
  });

  it("rejects an unknown access key with InvalidClientTokenId (UnrecognizedClientException / InvalidAccessKeyId)", async () => {
    const p = probes(clientsFor(sim, { accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "y".repeat(40) }));
    const expected = { sts: ["InvalidClientTokenId", 403], iam: ["InvalidClientTokenId", 403], organizations: ["UnrecognizedClientException", 400], s3: ["InvalidAccessKeyId", 403], sqs: ["InvalidClientTokenId", 403] } as const;
    for (const [service, call] of Object.entries(p)) {
      const err = await errorOf(call());
      expect([service, err.name, err.$metadata.httpStatusCode]).toEqual([service, ...expected[service as keyof typeof expected]]);
    }
  });

  it("rejects a session key with a wrong session token", async () => {
    const session = await rootSession(sim, activeMembers(sim)[0]!.id, "IAMAuditRootUserCredentials");
    const c = clientsFor(sim, { ...session.creds, sessionToken: "forged" });
    expect((await errorOf(c.iam.send(new ListAccessKeysCommand({})))).name).toBe("InvalidClientTokenId");
  });

  it("rejects unsigned requests", async () => {
    const res = await fetch(`${sim.endpoint}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=GetCallerIdentity&Version=2011-06-15" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });
});

describe("session expiry", () => {
  it("answers ExpiredToken once a root session has expired (ExpiredTokenException in Organizations)", async () => {
    const session = await rootSession(sim, activeMembers(sim)[0]!.id, "IAMAuditRootUserCredentials", 60);
    await expect(session.iam.send(new ListAccessKeysCommand({}))).resolves.toBeDefined();
    sim.advanceClock(61);
    const p = probes(session);
    const expected = { sts: ["ExpiredToken", 403], iam: ["ExpiredToken", 403], organizations: ["ExpiredTokenException", 400], s3: ["ExpiredToken", 400], sqs: ["ExpiredToken", 403] } as const;
    for (const [service, call] of Object.entries(p)) {
      const err = await errorOf(call());
      expect([service, err.name, err.$metadata.httpStatusCode]).toEqual([service, ...expected[service as keyof typeof expected]]);
    }
  });
});

describe("unknown operations", () => {
  it("answer InvalidAction / UnknownOperationException / NotImplemented, never a 500", async () => {
    const c = managementClients(sim);
    const sts = await errorOf(c.sts.send(new GetSessionTokenCommand({})));
    expect([sts.name, sts.$metadata.httpStatusCode]).toEqual(["InvalidAction", 400]);
    const iam = await errorOf(c.iam.send(new ListUsersCommand({})));
    expect([iam.name, iam.$metadata.httpStatusCode]).toEqual(["InvalidAction", 400]);
    const orgs = await errorOf(c.orgs.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" })));
    expect([orgs.name, orgs.$metadata.httpStatusCode]).toEqual(["UnknownOperationException", 400]);
    const sqs = await errorOf(c.sqs.send(new SendMessageCommand({ QueueUrl: `${sim.endpoint}/${sim.managementAccountId}/x`, MessageBody: "hi" })));
    expect([sqs.name, sqs.$metadata.httpStatusCode]).toEqual(["InvalidAction", 400]);
    // Objects are simulated now (the scheduled report writes them); bucket versioning is not.
    const s3 = await errorOf(c.s3.send(new GetBucketVersioningCommand({ Bucket: "any" })));
    expect(s3.$metadata.httpStatusCode).toBe(501);
  });
});
