// The audit trail's job: copy the newest signed checkpoint out of Postgres (lib/audit/copy-checkpoints.ts)
// every minute, and right after privileged actions (requestAuditCopy). Kept in its own file.
import type { PgBoss } from "pg-boss";
import { copyCheckpoints } from "@/lib/audit/copy-checkpoints";
import { configuredCopyStores } from "@/lib/audit/copy-store";
import { getConfig } from "@/lib/config";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AUDIT_COPY_QUEUE } from "./queues";

export { AUDIT_COPY_QUEUE } from "./queues";

export async function registerAuditJobs(boss: PgBoss, options: { db: PrismaClient; log: (line: string) => void; cron?: string }): Promise<void> {
  const stores = configuredCopyStores(getConfig());
  if (stores.length === 0) {
    options.log("audit: no AUDIT_COPY_DIR or AUDIT_COPY_S3_BUCKET set; checkpoints are not copied outside Postgres");
    await boss.unschedule(AUDIT_COPY_QUEUE);
    return;
  }
  await boss.work(AUDIT_COPY_QUEUE, { pollingIntervalSeconds: 2 }, async () => {
    const outcome = await copyCheckpoints({ db: options.db, stores });
    if (outcome.copiedTo.length > 0) options.log(`audit: checkpoint of size ${outcome.treeSize} copied to ${outcome.copiedTo.join(", ")}`);
  });
  await boss.schedule(AUDIT_COPY_QUEUE, options.cron ?? "* * * * *");
}

/**
 * Asks a worker to copy the newest checkpoint now (coalesced: one pending copy at a time). Never
 * throws: the action it follows has committed, and the minute tick copies anyway.
 */
export async function requestAuditCopy(boss: PgBoss): Promise<void> {
  try {
    await boss.send(AUDIT_COPY_QUEUE, {}, { singletonKey: "copy", retryLimit: 2 });
  } catch (err) {
    console.warn(`[audit] could not request a checkpoint copy (the next minute's copy will do it): ${err instanceof Error ? err.message : String(err)}`);
  }
}
