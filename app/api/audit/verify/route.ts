// GET /api/audit/verify - verify the whole trail now (and its outside copies); recorded as audit.verified
import { withPermission } from "@/lib/auth/route";
import { runAuditVerification } from "@/lib/audit/run-verification";

export const dynamic = "force-dynamic";

export const GET = withPermission("audit.read", async (_req, { actor }) => {
  const result = await runAuditVerification({ actor });
  return Response.json({ result });
});
