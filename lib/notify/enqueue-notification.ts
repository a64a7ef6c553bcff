// The outbox writer: inside the caller's transaction, one Notification row per enabled channel that
// subscribes to the event, so the notification commits or rolls back with the change it reports.
import type { TAuditTx } from "@/lib/audit/append";
import { ZNotifyMessage, type TNotifyMessage, type TOutboxEvent } from "./events";

/** A Prisma interactive transaction client, or a node-postgres client inside BEGIN ... COMMIT. */
export type TNotifyTx = TAuditTx;

/**
 * Fans the message out to the channels subscribed to its event (channels of its organization, and
 * those of every organization). Idempotent per (channel, idempotencyKey). Returns the names of the
 * channels that get it, sorted; `[]` when none subscribes.
 */
export async function enqueueNotification(tx: TNotifyTx, message: TNotifyMessage): Promise<string[]> {
  const m = ZNotifyMessage.parse(message);
  const rows = await insertOutboxRows(tx, {
    ...m,
    time: m.time ?? new Date(),
    channelFilter: { sql: `c."enabled" AND $2 = ANY(c."events") AND (c."organizationId" IS NULL OR c."organizationId" = $1)`, values: [] },
  });
  return rows.map((r) => r.name);
}

export type TOutboxInsert = {
  event: TOutboxEvent;
  organizationId: string | null;
  idempotencyKey: string;
  title: string;
  text: string;
  link: string;
  data?: Record<string, unknown>;
  time: Date;
  audience?: string;
  subject?: { type: string; id: string };
  /** SQL over channel alias c; may use $1 (organizationId), $2 (event) and its own values from $12 on. */
  channelFilter: { sql: string; values: unknown[] };
};

/** Inserts the rows (conflicts on an existing key are skipped) and returns the matching channels. */
export async function insertOutboxRows(tx: TNotifyTx, row: TOutboxInsert): Promise<{ id: string; name: string; kind: string }[]> {
  // Exactly what jsonb gives back later: no undefined members, dates as strings.
  const payload = JSON.stringify(row.data ?? {});
  const time = new Date(Math.floor(row.time.getTime()));
  return query<{ id: string; name: string; kind: string }>(
    tx,
    `WITH ins AS (
       INSERT INTO "Notification" ("id", "channelId", "channelName", "channelKind", "organizationId", "event", "idempotencyKey",
         "subjectType", "subjectId", "audience", "title", "text", "link", "payload", "eventTime", "status", "attempts", "nextAttemptAt", "createdAt")
       SELECT gen_random_uuid(), c."id", c."name", c."kind", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::timestamptz, 'PENDING', 0,
         $11::timestamptz, $11::timestamptz
       FROM "NotificationChannel" c WHERE ${row.channelFilter.sql}
       ON CONFLICT ("channelId", "idempotencyKey") DO NOTHING
     )
     SELECT c."id"::text AS id, c."name", c."kind" FROM "NotificationChannel" c WHERE ${row.channelFilter.sql} ORDER BY c."name"`,
    [
      row.organizationId,
      row.event,
      row.idempotencyKey,
      row.subject?.type ?? null,
      row.subject?.id ?? null,
      row.audience ?? null,
      row.title,
      row.text,
      row.link,
      payload,
      time,
      ...row.channelFilter.values,
    ],
  );
}

async function query<T>(tx: TNotifyTx, text: string, values: unknown[]): Promise<T[]> {
  if ("$queryRawUnsafe" in tx) return tx.$queryRawUnsafe<T[]>(text, ...values);
  return (await tx.query(text, values)).rows as T[];
}
