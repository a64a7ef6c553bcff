// GET /api/requests/[requestId] - one request: summary, votes, target counts, timeline, and what the caller may do
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { getTaskRequest } from "@/lib/tasks/list";

const ZParams = z.object({ requestId: z.uuid({ message: "must be a request id (a UUID)" }) });

export const GET = withPermission("tasks.read", async (_req, { actor, params }) => {
  const { requestId } = parseInput(params, ZParams);
  return Response.json({ request: await getTaskRequest({ actor, requestId, now: new Date() }) });
});
