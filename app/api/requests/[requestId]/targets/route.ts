// GET /api/requests/[requestId]/targets - the request's targets with plan, result and evidence (?status=&cursor=&limit=)
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { listTaskTargets, ZTargetQuery } from "@/lib/tasks/list";

const ZParams = z.object({ requestId: z.uuid({ message: "must be a request id (a UUID)" }) });

export const GET = withPermission("tasks.read", async (req, { actor, params }) => {
  const { requestId } = parseInput(params, ZParams);
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZTargetQuery);
  return Response.json(await listTaskTargets({ actor, requestId, query }));
});
