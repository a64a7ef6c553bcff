// GET /api/requests - task requests, newest first (?mine=1&status=&taskType=&accountId=&requester=&cursor=&limit=)
// POST /api/requests - request a privileged task (body: taskType, scope, params, reason, ticket?, clientRequestId?, breakGlass?)
import { workerAwsReader } from "@/lib/jobs/aws-reads";
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { afterTaskCommit } from "@/lib/jobs/task-jobs";
import { listTaskRequests, summarize, ZRequestListQuery } from "@/lib/tasks/list";
import { createTaskRequest, ZCreateRequestInput } from "@/lib/tasks/requests";

export const GET = withPermission("tasks.read", async (req, { actor }) => {
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZRequestListQuery);
  return Response.json(await listTaskRequests({ actor, query }));
});

export const POST = withPermission("tasks.request", async (req, { actor }) => {
  const input = await parseJsonBody(req, ZCreateRequestInput);
  const { request, plan, isNew } = await createTaskRequest({ actor, input, now: new Date(), afterCommit: afterTaskCommit, awsRead: workerAwsReader });
  return Response.json({ request: summarize(request), plan, isNew }, { status: isNew ? 201 : 200 });
});
