// GET /api/settings/tasks - task settings (ticket/comment requirements, break-glass, expiry windows)
// PATCH /api/settings/tasks - change some of them (audited)
import { parseJsonBody, withPermission } from "@/lib/auth/route";
import { getTaskSettings, updateTaskSettings, ZTaskSettings } from "@/lib/tasks/settings";

export const GET = withPermission("settings.read", async (_req, { actor }) => Response.json({ settings: await getTaskSettings({ actor }) }));

export const PATCH = withPermission("settings.write", async (req, { actor }) => {
  const patch = await parseJsonBody(req, ZTaskSettings.partial());
  return Response.json({ settings: await updateTaskSettings({ actor, patch, now: new Date() }) });
});
