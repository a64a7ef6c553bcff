// GET /api/health - database reachability and migration state; 503 when the database is down.
import { getHealth } from "@/lib/db/get-health";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const health = await getHealth(process.env.DATABASE_URL);
  return Response.json(health, {
    status: health.status === "down" ? 503 : 200,
    headers: { "Cache-Control": "no-store" },
  });
}
