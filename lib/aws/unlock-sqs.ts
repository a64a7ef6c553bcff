// SQSUnlockQueuePolicy sessions: list the account's queues with their policies (List and Get calls
// only), read one policy, and remove or replace one queue policy. The queue URL always comes from
// AWS inside the session (GetQueueUrl with the account as owner, or ListQueues), never from input.
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { withRootSession } from "./assume-root";
import type { TAwsContext } from "./context";
import { isAwsError, toAwsCallError } from "./errors";
import { mapConcurrent } from "./limit";
import { policyDeniesEveryone, ZQueueName } from "./resource-policy";
import { invalidInput, itemError, TASK_SESSION_SECONDS, taskSignal } from "./root-task-common";
import { checkAction, notFound, unlockPolicy, type TPolicyAction, type TPolicyUnlockOutcome } from "./unlock-policy";

export const MAX_LISTED_QUEUES = 1000;
const READ_CONCURRENCY = 8;

export type TQueueWithPolicy = {
  name: string;
  policy: string | null;
  deniesEveryone: boolean;
  readError: { errorCode: string; message: string } | null;
};
export type TQueueListing = { accountId: string; assumeRootRequestId: string | null; queues: TQueueWithPolicy[]; truncated: boolean };
export type TUnlockQueueOutcome = TPolicyUnlockOutcome & { accountId: string; queueName: string };

export async function listQueuesWithPolicies(aws: TAwsContext, options: { accountId: string; signal?: AbortSignal }): Promise<TQueueListing> {
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId: options.accountId, taskPolicy: "SQSUnlockQueuePolicy", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ sqs, secrets, assumeRootRequestId }) => {
      const client = sqs();
      const urls: string[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await client.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: token }), { abortSignal: signal });
          urls.push(...(out.QueueUrls ?? []));
          token = out.NextToken;
        } while (token && urls.length < MAX_LISTED_QUEUES);
      } catch (err) {
        throw toAwsCallError(err, "sqs:ListQueues", secrets);
      }
      const truncated = Boolean(token) || urls.length > MAX_LISTED_QUEUES;
      const queues = await mapConcurrent(urls.slice(0, MAX_LISTED_QUEUES), READ_CONCURRENCY, async (url): Promise<TQueueWithPolicy> => {
        const name = decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));
        try {
          const policy = await getPolicy(client, url, signal);
          return { name, policy, deniesEveryone: policy !== null && policyDeniesEveryone(policy), readError: null };
        } catch (err) {
          return { name, policy: null, deniesEveryone: false, readError: itemError(err, "sqs:GetQueueAttributes", secrets) };
        }
      });
      return { accountId: options.accountId, assumeRootRequestId, queues, truncated };
    },
  );
}

export async function readQueuePolicy(
  aws: TAwsContext,
  options: { accountId: string; queueName: string; signal?: AbortSignal },
): Promise<{ assumeRootRequestId: string | null; policy: string | null }> {
  checkQueueName(options.queueName);
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId: options.accountId, taskPolicy: "SQSUnlockQueuePolicy", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ sqs, secrets, assumeRootRequestId }) => {
      const client = sqs();
      const url = await queueUrl(client, options.accountId, options.queueName, signal, secrets);
      return { assumeRootRequestId, policy: await readOrThrow(client, url, signal, secrets) };
    },
  );
}

/** Throws AwsCallError for bad input, when AssumeRoot fails, or when the queue cannot be found or read (nothing changed). */
export async function unlockQueuePolicy(
  aws: TAwsContext,
  options: { accountId: string; queueName: string; expectedPolicy: string | null; action: TPolicyAction; signal?: AbortSignal },
): Promise<TUnlockQueueOutcome> {
  const { accountId, queueName, action } = options;
  checkQueueName(queueName);
  checkAction(action, "sqs", "sqs:SetQueueAttributes");
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId, taskPolicy: "SQSUnlockQueuePolicy", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ sqs, secrets, assumeRootRequestId }) => {
      const client = sqs();
      const url = await queueUrl(client, accountId, queueName, signal, secrets);
      const outcome = await unlockPolicy({
        what: "queue",
        expectedPolicy: options.expectedPolicy,
        action,
        assumeRootRequestId,
        secrets,
        writeOperation: "sqs:SetQueueAttributes",
        read: () => readOrThrow(client, url, signal, secrets),
        // An empty Policy removes it (SQSUnlockQueuePolicy does not allow RemovePermission).
        write: async (policy) => {
          await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy ?? "" } }), { abortSignal: signal });
        },
      });
      return { accountId, queueName, ...outcome };
    },
  );
}

async function queueUrl(client: SQSClient, accountId: string, queueName: string, signal: AbortSignal, secrets: readonly string[]): Promise<string> {
  try {
    const out = await client.send(new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: accountId }), { abortSignal: signal });
    if (!out.QueueUrl) throw notFound("InvalidResponse", "GetQueueUrl returned no queue URL.", "sqs:GetQueueUrl");
    return out.QueueUrl;
  } catch (err) {
    if (isAwsError(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")) {
      throw notFound("QueueDoesNotExist", `There is no queue named "${queueName}" in account ${accountId}. Check the name.`, "sqs:GetQueueUrl");
    }
    throw toAwsCallError(err, "sqs:GetQueueUrl", secrets);
  }
}

async function getPolicy(client: SQSClient, url: string, signal: AbortSignal): Promise<string | null> {
  const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["Policy"] }), { abortSignal: signal });
  return out.Attributes?.Policy || null;
}

async function readOrThrow(client: SQSClient, url: string, signal: AbortSignal, secrets: readonly string[]): Promise<string | null> {
  try {
    return await getPolicy(client, url, signal);
  } catch (err) {
    throw toAwsCallError(err, "sqs:GetQueueAttributes", secrets);
  }
}

function checkQueueName(queueName: string): void {
  const parsed = ZQueueName.safeParse(queueName);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? "Invalid queue name.", "sqs:GetQueueUrl");
}
