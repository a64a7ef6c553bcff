// GET /api/org/setup - the organization set-up steps, each as read from AWS now, with open requests (org.setup)
import { withPermission } from "@/lib/auth/route";
import { workerAwsReader } from "@/lib/jobs/aws-reads";
import { getOrgSetupStatus } from "@/lib/tasks/org-setup-status";

export const GET = withPermission("org.setup", async (_req, { actor }) => Response.json(await getOrgSetupStatus({ actor, awsRead: workerAwsReader })));
