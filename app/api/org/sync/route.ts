// POST /api/org/sync - queue an organization sync now (audited; a worker does the walk)
import { withPermission } from "@/lib/auth/route";
import { requestOrgSync } from "@/lib/inventory/request-org-sync";
import { getJobClient } from "@/lib/jobs/boss";
import { queueOrgSync } from "@/lib/jobs/org-jobs";

export const POST = withPermission("org.setup", async (_req, { actor }) => {
  const out = await requestOrgSync({ actor, now: new Date(), enqueue: async (job) => queueOrgSync(await getJobClient(), job) });
  return Response.json(out, { status: 202 });
});
