// GET /api/scans/[scanId] - one scan's progress (done/total, failed, rate, ETA)
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { getScan, ZScanId } from "@/lib/inventory/list-scans";

const ZParams = z.object({ scanId: ZScanId });

export const GET = withPermission("accounts.read", async (_req, { actor, params }) => {
  const { scanId } = parseInput(params, ZParams);
  return Response.json({ scan: await getScan({ actor, scanId }) });
});
