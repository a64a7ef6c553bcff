// GET /api/notify/deliveries - the delivery log, newest first (?status=&channelId=&limit=) (settings.read)
import { parseInput, withPermission } from "@/lib/auth/route";
import { listDeliveries, ZListDeliveriesQuery } from "@/lib/notify/list-deliveries";

export const GET = withPermission("settings.read", async (req, { actor }) => {
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZListDeliveriesQuery);
  return Response.json({ deliveries: await listDeliveries({ actor, query }) });
});
