// POST /api/requests/[requestId]/review - an approver acknowledges a break-glass execution (body: comment?)
import { z } from "zod";
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { summarize } from "@/lib/tasks/list";
import { reviewBreakGlass } from "@/lib/tasks/requests";

const ZParams = z.object({ requestId: z.uuid({ message: "must be a request id (a UUID)" }) });
const ZReviewBody = z.object({ comment: z.string().max(2000).nullish() }).strict();

export const POST = withPermission("tasks.approve", async (req, { actor, params }) => {
  const { requestId } = parseInput(params, ZParams);
  const { comment } = await parseJsonBody(req, ZReviewBody);
  return Response.json({ request: summarize(await reviewBreakGlass({ actor, requestId, comment, now: new Date() })) });
});
