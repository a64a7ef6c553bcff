// The state file: changes made through the real SDK survive a restart; writes are debounced and atomic; bad files are refused.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetLoginProfileCommand, ListOrganizationsFeaturesCommand, DisableOrganizationsRootSessionsCommand, DeleteLoginProfileCommand } from "@aws-sdk/client-iam";
import { DeregisterDelegatedAdministratorCommand } from "@aws-sdk/client-organizations";
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STATE_FILE_VERSION, StatePersister, snapshotState } from "./persistence";
import { startAwsSim, StateFileError, type AwsSim } from "./server";
import { isBucketLocked, isQueueLocked } from "./state";
import { activeMembers, control, errorOf, managementClients, rootSession } from "./test-helpers";

let dir: string;
let file: string;
const open: AwsSim[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sim-state-"));
  file = path.join(dir, "aws-sim-state.json");
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(opts: Parameters<typeof startAwsSim>[0] = {}): Promise<AwsSim> {
  const sim = await startAwsSim({ accounts: 30, seed: "persist", stateFile: file, ...opts });
  open.push(sim);
  return sim;
}

async function restart(sim: AwsSim): Promise<AwsSim> {
  await sim.close();
  open.splice(open.indexOf(sim), 1);
  return start();
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe("state file round trip", () => {
  it("keeps what the SDK changed across a restart, and never the keys or session secrets", async () => {
    const sim = await start();
    expect(sim.stateSource).toBe("generated");
    expect(existsSync(file)).toBe(true);
    const bucket = [...sim.state.buckets.values()].find((b) => isBucketLocked(b) && sim.state.accounts.get(b.accountId)!.state === "ACTIVE")!;
    const queue = [...sim.state.queues.values()].find((q) => isQueueLocked(q) && sim.state.accounts.get(q.accountId)!.state === "ACTIVE")!;
    const withPassword = activeMembers(sim, (a) => a.root.loginProfile !== null)[0]!;

    const s3 = await rootSession(sim, bucket.accountId, "S3UnlockBucketPolicy");
    await s3.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket.name }));
    const sqs = await rootSession(sim, queue.accountId, "SQSUnlockQueuePolicy");
    const { QueueUrl } = await sqs.sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    await sqs.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: "" } }));
    const iam = await rootSession(sim, withPassword.id, "IAMDeleteRootUserCredentials");
    await iam.iam.send(new DeleteLoginProfileCommand({}));
    const mgmt = managementClients(sim);
    await mgmt.iam.send(new DisableOrganizationsRootSessionsCommand({}));
    await mgmt.orgs.send(new DeregisterDelegatedAdministratorCommand({ AccountId: sim.delegatedAdminAccountId, ServicePrincipal: "guardduty.amazonaws.com" }));
    const sessionSecrets = [s3.creds, sqs.creds, iam.creds].flatMap((c) => [c.secretAccessKey, c.sessionToken!]);

    const again = await restart(sim);
    expect(again.stateSource).toBe("loaded");
    expect([again.organizationId, again.accessKeyId, again.secretAccessKey]).toEqual([sim.organizationId, sim.accessKeyId, sim.secretAccessKey]);
    const text = readFileSync(file, "utf8");
    for (const secret of [sim.secretAccessKey, sim.delegatedAdmin.secretAccessKey, ...sessionSecrets]) expect(text).not.toContain(secret);
    expect(JSON.parse(text).version).toBe(STATE_FILE_VERSION);

    const features = await managementClients(again).iam.send(new ListOrganizationsFeaturesCommand({}));
    expect(features.EnabledFeatures).toEqual(["RootCredentialsManagement"]);
    await control(again, "POST", "/_sim/features", { rootSessions: true });
    const s3b = await rootSession(again, bucket.accountId, "S3UnlockBucketPolicy");
    expect((await errorOf(s3b.s3.send(new GetBucketPolicyCommand({ Bucket: bucket.name })))).name).toBe("NoSuchBucketPolicy");
    const sqsb = await rootSession(again, queue.accountId, "SQSUnlockQueuePolicy");
    const url = (await sqsb.sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }))).QueueUrl;
    expect((await sqsb.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Policy"] }))).Attributes?.Policy).toBeUndefined();
    const iamb = await rootSession(again, withPassword.id, "IAMAuditRootUserCredentials");
    expect((await errorOf(iamb.iam.send(new GetLoginProfileCommand({})))).name).toBe("NoSuchEntityException");
    expect([...again.state.delegatedAdmins.get(again.delegatedAdminAccountId)!.keys()]).toEqual(["securityhub.amazonaws.com", "iam.amazonaws.com"]);
  });

  it("keeps control-API changes and reset, and the file's generator options win over new ones", async () => {
    const sim = await start();
    const bucket = [...sim.state.buckets.values()].find((b) => !isBucketLocked(b))!;
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { locked: true });
    await sim.close();
    open.splice(0);
    const again = await start({ accounts: 99, seed: "other" });
    expect(again.state.accountIds).toHaveLength(30);
    expect(isBucketLocked(again.state.buckets.get(bucket.name)!)).toBe(true);
    again.reset();
    const third = await restart(again);
    expect(isBucketLocked(third.state.buckets.get(bucket.name)!)).toBe(false);
  });
});

