// Shared test plumbing: SDK clients pointed at a running simulator, root sessions, and error capture.
import { AssumeRootCommand, STSClient } from "@aws-sdk/client-sts";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsSim } from "./server";
import { taskPolicyArn, type TaskPolicyName } from "./task-policies";
import type { SimAccount } from "./state";

export type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export type Clients = { sts: STSClient; iam: IAMClient; orgs: OrganizationsClient; s3: S3Client; sqs: SQSClient };

// maxAttempts 1 so every simulated error surfaces exactly as the SDK first sees it.
export function clientsFor(sim: AwsSim, credentials: Creds): Clients {
  const base = { endpoint: sim.endpoint, region: sim.region, credentials, maxAttempts: 1 };
  return {
    sts: new STSClient(base),
    iam: new IAMClient(base),
    orgs: new OrganizationsClient(base),
    s3: new S3Client({ ...base, forcePathStyle: true }),
    sqs: new SQSClient(base),
  };
}

export function managementClients(sim: AwsSim): Clients {
  return clientsFor(sim, { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey });
}

export function delegatedClients(sim: AwsSim): Clients {
  return clientsFor(sim, sim.delegatedAdmin);
}

export async function rootSession(sim: AwsSim, accountId: string, policy: TaskPolicyName, durationSeconds?: number): Promise<Clients & { creds: Creds }> {
  const sts = managementClients(sim).sts;
  const out = await sts.send(new AssumeRootCommand({ TargetPrincipal: accountId, TaskPolicyArn: { arn: taskPolicyArn(policy) }, DurationSeconds: durationSeconds }));
  const c = out.Credentials!;
  const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  return { ...clientsFor(sim, creds), creds };
}

export type CapturedError = Error & { name: string; $metadata: { httpStatusCode?: number }; $retryable?: { throttling?: boolean }; Code?: string; Reason?: string };

export async function errorOf(promise: Promise<unknown>): Promise<CapturedError> {
  try {
    await promise;
  } catch (err) {
    return err as CapturedError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

export function activeMembers(sim: AwsSim, predicate: (a: SimAccount) => boolean = () => true): SimAccount[] {
  const out: SimAccount[] = [];
  for (const id of sim.state.accountIds) {
    const a = sim.state.accounts.get(id)!;
    if (a.state === "ACTIVE" && a.id !== sim.managementAccountId && a.id !== sim.delegatedAdminAccountId && predicate(a)) out.push(a);
  }
  return out;
}

export async function control(sim: AwsSim, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sim.endpoint}${path}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
