// GET /api/users - users with their IdP groups, current roles and last sign-in (users.read).
import { listUsers } from "@/lib/auth/list-users";
import { withPermission } from "@/lib/auth/route";

export const dynamic = "force-dynamic";

export const GET = withPermission("users.read", async (_req, { actor }) => {
  return Response.json({ users: await listUsers({ actor }) });
});
