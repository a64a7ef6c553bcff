// GET /api/ous - the OU tree with direct and subtree account counts per effective status
import { withPermission } from "@/lib/auth/route";
import { getOuTree } from "@/lib/inventory/get-ou-tree";

export const GET = withPermission("accounts.read", async (_req, { actor }) => {
  return Response.json(await getOuTree({ actor }));
});
