// GET /api/notify/notified - which channels were notified about a page (?link=/requests/<id>) or subject (?subjectId=) (tasks.read)
import { parseInput, withPermission } from "@/lib/auth/route";
import { listNotificationsFor, ZNotifiedQuery } from "@/lib/notify/list-deliveries";

export const GET = withPermission("tasks.read", async (req, { actor }) => {
  const query = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZNotifiedQuery);
  return Response.json({ notified: await listNotificationsFor(actor, query) });
});
