// DELETE /api/users/[userId]/sessions - end all of a user's sessions; they must sign in again (sessions.revoke)
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { revokeUserSessions } from "@/lib/auth/user-sessions";

const ZParams = z.object({ userId: z.uuid({ message: "must be a user id (a UUID)" }) });

export const DELETE = withPermission("sessions.revoke", async (_req, { actor, params }) => {
  const { userId } = parseInput(params, ZParams);
  return Response.json(await revokeUserSessions({ actor, userId, now: new Date() }));
});
