// The scheduled full scan: when the last full scan is older than SCAN_INTERVAL_HOURS, sync the
// organization (so new, moved and departed accounts are right) and scan all of it.
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import type { PgBoss } from "pg-boss";
import type { PrismaClient, Scan } from "@/lib/db/generated/client";
import type { TAwsContext } from "@/lib/aws/context";
import { startScan } from "./start-scan";
import { requestNotificationDelivery } from "@/lib/jobs/notify-jobs";
import { syncOrganization } from "./sync-organization";

export type TScheduledScanOutcome =
  | { started: true; scan: Scan }
  | { started: false; reason: string };

export async function runScheduledScanIfDue(options: {
  /** SYSTEM from the worker's tick; a user would need both org.setup and scans.start. */
  actor: TCaller | null;
  db: PrismaClient;
  aws: TAwsContext;
  boss: PgBoss;
  intervalHours: number;
  now?: Date;
}): Promise<TScheduledScanOutcome> {
  if (options.actor !== SYSTEM) {
    assertPermission(options.actor, "org.setup");
    assertPermission(options.actor, "scans.start");
  }
  const { db, intervalHours } = options;
  if (intervalHours <= 0) return { started: false, reason: "Scheduled scans are off (SCAN_INTERVAL_HOURS=0)." };
  const now = options.now ?? new Date();
  const running = await db.scan.findFirst({ where: { scopeType: "ORG", status: { in: ["QUEUED", "RUNNING"] } } });
  if (running) return { started: false, reason: `Full scan ${running.id} is still running.` };
  // Any full scan counts (manual too): two full scans back to back are wasted AssumeRoot calls.
  const last = await db.scan.findFirst({
    where: { scopeType: "ORG", status: { in: ["SUCCEEDED", "RUNNING", "QUEUED"] } },
    orderBy: { createdAt: "desc" },
  });
  // Slack of 5 minutes so a cron tick a little early does not skip a whole interval.
  if (last && now.getTime() - last.createdAt.getTime() < intervalHours * 3_600_000 - 5 * 60_000) {
    return { started: false, reason: `Last full scan started ${last.createdAt.toISOString()}; not due yet.` };
  }
  const sync = await syncOrganization({ actor: options.actor, db, aws: options.aws, now });
  if (sync.notified && options.boss) await requestNotificationDelivery(options.boss);
  const scan = await startScan({
    actor: options.actor,
    now,
    scope: { type: "ORG" },
    trigger: "SCHEDULED",
    organizationId: sync.organizationId,
    db,
    boss: options.boss,
  });
  return { started: true, scan };
}
