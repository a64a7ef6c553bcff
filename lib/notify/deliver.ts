// The outbox's deliverer (the notify-deliver job): claims due rows with FOR UPDATE SKIP LOCKED (so
// any number of workers share the work), marks them SENDING under a lease, sends, then records SENT
// or schedules a retry with backoff; DEAD after MAX_ATTEMPTS. A worker that dies mid-send leaves a
// SENDING row whose lease expires; the next round sends it again with the same idempotency key.
// Each round first seals channel secrets still stored in plaintext or under an old key.
import { getConfig, type TConfig } from "@/lib/config";
import type { PrismaClient } from "@/lib/db/generated/client";
import { openChannelConfig, parseChannelConfig, type TChannelConfig } from "./channel-config";
import { notifyKeyring } from "./channel-secrets";
import type { TOutboxMessage } from "./message";
import { sealStoredChannelSecrets } from "./seal-channel-secrets";
import { sendToChannel, smtpSender, type TSendMail } from "./send";
import { urlPolicy, type TUrlPolicy } from "./url-guard";

/** Seconds to wait after the 1st, 2nd, ... failed attempt. */
export const BACKOFF_SECONDS = [10, 30, 120, 600, 3600] as const;
/** The first attempt and one retry per backoff step; then DEAD. */
export const MAX_ATTEMPTS = BACKOFF_SECONDS.length + 1;
/** How long a claim holds: far longer than one send (5 s), so only a dead worker's claims expire. */
export const LEASE_SECONDS = 60;
const BATCH = 50;
const PARALLEL = 8;

export type TDeliverOptions = {
  db: PrismaClient;
  now?: () => Date;
  config?: TConfig;
  /** Replaces the SMTP transport (tests). */
  sendMail?: TSendMail;
  policy?: TUrlPolicy;
  limit?: number;
  /** Stops after claiming (tests: a worker that dies mid-send). */
  crashAfterClaim?: boolean;
};

export type TDeliverOutcome = {
  claimed: number;
  sent: number;
  retrying: number;
  dead: number;
  /** Seconds until the earliest retry (or expiring lease) is due; null when nothing waits. */
  nextDueInSeconds: number | null;
  /** Channel secrets this round sealed (were plaintext) or re-sealed (were under an old key). */
  sealed: number;
  resealed: number;
};

type TClaimedRow = TOutboxMessage & { channelId: string | null; attempts: number };

