// GET /api/audit/events - audit events, newest first (?type=&actor=&account=&from=&to=&before=&limit=)
import { parseInput, withPermission } from "@/lib/auth/route";
import { listAuditEvents, searchParamsToAuditQuery, ZListAuditEventsQuery } from "@/lib/audit/list-events";

export const GET = withPermission("audit.read", async (req, { actor }) => {
  const query = parseInput(searchParamsToAuditQuery(Object.fromEntries(new URL(req.url).searchParams)), ZListAuditEventsQuery);
  return Response.json(await listAuditEvents({ actor, query }));
});
