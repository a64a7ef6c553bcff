// POST /api/requests/preview - the frozen plan a request would carry, without creating it (body: taskType, scope, params)
import { z } from "zod";
import { workerAwsReader } from "@/lib/jobs/aws-reads";
import { parseJsonBody, withPermission } from "@/lib/auth/route";
import { previewTaskRequest } from "@/lib/tasks/requests";

const ZPreviewBody = z.object({ taskType: z.unknown(), scope: z.unknown(), params: z.unknown().optional() }).strict();

export const POST = withPermission("tasks.request", async (req, { actor }) => {
  const input = await parseJsonBody(req, ZPreviewBody);
  return Response.json({ plan: await previewTaskRequest({ actor, input, now: new Date(), awsRead: workerAwsReader }) });
});