export async function deliverDueNotifications(options: TDeliverOptions): Promise<TDeliverOutcome> {
  const config = options.config ?? getConfig();
  const clock = options.now ?? (() => new Date());
  const db = options.db;
  const outcome: TDeliverOutcome = { claimed: 0, sent: 0, retrying: 0, dead: 0, nextDueInSeconds: null, sealed: 0, resealed: 0 };
  const keyring = notifyKeyring(config);
  const sealing = await sealStoredChannelSecrets(db, keyring);
  [outcome.sealed, outcome.resealed] = [sealing.sealed, sealing.resealed];

  let now = clock();
  // A worker died during the last allowed attempt: nobody will try again, say so.
  outcome.dead += await db.$executeRawUnsafe(
    `UPDATE "Notification" SET "status" = 'DEAD', "leaseUntil" = NULL,
       "lastError" = COALESCE("lastError" || ' / ', '') || 'the worker stopped during the last attempt'
     WHERE "status" = 'SENDING' AND "leaseUntil" <= $1::timestamptz AND "attempts" >= $2`,
    now,
    MAX_ATTEMPTS,
  );
  const claimed = await db.$queryRawUnsafe<TClaimedRow[]>(
    `UPDATE "Notification" n SET "status" = 'SENDING', "attempts" = n."attempts" + 1,
       "leaseUntil" = $1::timestamptz + make_interval(secs => $2)
     FROM (SELECT "id" FROM "Notification"
           WHERE ("status" IN ('PENDING', 'FAILED') AND "nextAttemptAt" <= $1::timestamptz)
              OR ("status" = 'SENDING' AND "leaseUntil" <= $1::timestamptz)
           ORDER BY "nextAttemptAt" LIMIT $3 FOR UPDATE SKIP LOCKED) due
     WHERE n."id" = due."id"
     RETURNING n."id"::text AS id, n."channelId"::text AS "channelId", n."idempotencyKey", n."event", n."eventTime", n."title", n."text",
       n."link", n."audience", n."recipients", n."organizationId", n."subjectType", n."subjectId", n."payload", n."attempts"`,
    now,
    LEASE_SECONDS,
    options.limit ?? BATCH,
  );
  outcome.claimed = claimed.length;
  if (options.crashAfterClaim) return outcome;

  const channelIds = [...new Set(claimed.map((r) => r.channelId).filter((id): id is string => id !== null))];
  const channels = new Map((await db.notificationChannel.findMany({ where: { id: { in: channelIds } } })).map((c) => [c.id, c]));
  const policy = options.policy ?? urlPolicy(config);
  const appUrl = config.APP_URL ?? `http://127.0.0.1:${config.PORT}`;
  const sendMail = options.sendMail ?? (config.SMTP_URL ? smtpSender(config.SMTP_URL) : undefined);

  const deliverOne = async (row: TClaimedRow) => {
    const channel = row.channelId ? channels.get(row.channelId) : undefined;
    let error: string | null = null;
    let final = false;
    if (!channel) {
      [error, final] = ["the channel was deleted", true];
    } else if (!channel.enabled && row.event !== "test") {
      [error, final] = ["the channel was disabled before delivery", true];
    } else {
      const parsed = parseChannelConfig(channel.kind, channel.config);
      if (!parsed) {
        [error, final] = ["the channel's stored settings are invalid; delete and add it again", true];
      } else {
        let opened: TChannelConfig | null = null;
        try {
          // A tampered value, or one under a key this process lacks, fails this attempt with the reason
          // (retried: a restart with the right key mends the second).
          opened = openChannelConfig(parsed, channel.id, keyring);
          await sendToChannel(opened, row, { appUrl, policy, now: clock, sendMail, emailFrom: config.NOTIFY_EMAIL_FROM, attempt: row.attempts });
        } catch (err) {
          const c = opened ?? parsed;
          error = shortError(err, c.kind === "EMAIL" ? [] : [c.config.url, ...(c.kind === "WEBHOOK" ? [c.config.secret] : [])]);
        }
      }
    }
    now = clock();
    // Guarded by the claim's attempt number: a late answer from a claim that expired and was taken
    // over by another worker does not overwrite the newer claim's outcome.
    const guard = `WHERE "id" = $1::uuid AND "status" = 'SENDING' AND "attempts" = $2`;
    if (error === null) {
      const n = await db.$executeRawUnsafe(`UPDATE "Notification" SET "status" = 'SENT', "sentAt" = $3::timestamptz, "leaseUntil" = NULL, "lastError" = NULL ${guard}`, row.id, row.attempts, now);
      outcome.sent += n;
      return;
    }
    if (final || row.attempts >= MAX_ATTEMPTS) {
      const n = await db.$executeRawUnsafe(`UPDATE "Notification" SET "status" = 'DEAD', "leaseUntil" = NULL, "lastError" = $3 ${guard}`, row.id, row.attempts, error);
      outcome.dead += n;
      return;
    }
    const delay = BACKOFF_SECONDS[Math.min(row.attempts, BACKOFF_SECONDS.length) - 1];
    const n = await db.$executeRawUnsafe(
      `UPDATE "Notification" SET "status" = 'FAILED', "leaseUntil" = NULL, "lastError" = $3, "nextAttemptAt" = $4::timestamptz ${guard}`,
      row.id,
      row.attempts,
      error,
      new Date(now.getTime() + delay * 1000),
    );
    outcome.retrying += n;
  };

  for (let i = 0; i < claimed.length; i += PARALLEL) await Promise.all(claimed.slice(i, i + PARALLEL).map(deliverOne));

  const [next] = await db.$queryRawUnsafe<{ at: Date | null }[]>(
    `SELECT min(CASE WHEN "status" = 'SENDING' THEN "leaseUntil" ELSE "nextAttemptAt" END) AS at
     FROM "Notification" WHERE "status" IN ('PENDING', 'FAILED', 'SENDING')`,
  );
  if (next?.at) outcome.nextDueInSeconds = Math.max(0, Math.ceil((new Date(next.at).getTime() - clock().getTime()) / 1000));
  return outcome;
}

/** The error as a short line without the channel's URL or secret. */
function shortError(err: unknown, secrets: string[]): string {
  let message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && !message.includes(code)) message = `${code}: ${message}`;
  for (const s of secrets) if (s) message = message.split(s).join("[redacted]");
  return message.replace(/\s+/g, " ").trim().slice(0, 300) || "unknown error";
}
