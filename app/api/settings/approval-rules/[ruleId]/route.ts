// DELETE /api/settings/approval-rules/[ruleId] - remove an approval rule (audited)
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { prisma } from "@/lib/db/client";
import { currentOrganizationId } from "@/lib/tasks/requests";
import { deleteApprovalRule } from "@/lib/tasks/settings";

const ZParams = z.object({ ruleId: z.uuid({ message: "must be a rule id (a UUID)" }) });

export const DELETE = withPermission("settings.write", async (_req, { actor, params }) => {
  const { ruleId } = parseInput(params, ZParams);
  await deleteApprovalRule({ actor, organizationId: await currentOrganizationId(prisma), ruleId, now: new Date() });
  return Response.json({ ok: true });
});
