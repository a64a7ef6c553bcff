// GET /api/scans/[scanId] - one scan's progress (done/total, failed, rate, ETA)
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { getScanProgress } from "@/lib/inventory/get-scan-progress";
import { ZScanId } from "@/lib/inventory/list-scans";

const ZParams = z.object({ scanId: ZScanId });

export const GET = withPermission("accounts.read", async (_req, { actor, params }) => {
  const { scanId } = parseInput(params, ZParams);
  return Response.json({ scan: await getScanProgress(scanId, { actor }) });
});
