// Sends one outbox row over its channel. Throws a short, secret-free Error when the receiver did
// not take it (the deliverer records the message and schedules a retry).
import nodemailer from "nodemailer";
import type { TChannelConfig } from "./channel-config";
import { postJson } from "./http-post";
import { DELIVERY_HEADER, EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, emailMessage, signWebhook, slackMessage, webhookBody, type TEmail, type TOutboxMessage } from "./message";
import { checkOutboundUrl, type TUrlPolicy } from "./url-guard";

export type TSendMail = (mail: TEmail & { from: string; to: string[] }) => Promise<void>;

export type TSendDeps = {
  appUrl: string;
  policy: TUrlPolicy;
  now: () => Date;
  /** E-mail transport; unset when SMTP_URL is not configured. */
  sendMail?: TSendMail;
  emailFrom: string;
  attempt: number;
};

export async function sendToChannel(channel: TChannelConfig, m: TOutboxMessage, deps: TSendDeps): Promise<void> {
  if (channel.kind === "EMAIL") {
    if (!deps.sendMail) throw new Error("e-mail is not configured: set SMTP_URL and restart the workers");
    // The addresses resolved when the row was written, not the channel's current options: a retry
    // goes to the same people.
    if (m.recipients.length === 0) throw new Error("the delivery has no recipients");
    await deps.sendMail({ ...emailMessage(m, deps.appUrl), from: deps.emailFrom, to: m.recipients });
    return;
  }
  const checked = checkOutboundUrl(channel.config.url, deps.policy);
  if (!checked.ok) throw new Error(`the channel URL ${checked.reason}`);
  const headers: Record<string, string> = {
    "user-agent": "Rootwarden-Notify/1",
    [IDEMPOTENCY_HEADER]: m.idempotencyKey,
    [DELIVERY_HEADER]: m.id,
    [EVENT_HEADER]: m.event,
    "X-Rootwarden-Attempt": String(deps.attempt),
  };
  let body: string;
  if (channel.kind === "WEBHOOK") {
    body = webhookBody(m, deps.appUrl);
    headers[SIGNATURE_HEADER] = signWebhook(channel.config.secret, Math.floor(deps.now().getTime() / 1000), body);
  } else {
    body = JSON.stringify(slackMessage(m, deps.appUrl));
  }
  const res = await postJson(checked.url, body, headers, { policy: deps.policy });
  if (res.status >= 200 && res.status < 300) return;
  if (res.status >= 300 && res.status < 400) throw new Error(`HTTP ${res.status}: redirects are not followed; give the final URL`);
  const said = res.body.replace(/[^\x20-\x7e]+/g, " ").trim().slice(0, 120);
  throw new Error(`HTTP ${res.status}${said ? `: ${said}` : ""}`);
}

const transports = new Map<string, TSendMail>();

/** One nodemailer transport per SMTP_URL, reused across deliveries. */
export function smtpSender(smtpUrl: string): TSendMail {
  let send = transports.get(smtpUrl);
  if (!send) {
    const transport = nodemailer.createTransport(smtpUrl);
    send = async (mail) => {
      await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, headers: mail.headers, messageId: mail.messageId });
    };
    transports.set(smtpUrl, send);
  }
  return send;
}
