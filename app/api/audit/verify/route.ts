// GET /api/audit/verify - verify the whole trail now (and its outside copies); recorded as audit.verified
import { withPermission } from "@/lib/auth/route";
import { runAuditVerification } from "@/lib/audit/run-verification";
import { requestNotificationDelivery } from "@/lib/jobs/notify-jobs";
import { getJobClient } from "@/lib/jobs/boss";
import { notifyAuditVerificationFailed } from "@/lib/notify/notify-verification-failed";

export const dynamic = "force-dynamic";

export const GET = withPermission("audit.read", async (_req, { actor }) => {
  const result = await runAuditVerification({ actor, onRecorded: (tx, run) => notifyAuditVerificationFailed(tx, run) });
  if (!result.ok) await getJobClient().then(requestNotificationDelivery, () => undefined);
  return Response.json({ result });
});
