// The Settings page's channel list: what each channel is and where it sends, never its secret.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { getConfig } from "@/lib/config";
import { describeTarget, parseChannelConfig } from "./channel-config";
import { notifyKeyring, type TKeyring } from "./channel-secrets";
import type { TChannelKind } from "./events";

export type TChannelView = {
  id: string;
  kind: TChannelKind;
  name: string;
  organizationId: string | null;
  events: string[];
  enabled: boolean;
  /** The URL's origin (and path for webhooks), or the e-mail recipients. */
  target: string;
  /** Webhooks: whether a signing secret is stored (it is never shown again). */
  secretSet: boolean;
  /** E-mail: also to the requester / the approvers of the message (besides the fixed addresses). */
  toRequester: boolean;
  toApprovers: boolean;
  createdAt: Date;
  createdBy: string;
};

type TChannelRow = { id: string; kind: string; name: string; organizationId: string | null; events: string[]; enabled: boolean; config: unknown; createdAt: Date; createdBy: string };

export async function listChannels(options: { actor: TActor; db?: PrismaClient }): Promise<TChannelView[]> {
  assertPermission(options.actor, "settings.read");
  const db = options.db ?? defaultDb;
  const rows = await db.notificationChannel.findMany({ orderBy: { name: "asc" } });
  return rows.map((row) => toChannelView(row));
}

export function toChannelView(row: TChannelRow, keyring: TKeyring = notifyKeyring(getConfig())): TChannelView {
  const config = (row.config ?? {}) as Record<string, unknown>;
  const parsed = parseChannelConfig(row.kind, row.config);
  const email = parsed?.kind === "EMAIL" ? parsed.config : null;
  return {
    id: row.id,
    kind: row.kind as TChannelKind,
    name: row.name,
    organizationId: row.organizationId,
    events: row.events,
    enabled: row.enabled,
    target: describeTarget(row.kind, row.config, row.id, keyring),
    secretSet: row.kind === "WEBHOOK" && typeof config.secret === "string" && config.secret !== "",
    toRequester: email?.toRequester ?? false,
    toApprovers: email?.toApprovers ?? false,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}
