// GET /api/scans - scans relevant to a scope (?active=1&scope=org|ou|account&ouId=&accountId=)
// POST /api/scans - start a scan of the org, an OU subtree or accounts (body: { scope, confirm })
import { z } from "zod";
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { AppError } from "@/lib/errors";
import { toScanProgress } from "@/lib/inventory/get-scan-progress";
import { listScans, ZListScansQuery } from "@/lib/inventory/list-scans";
import { startScan, ZScanScope } from "@/lib/inventory/start-scan";

const ZStartScanBody = z.object({
  scope: ZScanScope,
  /** Required true for org and OU scans: the person confirmed a scan larger than what they see. */
  confirm: z.boolean().optional(),
});

export const GET = withPermission("accounts.read", async (req, { actor }) => {
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZListScansQuery);
  return Response.json({ scans: await listScans({ actor, query }) });
});

export const POST = withPermission("scans.start", async (req, { actor }) => {
  const { scope, confirm } = await parseJsonBody(req, ZStartScanBody);
  // Checked here too, not only in the browser's dialog: a script or a crafted request must confirm as well.
  if (scope.type !== "ACCOUNTS" && confirm !== true) {
    const what = scope.type === "ORG" ? "the whole organization" : `OU ${scope.ouId}`;
    throw new AppError(
      "BAD_REQUEST",
      `A scan of ${what} opens a root session in every account in it, which GuardDuty may report. Add "confirm": true to the body to start it.`,
      { issues: [{ path: "confirm", message: "must be true for org and OU scans" }] },
    );
  }
  const now = new Date();
  // startScan returns the already-running scan for the same scope, so a double click starts one.
  const scan = await startScan({ actor, scope, trigger: "MANUAL", now });
  return Response.json({ scan: toScanProgress(scan, 0, now) }, { status: 202 });
});
