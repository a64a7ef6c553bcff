// The scheduled report's job: a tick every 15 minutes runs lib/reports/run-scheduled-report.ts,
// which writes the last month's compliance report once it is due (once per month and format,
// however many ticks, workers or retries). Kept in its own file.
import type { S3Client } from "@aws-sdk/client-s3";
import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { SYSTEM } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { SCHEDULE_TICK_MINUTES } from "@/lib/reports/get-report-schedule-status";
import { runScheduledReport } from "@/lib/reports/run-scheduled-report";

export const REPORT_SCHEDULE_QUEUE = "reports-scheduled-export";

export async function registerReportJobs(
  boss: PgBoss,
  options: {
    db: PrismaClient;
    pool: pg.Pool;
    s3: () => S3Client;
    freshnessHours: number;
    log: (line: string) => void;
    cron?: string;
    /** The clock; tests move it. */
    now?: () => Date;
  },
): Promise<void> {
  // A tick that fails is simply followed by the next; the runs keep their own retry state.
  await boss.createQueue(REPORT_SCHEDULE_QUEUE, { policy: "short", retryLimit: 0, expireInSeconds: 30 * 60 });
  await boss.work(REPORT_SCHEDULE_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
    try {
      const outcome = await runScheduledReport({
        actor: SYSTEM,
        db: options.db,
        pool: options.pool,
        s3: options.s3,
        now: (options.now ?? (() => new Date()))(),
        freshnessHours: options.freshnessHours,
      });
      if (!outcome.ran) return;
      for (const r of outcome.results) {
        if (r.status === "written") options.log(`scheduled report ${outcome.period} ${r.format}: written to ${r.location}`);
        if (r.status === "failed") options.log(`scheduled report ${outcome.period} ${r.format} failed: ${r.error}`);
      }
    } catch (err) {
      options.log(`scheduled report failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  await boss.schedule(REPORT_SCHEDULE_QUEUE, options.cron ?? `*/${SCHEDULE_TICK_MINUTES} * * * *`);
}
