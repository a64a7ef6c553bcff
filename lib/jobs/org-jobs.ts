// The org-sync queue: "Sync now" on Settings › Organization queues one job; a worker walks the
// organization (lib/inventory/sync-organization.ts), so the web tier never makes that walk itself.
import type { PgBoss } from "pg-boss";
import { SYSTEM } from "@/lib/auth/actor";
import type { TAwsContext } from "@/lib/aws/context";
import { redactSecrets } from "@/lib/aws/errors";
import type { PrismaClient } from "@/lib/db/generated/client";
import { syncOrganization } from "@/lib/inventory/sync-organization";
import { requestAuditCopy } from "./audit-jobs";
import { requestNotificationDelivery } from "./notify-jobs";
import { ORG_SYNC_QUEUE } from "./queues";

export { ORG_SYNC_QUEUE } from "./queues";
export type TOrgSyncJob = { requestedById: string | null };

/** Queues one sync; while one is queued, another request joins it (singleton). Returns the job id (null: joined). */
export async function queueOrgSync(boss: PgBoss, job: TOrgSyncJob & { id: string }): Promise<string | null> {
  return boss.send(ORG_SYNC_QUEUE, { requestedById: job.requestedById } satisfies TOrgSyncJob, { id: job.id, singletonKey: "org-sync" });
}

export async function registerOrgJobs(boss: PgBoss, o: { db: PrismaClient; aws: () => TAwsContext; log: (line: string) => void }): Promise<void> {
  await boss.work<TOrgSyncJob>(ORG_SYNC_QUEUE, { pollingIntervalSeconds: 1 }, async () => {
    try {
      const out = await syncOrganization({ actor: SYSTEM, db: o.db, aws: o.aws() });
      o.log(`org sync: ${out.accounts} accounts, ${out.ous} OUs, ${out.leftOrg} left`);
      // A feature turned off is drift the sync just wrote to the outbox: deliver it now, not at the next round.
      if (out.notified) await requestNotificationDelivery(boss);
      await requestAuditCopy(boss);
    } catch (err) {
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      o.log(`org sync failed: ${message}`);
      throw new Error(message);
    }
  });
}
