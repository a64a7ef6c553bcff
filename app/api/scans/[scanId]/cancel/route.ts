// POST /api/scans/[scanId]/cancel - cancel a queued or running scan (idempotent)
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { cancelScan } from "@/lib/inventory/cancel-scan";
import { getScanProgress } from "@/lib/inventory/get-scan-progress";
import { ZScanId } from "@/lib/inventory/list-scans";

const ZParams = z.object({ scanId: ZScanId });

export const POST = withPermission("scans.start", async (_req, { actor, params }) => {
  const { scanId } = parseInput(params, ZParams);
  await cancelScan({ actor, scanId });
  return Response.json({ scan: await getScanProgress(scanId, { actor }) });
});
