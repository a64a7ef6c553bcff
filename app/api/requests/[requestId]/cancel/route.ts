// POST /api/requests/[requestId]/cancel - the requester (or an admin) withdraws a request that has not started
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { afterTaskCommit } from "@/lib/jobs/task-jobs";
import { summarize } from "@/lib/tasks/list";
import { cancelTaskRequest } from "@/lib/tasks/requests";

const ZParams = z.object({ requestId: z.uuid({ message: "must be a request id (a UUID)" }) });

export const POST = withPermission("tasks.request", async (_req, { actor, params }) => {
  const { requestId } = parseInput(params, ZParams);
  return Response.json({ request: summarize(await cancelTaskRequest({ actor, requestId, now: new Date(), afterCommit: afterTaskCommit })) });
});
