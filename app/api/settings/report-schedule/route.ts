// GET /api/settings/report-schedule - the scheduled report's setting (on/off, destination, formats)
// PATCH /api/settings/report-schedule - change some of it (audited; a bad value is a 400 naming the fix)
import { z } from "zod";
import { parseJsonBody, withPermission } from "@/lib/auth/route";
import { prisma } from "@/lib/db/client";
import { getReportSchedule, updateReportSchedule } from "@/lib/reports/report-schedule";

export const GET = withPermission("settings.read", async (_req, { actor }) => Response.json({ schedule: await getReportSchedule({ actor, db: prisma }) }));

export const PATCH = withPermission("settings.write", async (req, { actor }) => {
  // Validated by updateReportSchedule, whose messages name the field and the fix.
  const patch = await parseJsonBody(req, z.unknown());
  return Response.json({ schedule: await updateReportSchedule({ actor, db: prisma, patch, now: new Date() }) });
});
