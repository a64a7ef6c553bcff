// GET /api/approvals - the approver's inbox: requests awaiting their vote and break-glass runs awaiting review
import { withPermission } from "@/lib/auth/route";
import { getApprovalInbox } from "@/lib/tasks/list";

export const GET = withPermission("tasks.approve", async (_req, { actor }) => Response.json(await getApprovalInbox({ actor, now: new Date() })));
