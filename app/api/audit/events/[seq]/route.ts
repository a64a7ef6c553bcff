// GET /api/audit/events/[seq] - one audit event with its hashes and the checkpoint covering it
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { getAuditEvent } from "@/lib/audit/list-events";

const ZParams = z.object({ seq: z.string().regex(/^\d{1,15}$/, { message: "must be an event sequence number" }).transform(Number) });

export const GET = withPermission("audit.read", async (_req, { actor, params }) => {
  const { seq } = parseInput(params, ZParams);
  return Response.json({ event: await getAuditEvent({ actor, seq }) });
});
