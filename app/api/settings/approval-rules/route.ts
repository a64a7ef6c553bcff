// GET /api/settings/approval-rules - approvals needed per task type and OU subtree
// POST /api/settings/approval-rules - create or change one (body: taskType, ouId|null, approvalsRequired; audited)
import { parseJsonBody, withPermission } from "@/lib/auth/route";
import { currentOrganizationId } from "@/lib/tasks/requests";
import { listApprovalRules, saveApprovalRule, ZApprovalRuleInput } from "@/lib/tasks/settings";
import { prisma } from "@/lib/db/client";

export const GET = withPermission("settings.read", async (_req, { actor }) => {
  const organizationId = await currentOrganizationId(prisma);
  return Response.json({ rules: await listApprovalRules({ actor, organizationId }) });
});

export const POST = withPermission("settings.write", async (req, { actor }) => {
  const input = await parseJsonBody(req, ZApprovalRuleInput);
  const organizationId = await currentOrganizationId(prisma);
  return Response.json({ rule: await saveApprovalRule({ actor, organizationId, input, now: new Date() }) });
});