describe("writing", () => {
  it("writes a change within the debounce window and again on close, atomically (no temp files left)", async () => {
    const sim = await start();
    const before = statSync(file).mtimeMs;
    const bucket = [...sim.state.buckets.values()][0]!;
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { locked: true });
    const waited = await waitFor(() => readFileSync(file, "utf8").includes("DenyEveryone") && statSync(file).mtimeMs > before, 2000);
    expect(waited).toBeLessThan(1000);
    await control(sim, "POST", `/_sim/buckets/${bucket.name}/policy`, { policy: null });
    await sim.close();
    open.splice(0);
    expect(JSON.parse(readFileSync(file, "utf8")).state.buckets.find((b: { name: string }) => b.name === bucket.name).policy).toBeNull();
    expect(readdirSync(dir)).toEqual(["aws-sim-state.json"]);
  });

  it("coalesces a burst of changes into one write, and does not write for faults or quirks", async () => {
    let snapshots = 0;
    const sim = await start();
    const persister = new StatePersister(path.join(dir, "burst.json"), () => (snapshots++, snapshotState(sim.state, { accounts: 30, seed: "persist", region: "us-east-1", featuresEnabled: true, delegatedAdmin: true })), 50);
    for (let i = 0; i < 100; i++) persister.markDirty();
    await waitFor(() => persister.writes === 1, 1000);
    await new Promise((r) => setTimeout(r, 120));
    expect([persister.writes, snapshots]).toEqual([1, 1]);
    persister.close();

    const mtime = statSync(file).mtimeMs;
    await control(sim, "POST", "/_sim/faults", { latencyMs: 1 });
    await control(sim, "POST", "/_sim/quirks", { orgsPaths: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(statSync(file).mtimeMs).toBe(mtime);
  });
});

describe("bad files", () => {
  it("refuses a corrupt file with a message naming it, and leaves it untouched", async () => {
    writeFileSync(file, "{ not json");
    const err = await startAwsSim({ stateFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as Error).message).toMatch(/aws-sim-state\.json cannot be used: it is not valid JSON/);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });

  it("refuses another version, a wrong shape and an organization its seed cannot produce", async () => {
    const sim = await start();
    await sim.close();
    open.splice(0);
    const good = JSON.parse(readFileSync(file, "utf8"));
    const cases: [unknown, RegExp][] = [
      [{ ...good, version: 99 }, /version 99, this simulator reads version 1/],
      [{ ...good, state: { ...good.state, accounts: "many" } }, /expected shape/],
      [{ ...good, generator: { ...good.generator, seed: "not-the-same" } }, /is not the one its generator options/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(file, JSON.stringify(content));
      await expect(startAwsSim({ stateFile: file })).rejects.toThrow(message);
    }
  });
});
