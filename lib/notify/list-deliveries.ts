// The delivery log (Settings) and "who was notified" for one page (the request page).
import { z } from "zod";
import { assertPermission, type TActor, type TCaller } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { CHANNEL_KIND_LABELS, ZAppPath, ZNotificationStatus, type TChannelKind, type TNotificationStatus } from "./events";

export type TDeliveryView = {
  id: string;
  channelId: string | null;
  channelName: string;
  channelKind: TChannelKind;
  event: string;
  title: string;
  link: string;
  status: TNotificationStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  createdAt: Date;
};

export const ZListDeliveriesQuery = z.object({
  status: ZNotificationStatus.optional(),
  channelId: z.uuid({ message: "must be a channel id (a UUID)" }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type TListDeliveriesQuery = z.input<typeof ZListDeliveriesQuery>;

export async function listDeliveries(options: { actor: TActor; query?: TListDeliveriesQuery; db?: PrismaClient }): Promise<TDeliveryView[]> {
  assertPermission(options.actor, "settings.read");
  const query = ZListDeliveriesQuery.parse(options.query ?? {});
  const db = options.db ?? defaultDb;
  const rows = await db.notification.findMany({
    where: { status: query.status, channelId: query.channelId },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: query.limit,
  });
  return rows.map((r) => ({
    id: r.id,
    channelId: r.channelId,
    channelName: r.channelName,
    channelKind: r.channelKind as TChannelKind,
    event: r.event,
    title: r.title,
    link: r.link,
    status: r.status as TNotificationStatus,
    attempts: r.attempts,
    lastError: r.lastError,
    nextAttemptAt: r.status === "PENDING" || r.status === "FAILED" ? r.nextAttemptAt : null,
    sentAt: r.sentAt,
    createdAt: r.createdAt,
  }));
}

export const ZNotifiedQuery = z
  .object({
    link: ZAppPath.optional(),
    subjectId: z.string().min(1).max(200).optional(),
  })
  .refine((q) => (q.link === undefined) !== (q.subjectId === undefined), { message: "give exactly one of link or subjectId" });

export type TNotifiedChannel = {
  channelName: string;
  channelKind: TChannelKind;
  /** e.g. "#sec-alerts (Slack)" */
  label: string;
  event: string;
  status: TNotificationStatus;
  createdAt: Date;
};

/** The channels notified about one page or subject (newest first), for "notified: #sec-alerts (Slack), ...". */
export async function listNotificationsFor(
  actor: TCaller,
  options: { link?: string; subjectId?: string; db?: PrismaClient },
): Promise<TNotifiedChannel[]> {
  if (actor !== "system") assertPermission(actor, "tasks.read");
  const { link, subjectId } = ZNotifiedQuery.parse({ link: options.link, subjectId: options.subjectId });
  const db = options.db ?? defaultDb;
  const rows = await db.notification.findMany({
    where: link !== undefined ? { link } : { subjectId },
    orderBy: [{ createdAt: "desc" }, { channelName: "asc" }],
    take: 200,
    select: { channelName: true, channelKind: true, event: true, status: true, createdAt: true },
  });
  return rows.map((r) => ({
    channelName: r.channelName,
    channelKind: r.channelKind as TChannelKind,
    label: `${r.channelName} (${CHANNEL_KIND_LABELS[r.channelKind as TChannelKind] ?? r.channelKind})`,
    event: r.event,
    status: r.status as TNotificationStatus,
    createdAt: r.createdAt,
  }));
}
