// GET /api/drift - drift since the last completed full scan started: { since, sinceScanId, total, events } (?limit=1..100, default 20, newest first)
import { parseInput, withPermission } from "@/lib/auth/route";
import { listDriftEvents, ZListDriftQuery } from "@/lib/inventory/list-drift-events";

export const dynamic = "force-dynamic";

export const GET = withPermission("accounts.read", async (req, { actor }) => {
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZListDriftQuery);
  return Response.json(await listDriftEvents({ actor, query }));
});
