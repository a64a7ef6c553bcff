// POST /api/requests/[requestId]/votes - approve or reject someone else's request (body: decision, comment?)
import { z } from "zod";
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { afterTaskCommit } from "@/lib/jobs/task-jobs";
import { summarize } from "@/lib/tasks/list";
import { voteOnTaskRequest } from "@/lib/tasks/requests";

const ZParams = z.object({ requestId: z.uuid({ message: "must be a request id (a UUID)" }) });
const ZVoteBody = z.object({ decision: z.enum(["APPROVE", "REJECT"], { message: "must be APPROVE or REJECT" }), comment: z.string().max(2000).nullish() }).strict();

export const POST = withPermission("tasks.approve", async (req, { actor, params }) => {
  const { requestId } = parseInput(params, ZParams);
  const { decision, comment } = await parseJsonBody(req, ZVoteBody);
  const { request, approved } = await voteOnTaskRequest({ actor, requestId, decision, comment, now: new Date(), afterCommit: afterTaskCommit });
  return Response.json({ request: summarize(request), approved });
});
