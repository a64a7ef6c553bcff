// GET /api/accounts/[accountId]/resources?service=s3|sqs - the account's buckets or queues, read in a short
// List/Get-only root session (audited), with the policies that deny everyone marked
import { z } from "zod";
import { workerAwsReader } from "@/lib/jobs/aws-reads";
import { parseInput, withPermission } from "@/lib/auth/route";
import { listTaskResources, ZResourceQuery } from "@/lib/tasks/resources";

const ZParams = z.object({ accountId: z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }) });

export const GET = withPermission("tasks.request", async (req, { actor, params }) => {
  const { accountId } = parseInput(params, ZParams);
  const { service } = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZResourceQuery);
  return Response.json(await listTaskResources({ actor, accountId, service, now: new Date(), awsRead: workerAwsReader }));
});
