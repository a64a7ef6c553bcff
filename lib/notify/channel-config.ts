// Each channel kind's stored settings (NotificationChannel.config), and what of them the browser
// may see: the webhook secret never, URLs only by host (a Slack webhook URL is itself a secret).
import { z } from "zod";
import type { TChannelKind } from "./events";

export const ZWebhookConfig = z.object({ url: z.string(), secret: z.string() });
export const ZSlackConfig = z.object({ url: z.string() });
export const ZEmailConfig = z.object({ to: z.array(z.string()).min(1) });

export type TChannelConfig =
  | { kind: "WEBHOOK"; config: z.infer<typeof ZWebhookConfig> }
  | { kind: "SLACK"; config: z.infer<typeof ZSlackConfig> }
  | { kind: "EMAIL"; config: z.infer<typeof ZEmailConfig> };

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

/** Where a channel sends, safe to show: the URL's origin (webhook: and path), or the recipients. */
export function describeTarget(kind: TChannelKind | string, config: unknown): string {
  const parsed = parseChannelConfig(kind, config);
  if (!parsed) return "(invalid settings)";
  if (parsed.kind === "EMAIL") return parsed.config.to.join(", ");
  try {
    const url = new URL(parsed.config.url);
    return parsed.kind === "SLACK" ? `${url.origin}/…` : `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/** The host a channel posts to, for the audit trail (never the full URL). */
export function targetHost(config: TChannelConfig): string | null {
  if (config.kind === "EMAIL") return null;
  try {
    return new URL(config.config.url).host;
  } catch {
    return null;
  }
}
