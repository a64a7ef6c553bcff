// POST /api/requests/[requestId]/retry - a new request, linked to this one, for its failed targets (body: reason?, ticket?, clientRequestId?)
import { z } from "zod";
import { workerAwsReader } from "@/lib/jobs/aws-reads";
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { afterTaskCommit } from "@/lib/jobs/task-jobs";
import { summarize } from "@/lib/tasks/list";
import { retryTaskRequest } from "@/lib/tasks/requests";

const ZParams = z.object({ requestId: z.uuid({ message: "must be a request id (a UUID)" }) });
const ZRetryBody = z.object({ reason: z.string().max(2000).optional(), ticket: z.string().max(200).nullish(), clientRequestId: z.uuid().optional() }).strict();

export const POST = withPermission("tasks.request", async (req, { actor, params }) => {
  const { requestId } = parseInput(params, ZParams);
  const input = await parseJsonBody(req, ZRetryBody);
  const { request, plan, isNew } = await retryTaskRequest({ actor, requestId, input, now: new Date(), afterCommit: afterTaskCommit, awsRead: workerAwsReader });
  return Response.json({ request: summarize(request), plan, isNew }, { status: isNew ? 201 : 200 });
});
