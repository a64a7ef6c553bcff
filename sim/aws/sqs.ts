// SQS over awsJson1_0 (query-compatible errors): queue lookup and the Policy attribute, with locked-queue and root-unlock rules.
import { decodeToken, denied, encodeToken, jsonResponse, requireAction, type OpContext } from "./context";
import { SimError, unknownOperationError, type SimResponse } from "./errors";
import { isQueueLocked, queueKey, type SimQueue } from "./state";

const JSON_10 = "application/x-amz-json-1.0";
const SQS_OPERATIONS = new Set(["ListQueues", "GetQueueUrl", "GetQueueAttributes", "SetQueueAttributes"]);
const READABLE_ATTRIBUTES = new Set([
  "Policy", "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
  "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn", "ApproximateNumberOfMessagesDelayed", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
  "RedrivePolicy", "RedriveAllowPolicy", "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "FifoQueue", "ContentBasedDeduplication",
]);
const WRITABLE_ATTRIBUTES = new Set(["Policy", "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"]);

type Input = Record<string, unknown>;

export function handleSqs(ctx: OpContext, input: Input): SimResponse {
  const op = ctx.operation;
  if (!SQS_OPERATIONS.has(op)) throw unknownOperationError("sqs", op);
  const { state } = ctx.sim;
  const respond = (body: unknown): SimResponse => jsonResponse(ctx, body, JSON_10);
  switch (op) {
    case "ListQueues": {
      ctx.target.accountId = ctx.caller.accountId;
      requireAction(ctx, "sqs:ListQueues", `arn:aws:sqs:${state.region}:${ctx.caller.accountId}:*`);
      const prefix = typeof input.QueueNamePrefix === "string" ? input.QueueNamePrefix : "";
      const names = state.accounts.get(ctx.caller.accountId)!.queueNames.filter((n) => n.startsWith(prefix));
      const urls = names.map((n) => queueUrl(ctx, ctx.caller.accountId, n));
      // Without MaxResults SQS returns up to 1,000 URLs and no token; with it, pages carry a NextToken.
      if (input.MaxResults === undefined) return respond(urls.length ? { QueueUrls: urls.slice(0, 1000) } : {});
      const max = Number(input.MaxResults);
      if (!Number.isInteger(max) || max < 1 || max > 1000) throw new SimError("InvalidParameterValue", "Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", 400, { jsonType: "com.amazonaws.sqs#InvalidParameterValue" });
      const scope = `sqs:ListQueues:${ctx.caller.accountId}:${prefix}`;
      let offset = 0;
      if (typeof input.NextToken === "string" && input.NextToken) {
        const decoded = decodeToken(input.NextToken, scope);
        if (!decoded) throw new SimError("InvalidParameterValue", "Invalid NextToken value.", 400, { jsonType: "com.amazonaws.sqs#InvalidParameterValue" });
        offset = decoded.offset;
      }
      const page = urls.slice(offset, offset + max);
      const end = offset + page.length;
      return respond({ ...(page.length ? { QueueUrls: page } : {}), ...(end < urls.length ? { NextToken: encodeToken(scope, end) } : {}) });
    }
    case "GetQueueUrl": {
      const name = typeof input.QueueName === "string" ? input.QueueName : "";
      const owner = typeof input.QueueOwnerAWSAccountId === "string" && input.QueueOwnerAWSAccountId ? input.QueueOwnerAWSAccountId : ctx.caller.accountId;
      const queue = findQueue(ctx, owner, name, "sqs:GetQueueUrl");
      return respond({ QueueUrl: queueUrl(ctx, queue.accountId, queue.name) });
    }
    case "GetQueueAttributes": {
      const queue = queueFromUrl(ctx, input.QueueUrl, "sqs:GetQueueAttributes");
      const requested = Array.isArray(input.AttributeNames) ? input.AttributeNames.map(String) : [];
      for (const name of requested) {
        if (name !== "All" && !READABLE_ATTRIBUTES.has(name)) throw new SimError("InvalidAttributeName", `Unknown Attribute ${name}.`, 400, { jsonType: "com.amazonaws.sqs#InvalidAttributeName" });
      }
      const all = allAttributes(queue);
      const wanted = requested.includes("All") ? Object.keys(all) : requested;
      const attributes: Record<string, string> = {};
      for (const name of wanted) if (all[name] !== undefined) attributes[name] = all[name];
      return respond(Object.keys(attributes).length ? { Attributes: attributes } : {});
    }
    case "SetQueueAttributes": {
      const queue = queueFromUrl(ctx, input.QueueUrl, "sqs:SetQueueAttributes");
      const attributes = input.Attributes && typeof input.Attributes === "object" ? (input.Attributes as Record<string, unknown>) : {};
      for (const [name, value] of Object.entries(attributes)) {
        if (!WRITABLE_ATTRIBUTES.has(name)) throw new SimError("InvalidAttributeName", `Unknown Attribute ${name}.`, 400, { jsonType: "com.amazonaws.sqs#InvalidAttributeName" });
        if (name === "Policy" && value !== "" && !isJsonObject(String(value))) {
          throw new SimError("InvalidAttributeValue", "Invalid value for the parameter Policy.", 400, { jsonType: "com.amazonaws.sqs#InvalidAttributeValue" });
        }
      }
      for (const [name, value] of Object.entries(attributes)) {
        // An empty Policy removes the policy: this is how a locked queue gets unlocked.
        if (name === "Policy") queue.policy = value === "" ? null : String(value);
        else queue.attributes[name] = String(value);
      }
      queue.lastModifiedTimestamp = ctx.now;
      return respond({});
    }
    default:
      throw unknownOperationError("sqs", op);
  }
}

