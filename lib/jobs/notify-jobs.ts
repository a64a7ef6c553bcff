// The notification outbox's job: deliver due rows (lib/notify/deliver.ts) every minute, right after
// a change that enqueued some (requestNotificationDelivery), and when the earliest retry is due.
import type { PgBoss } from "pg-boss";
import type { PrismaClient } from "@/lib/db/generated/client";
import { deliverDueNotifications, type TDeliverOptions } from "@/lib/notify/deliver";
import { NOTIFY_QUEUE } from "./queues";

export { NOTIFY_QUEUE } from "./queues";

export async function registerNotifyJobs(
  boss: PgBoss,
  options: { db: PrismaClient; log: (line: string) => void; cron?: string; deliver?: Omit<TDeliverOptions, "db"> },
): Promise<void> {
  await boss.work(NOTIFY_QUEUE, { pollingIntervalSeconds: 1 }, async () => {
    try {
      // Rounds until nothing is due now, so a burst is not left for the next minute.
      for (let round = 0; round < 20; round++) {
        const outcome = await deliverDueNotifications({ db: options.db, ...options.deliver });
        if (outcome.sealed + outcome.resealed > 0) {
          options.log(`notify: encrypted ${outcome.sealed} channel secrets stored in plaintext, re-encrypted ${outcome.resealed} under the current key`);
        }
        if (outcome.sent + outcome.retrying + outcome.dead > 0) {
          options.log(`notify: ${outcome.sent} sent, ${outcome.retrying} to retry, ${outcome.dead} given up`);
        }
        if (outcome.nextDueInSeconds !== null && outcome.nextDueInSeconds < 60 && outcome.claimed === 0) {
          // A retry due before the next minute's tick: wake up for it.
          await boss.send(NOTIFY_QUEUE, {}, { startAfter: Math.max(1, outcome.nextDueInSeconds), singletonKey: "retry" });
        }
        if (outcome.claimed === 0) break;
      }
    } catch (err) {
      options.log(`notify: delivery round failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  await boss.schedule(NOTIFY_QUEUE, options.cron ?? "* * * * *");
}

/**
 * Asks a worker to deliver now; call it after the transaction that enqueued notifications commits.
 * Never throws: the change has committed, and the minute tick delivers anyway.
 */
export async function requestNotificationDelivery(boss: PgBoss): Promise<void> {
  try {
    await boss.send(NOTIFY_QUEUE, {}, { singletonKey: "now" });
  } catch (err) {
    console.warn(`[notify] could not request a delivery (the next minute's round will do it): ${err instanceof Error ? err.message : String(err)}`);
  }
}
