// The Settings page's channel list: what each channel is and where it sends, never its secret.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { describeTarget } from "./channel-config";
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
  createdAt: Date;
  createdBy: string;
};

type TChannelRow = { id: string; kind: string; name: string; organizationId: string | null; events: string[]; enabled: boolean; config: unknown; createdAt: Date; createdBy: string };

export async function listChannels(options: { actor: TActor; db?: PrismaClient }): Promise<TChannelView[]> {
  assertPermission(options.actor, "settings.read");
  const db = options.db ?? defaultDb;
  const rows = await db.notificationChannel.findMany({ orderBy: { name: "asc" } });
  return rows.map(toChannelView);
}

export function toChannelView(row: TChannelRow): TChannelView {
  const config = (row.config ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    kind: row.kind as TChannelKind,
    name: row.name,
    organizationId: row.organizationId,
    events: row.events,
    enabled: row.enabled,
    target: describeTarget(row.kind, row.config),
    secretSet: row.kind === "WEBHOOK" && typeof config.secret === "string" && config.secret !== "",
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}
