// GET /api/scans - scans relevant to a scope (?active=1&scope=org|ou|account&ouId=&accountId=)
// POST /api/scans - start a scan of the org, an OU subtree or accounts (body: { scope })
import { z } from "zod";
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { toScanProgress } from "@/lib/inventory/get-scan-progress";
import { listScans, ZListScansQuery } from "@/lib/inventory/list-scans";
import { startScan, ZScanScope } from "@/lib/inventory/start-scan";

const ZStartScanBody = z.object({ scope: ZScanScope });

export const GET = withPermission("accounts.read", async (req, { actor }) => {
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZListScansQuery);
  return Response.json({ scans: await listScans({ actor, query }) });
});

export const POST = withPermission("scans.start", async (req, { actor }) => {
  const { scope } = await parseJsonBody(req, ZStartScanBody);
  // startScan returns the already-running scan for the same scope, so a double click starts one.
  const scan = await startScan({ actor, scope, trigger: "MANUAL" });
  return Response.json({ scan: toScanProgress(scan, 0, new Date()) }, { status: 202 });
});
