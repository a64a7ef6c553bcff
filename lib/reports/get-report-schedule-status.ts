// What the Reports page shows of the scheduled report: its setting, when it runs next, and the
// latest months' runs per format with their result.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { describeDestination, readReportSchedule, type TReportSchedule } from "./report-schedule";
import { RETRY_FAILED_AFTER_MS, scheduledPeriod } from "./run-scheduled-report";

export type TScheduledRunRow = {
  period: string;
  format: string;
  asOf: Date;
  status: string;
  location: string;
  attempts: number;
  exportId: string | null;
  sha256: string | null;
  rowCount: number | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
};

export type TReportScheduleStatus = {
  schedule: TReportSchedule;
  destination: string | null;
  /** The month the next run reports on, and from when it is due (it runs at the workers' next tick, every 15 minutes). */
  next: { period: string; asOf: Date; dueFrom: Date } | null;
  runs: TScheduledRunRow[];
};

/** How often the workers' tick looks for a due month (lib/jobs/report-jobs.ts). */
export const SCHEDULE_TICK_MINUTES = 15;

export async function getReportScheduleStatus(options: { actor: TActor | null | undefined; db: PrismaClient; now: Date; months?: number }): Promise<TReportScheduleStatus> {
  assertPermission(options.actor, "reports.export");
  const { db, now } = options;
  const { updatedAt: _updatedAt, ...schedule } = await readReportSchedule(db);
  const org = await db.organization.findFirst({
    orderBy: [{ lastSyncedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
    select: { id: true },
  });
  const rows = org
    ? await db.scheduledReportRun.findMany({ where: { organizationId: org.id }, orderBy: [{ period: "desc" }, { format: "asc" }], take: (options.months ?? 6) * 4 })
    : [];
  const runs: TScheduledRunRow[] = rows.map((r) => ({
    period: r.period,
    format: r.format,
    asOf: r.asOf,
    status: r.status,
    location: r.objectName,
    attempts: r.attempts,
    exportId: r.exportId,
    sha256: r.sha256,
    rowCount: r.rowCount,
    error: r.error,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  }));
  return { schedule, destination: schedule.destination ? describeDestination(schedule.destination) : null, next: schedule.enabled ? nextRun(schedule, runs, now) : null, runs };
}

/** The last complete month until each chosen format has succeeded for it (or waits for a retry); then the month under way. */
function nextRun(schedule: TReportSchedule, runs: TScheduledRunRow[], now: Date): TReportScheduleStatus["next"] {
  const current = scheduledPeriod(now);
  const thisMonth = runs.filter((r) => r.period === current.period);
  const done = schedule.formats.every((f) => thisMonth.some((r) => r.format === f && r.status === "SUCCEEDED"));
  if (!done) {
    const failed = thisMonth.filter((r) => r.status === "FAILED" && r.finishedAt);
    const retryAt = failed.length > 0 ? new Date(Math.min(...failed.map((r) => r.finishedAt!.getTime())) + RETRY_FAILED_AFTER_MS) : now;
    return { ...current, dueFrom: retryAt.getTime() > now.getTime() ? retryAt : now };
  }
  const firstOfNext = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { ...scheduledPeriod(firstOfNext), dueFrom: firstOfNext };
}
