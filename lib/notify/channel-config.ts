// Each channel kind's stored settings (NotificationChannel.config), and what of them the browser
// may see: the webhook secret never, URLs only by host (a Slack webhook URL is itself a secret).
// The webhook secret and the Slack URL are stored sealed (channel-secrets.ts); open them to use them.
import { z } from "zod";
import { openSecret, type TKeyring } from "./channel-secrets";
import type { TChannelKind } from "./events";

export const ZWebhookConfig = z.object({ url: z.string(), secret: z.string() });
export const ZSlackConfig = z.object({ url: z.string() });
/** `to`: fixed addresses; the options add the people a message is for (resolve-recipients.ts). */
export const ZEmailConfig = z
  .object({ to: z.array(z.string()), toRequester: z.boolean().default(false), toApprovers: z.boolean().default(false) })
  .refine((c) => c.to.length > 0 || c.toRequester || c.toApprovers);

export type TEmailConfig = z.infer<typeof ZEmailConfig>;
export type TChannelConfig =
  | { kind: "WEBHOOK"; config: z.infer<typeof ZWebhookConfig> }
  | { kind: "SLACK"; config: z.infer<typeof ZSlackConfig> }
  | { kind: "EMAIL"; config: TEmailConfig };

/** Null when the stored config does not fit its kind (then delivery gives up with that reason). */
export function parseChannelConfig(kind: string, config: unknown): TChannelConfig | null {
  if (kind === "WEBHOOK") {
    const c = ZWebhookConfig.safeParse(config);
    return c.success ? { kind, config: c.data } : null;
  }
  if (kind === "SLACK") {
    const c = ZSlackConfig.safeParse(config);
    return c.success ? { kind, config: c.data } : null;
  }
  if (kind === "EMAIL") {
    const c = ZEmailConfig.safeParse(config);
    return c.success ? { kind, config: c.data } : null;
  }
  return null;
}

/** The config with its sealed member opened. Throws ChannelSecretError (tampered, or a key this process lacks). */
export function openChannelConfig(channel: TChannelConfig, channelId: string, keyring: TKeyring): TChannelConfig {
  if (channel.kind === "WEBHOOK") return { kind: "WEBHOOK", config: { ...channel.config, secret: openSecret(keyring, channel.config.secret, { channelId, field: "secret" }) } };
  if (channel.kind === "SLACK") return { kind: "SLACK", config: { url: openSecret(keyring, channel.config.url, { channelId, field: "url" }) } };
  return channel;
}

/** Where a channel sends, safe to show: the URL's origin (webhook: and path), or the recipients. */
export function describeTarget(kind: TChannelKind | string, config: unknown, channelId: string, keyring: TKeyring): string {
  const parsed = parseChannelConfig(kind, config);
  if (!parsed) return "(invalid settings)";
  if (parsed.kind === "EMAIL") {
    const people = [...(parsed.config.toRequester ? ["the requester"] : []), ...(parsed.config.toApprovers ? ["the approvers"] : [])];
    return [...parsed.config.to, ...people].join(", ");
  }
  let url: string;
  try {
    const opened = parsed.kind === "SLACK" ? openChannelConfig(parsed, channelId, keyring) : parsed;
    url = opened.kind === "EMAIL" ? "" : opened.config.url;
  } catch {
    return "(URL unreadable with this server's keys; see the delivery log)";
  }
  try {
    const u = new URL(url);
    return parsed.kind === "SLACK" ? `${u.origin}/…` : `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/** The host a channel posts to, for the audit trail (never the full URL); from the plaintext config. */
export function targetHost(config: TChannelConfig): string | null {
  if (config.kind === "EMAIL") return null;
  try {
    return new URL(config.config.url).host;
  } catch {
    return null;
  }
}
