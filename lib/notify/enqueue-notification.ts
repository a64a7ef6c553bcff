// The outbox writer: inside the caller's transaction, one Notification row per enabled channel that
// subscribes to the event, so the notification commits or rolls back with the change it reports.
// Each row carries its recipients, resolved here (resolve-recipients.ts), so retries address the same people.
import type { TAuditTx } from "@/lib/audit/append";
import { parseChannelConfig } from "./channel-config";
import { ZNotifyMessage, type TNotifyMessage, type TOutboxEvent } from "./events";
import { audienceAddresses, emailRecipients, resolveAudiencePeople, type TAudiencePeople } from "./resolve-recipients";

/** A Prisma interactive transaction client, or a node-postgres client inside BEGIN ... COMMIT. */
export type TNotifyTx = TAuditTx;

/**
 * Fans the message out to the channels subscribed to its event (channels of its organization, and
 * those of every organization). Idempotent per (channel, idempotencyKey). Returns the names of the
 * channels that get it, sorted; `[]` when none subscribes. An e-mail channel left with nobody to
 * address (no fixed list, and none of the people its options add) gets a DEAD row saying so, and
 * is not named.
 */
export async function enqueueNotification(tx: TNotifyTx, message: TNotifyMessage): Promise<string[]> {
  const m = ZNotifyMessage.parse(message);
  const people = await resolveAudiencePeople(tx, m);
  const rows = await insertOutboxRows(tx, {
    ...m,
    time: m.time ?? new Date(),
    people,
    channels: { subscribedTo: m.event },
  });
  return rows.filter((r) => r.addressed).map((r) => r.name);
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
  /** The addresses of the message's audience (resolveAudiencePeople), actor left out. */
  people: TAudiencePeople;
  /** The enabled channels of the organization (or of none) subscribed to an event, or one channel by id. */
  channels: { subscribedTo: TOutboxEvent } | { id: string };
};

/**
 * A break-glass execution skipped the approval: every enabled channel hears of it, whatever events
 * it takes, so the admin who used it cannot keep it quiet by editing a channel's events first.
 */
export const ALWAYS_SENT: TOutboxEvent = "break_glass.used";

type TChannelRow = { id: string; name: string; kind: string; config: unknown };
type TOutboxRow = { id: string; name: string; kind: string; recipients: string[]; status: "PENDING" | "DEAD"; lastError: string | null };

/**
 * Inserts the rows (conflicts on an existing key are skipped) and returns the matching channels,
 * `addressed` false for an e-mail channel that had nobody to send to.
 */
export async function insertOutboxRows(tx: TNotifyTx, row: TOutboxInsert): Promise<{ id: string; name: string; kind: string; addressed: boolean }[]> {
  const channels =
    "id" in row.channels
      ? await query<TChannelRow>(tx, `SELECT c."id"::text AS id, c."name", c."kind", c."config" FROM "NotificationChannel" c WHERE c."id" = $1::uuid`, [row.channels.id])
      : await query<TChannelRow>(
          tx,
          `SELECT c."id"::text AS id, c."name", c."kind", c."config" FROM "NotificationChannel" c
           WHERE c."enabled" AND ($2 = ANY(c."events") OR $2 = '${ALWAYS_SENT}') AND (c."organizationId" IS NULL OR c."organizationId" = $1) ORDER BY c."name"`,
          [row.organizationId, row.channels.subscribedTo],
        );
  const outbox: TOutboxRow[] = channels.map((c) => {
    const parsed = parseChannelConfig(c.kind, c.config);
    if (parsed?.kind !== "EMAIL") return { id: c.id, name: c.name, kind: c.kind, recipients: audienceAddresses(row.people), status: "PENDING", lastError: null };
    const recipients = emailRecipients(parsed.config, row.people);
    if (recipients.length > 0) return { id: c.id, name: c.name, kind: c.kind, recipients, status: "PENDING", lastError: null };
    return { id: c.id, name: c.name, kind: c.kind, recipients, status: "DEAD", lastError: `nobody to send to: ${nobodyBecause(parsed.config)}` };
  });
  if (outbox.length === 0) return [];
  // Exactly what jsonb gives back later: no undefined members, dates as strings.
  const payload = JSON.stringify(row.data ?? {});
  const time = new Date(Math.floor(row.time.getTime()));
  await query(
    tx,
    `INSERT INTO "Notification" ("id", "channelId", "channelName", "channelKind", "organizationId", "event", "idempotencyKey",
       "subjectType", "subjectId", "audience", "title", "text", "link", "payload", "eventTime", "status", "attempts", "nextAttemptAt", "createdAt",
       "recipients", "lastError")
     SELECT gen_random_uuid(), x."id"::uuid, x."name", x."kind", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::timestamptz, x."status", 0,
       $11::timestamptz, $11::timestamptz, ARRAY(SELECT jsonb_array_elements_text(x."recipients")), x."lastError"
     FROM jsonb_to_recordset($12::jsonb) AS x("id" text, "name" text, "kind" text, "recipients" jsonb, "status" text, "lastError" text)
     ON CONFLICT ("channelId", "idempotencyKey") DO NOTHING`,
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
      JSON.stringify(outbox),
    ],
  );
  return outbox.map((o) => ({ id: o.id, name: o.name, kind: o.kind, addressed: o.status === "PENDING" }));
}

function nobodyBecause(config: { toRequester: boolean; toApprovers: boolean }): string {
  const options = [config.toRequester ? "the requester" : null, config.toApprovers ? "the approvers" : null].filter(Boolean).join(" or ");
  return `the channel has no fixed addresses and found no e-mail address for ${options} of this message (the person who acted is never addressed)`;
}

async function query<T>(tx: TNotifyTx, text: string, values: unknown[]): Promise<T[]> {
  if ("$queryRawUnsafe" in tx) return tx.$queryRawUnsafe<T[]>(text, ...values);
  return (await tx.query(text, values)).rows as T[];
}
