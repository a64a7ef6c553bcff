// GET /api/health - for load balancers: ok / degraded / down (503 when down). Signed-in admins
// (settings.read) also get the database latency and the migration state.
import { hasPermission } from "@/lib/auth/permissions";
import { actorFromRequest } from "@/lib/auth/session";
import { getConfig } from "@/lib/config";
import { getHealth } from "@/lib/db/get-health";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const health = await getHealth({ now: new Date() });
  const headers = { "Cache-Control": "no-store" };
  const status = health.status === "down" ? 503 : 200;
  const actor = req.headers.has("cookie") ? await actorFromRequest(req, getConfig()).catch(() => null) : null;
  if (actor && hasPermission(actor.roles, "settings.read")) return Response.json(health, { status, headers });
  return Response.json({ status: health.status }, { status, headers });
}