export function queueUrl(ctx: OpContext, accountId: string, name: string): string {
  return `${ctx.sim.endpoint}/${accountId}/${name}`;
}

// Queue URLs are http://host/<account>/<name>; only the path matters, so URLs built for any host resolve.
function queueFromUrl(ctx: OpContext, url: unknown, action: string): SimQueue {
  let path = "";
  try {
    path = new URL(String(url)).pathname;
  } catch {
    throw new SimError("InvalidAddress", "The address is not valid for this endpoint.", 404, { jsonType: "com.amazonaws.sqs#InvalidAddress" });
  }
  const match = /^\/(\d{12})\/([\w-]{1,80}(?:\.fifo)?)\/?$/.exec(path);
  if (!match) throw new SimError("InvalidAddress", "The address is not valid for this endpoint.", 404, { jsonType: "com.amazonaws.sqs#InvalidAddress" });
  return findQueue(ctx, match[1]!, match[2]!, action);
}

function findQueue(ctx: OpContext, accountId: string, name: string, action: string): SimQueue {
  const { state } = ctx.sim;
  const arn = `arn:aws:sqs:${state.region}:${accountId}:${name}`;
  ctx.target.accountId = accountId;
  requireAction(ctx, action, arn);
  // Another account's queue is invisible without a grant: AWS answers NonExistentQueue rather than revealing it.
  if (accountId !== ctx.caller.accountId) {
    if (ctx.caller.kind === "root-session") throw denied(ctx, action, arn, "with an explicit deny in an identity-based policy");
    throw nonExistentQueue();
  }
  const queue = state.queues.get(queueKey(accountId, name));
  if (!queue) throw nonExistentQueue();
  if (ctx.caller.kind !== "root-session" && isQueueLocked(queue)) throw denied(ctx, action, arn, "with an explicit deny in a resource-based policy");
  return queue;
}

function allAttributes(queue: SimQueue): Record<string, string> {
  return {
    QueueArn: `arn:aws:sqs:${queue.region}:${queue.accountId}:${queue.name}`,
    ApproximateNumberOfMessages: "0",
    ApproximateNumberOfMessagesNotVisible: "0",
    ApproximateNumberOfMessagesDelayed: "0",
    CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
    ...queue.attributes,
    ...(queue.policy ? { Policy: queue.policy } : {}),
  };
}

function nonExistentQueue(): SimError {
  return new SimError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400, { jsonType: "com.amazonaws.sqs#QueueDoesNotExist" });
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
