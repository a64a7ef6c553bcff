// GET /api/overview - org features, status counts, worst OUs, compliance trend and scan timing
import { withPermission } from "@/lib/auth/route";
import { getOverview } from "@/lib/inventory/get-overview";

export const GET = withPermission("accounts.read", async (_req, { actor }) => {
  return Response.json(await getOverview({ actor }));
});
