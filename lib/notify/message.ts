// The bytes each channel sends, built from one outbox row: the webhook's JSON body and signature,
// the Slack Block Kit message, the e-mail. Format documented in README.md; receivers depend on it.
import { createHmac, timingSafeEqual } from "node:crypto";

export type TOutboxMessage = {
  id: string;
  idempotencyKey: string;
  event: string;
  eventTime: Date;
  title: string;
  text: string;
  link: string;
  audience: string | null;
  /** Resolved when the row was written: an e-mail's addresses, or the audience's people for webhooks and Slack. */
  recipients: string[];
  organizationId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  payload: unknown;
};

export type TWebhookBody = {
  id: string;
  idempotencyKey: string;
  event: string;
  time: string;
  title: string;
  text: string;
  link: string;
  audience: string | null;
  /** The audience's people by e-mail address (the requester, or the approvers), actor left out. */
  recipients: string[];
  organizationId: string | null;
  subject: { type: string; id: string } | null;
  data: unknown;
};

export const SIGNATURE_HEADER = "X-Rootwarden-Signature";
export const DELIVERY_HEADER = "X-Rootwarden-Delivery";
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const EVENT_HEADER = "X-Rootwarden-Event";

/** The deep link as an absolute URL on the app's public address. */
export function absoluteLink(link: string, appUrl: string): string {
  return new URL(link, appUrl.endsWith("/") ? appUrl : `${appUrl}/`).toString();
}

export function webhookBody(m: TOutboxMessage, appUrl: string): string {
  const body: TWebhookBody = {
    id: m.id,
    idempotencyKey: m.idempotencyKey,
    event: m.event,
    time: m.eventTime.toISOString(),
    title: m.title,
    text: m.text,
    link: absoluteLink(m.link, appUrl),
    audience: m.audience,
    recipients: m.recipients,
    organizationId: m.organizationId,
    subject: m.subjectType && m.subjectId ? { type: m.subjectType, id: m.subjectId } : null,
    data: m.payload ?? {},
  };
  return JSON.stringify(body);
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` */
export function signWebhook(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** The receiver's side (also what the tests run): signature matches and t is within tolerance of now. */
export function verifyWebhookSignature(options: { secret: string; header: string; body: string; nowSeconds: number; toleranceSeconds?: number }): boolean {
  const parts = new Map<string, string[]>();
  for (const item of options.header.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 1) continue;
    const k = item.slice(0, eq).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = Number(parts.get("t")?.[0]);
  if (!Number.isInteger(t) || Math.abs(options.nowSeconds - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(createHmac("sha256", options.secret).update(`${t}.${options.body}`).digest("hex"));
  return (parts.get("v1") ?? []).some((v) => v.length === expected.length && timingSafeEqual(Buffer.from(v), expected));
}

export type TSlackMessage = { text: string; blocks: Record<string, unknown>[] };

export function slackMessage(m: TOutboxMessage, appUrl: string): TSlackMessage {
  const url = absoluteLink(m.link, appUrl);
  const text = m.text.trim() === "" ? m.title : m.text;
  return {
    // The fallback for notifications and clients without blocks.
    text: `${escapeMrkdwn(m.title)}: <${url}|open in Rootwarden>`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(m.title, 150), emoji: false } },
      { type: "section", text: { type: "mrkdwn", text: truncate(escapeMrkdwn(text), 3000) } },
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Open in Rootwarden" }, url, action_id: "rootwarden-open" }],
      },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: truncate(`\`${m.event}\` · ${m.eventTime.toISOString()} · delivery ${m.id}`, 3000) },
          ...(m.audience ? [{ type: "mrkdwn", text: truncate(escapeMrkdwn(`for ${m.audience}${m.recipients.length ? `: ${m.recipients.join(", ")}` : ""}`), 3000) }] : []),
        ],
      },
    ],
  };
}

export type TEmail = { subject: string; text: string; headers: Record<string, string>; messageId: string };

export function emailMessage(m: TOutboxMessage, appUrl: string): TEmail {
  const url = absoluteLink(m.link, appUrl);
  return {
    subject: `[Rootwarden] ${m.title}`,
    text: `${m.text}\n\nOpen in Rootwarden: ${url}\n\n--\nEvent ${m.event} at ${m.eventTime.toISOString()}\nIdempotency key: ${m.idempotencyKey}\n`,
    headers: { [IDEMPOTENCY_HEADER]: m.idempotencyKey, [DELIVERY_HEADER]: m.id, [EVENT_HEADER]: m.event },
    // Stable across retries: mail clients and archives drop a second copy with the same Message-ID.
    messageId: `<${m.id}@rootwarden.notify>`,
  };
}

// Slack's three control characters; everything else is shown as typed.
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
