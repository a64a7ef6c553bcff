// GET /api/me - the signed-in user and the permissions their roles grant (any signed-in user).
import { permissionsFor } from "@/lib/auth/permissions";
import { SIGNED_IN, withPermission } from "@/lib/auth/route";

export const dynamic = "force-dynamic";

export const GET = withPermission(SIGNED_IN, async (_req, { actor }) => {
  return Response.json({ actor, permissions: permissionsFor(actor.roles) });
});
