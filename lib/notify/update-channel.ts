// Enables/disables a channel, renames it or changes its events (admin), audited as
// notify.channel_updated with what changed. URL and secret are not editable: delete and add again.
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { ZChannelEvents, ZChannelName } from "./create-channel";
import { toChannelView, type TChannelView } from "./list-channels";

export const ZChannelParams = z.object({
  channelId: z.uuid({ message: "must be a channel id (a UUID)" }),
});

export const ZUpdateChannelInput = z
  .object({ enabled: z.boolean().optional(), name: ZChannelName.optional(), events: ZChannelEvents.optional() })
  .strict()
  .refine((v) => v.enabled !== undefined || v.name !== undefined || v.events !== undefined, { message: "give enabled, name or events to change" });
export type TUpdateChannelInput = z.input<typeof ZUpdateChannelInput>;

export async function updateChannel(options: { actor: TActor; channelId: string; input: TUpdateChannelInput; db?: PrismaClient; now: Date }): Promise<TChannelView> {
  assertPermission(options.actor, "settings.write");
  const input = ZUpdateChannelInput.parse(options.input);
  const db = options.db ?? defaultDb;
  return db.$transaction(async (tx) => {
    const [current] = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT "id"::text AS id FROM "NotificationChannel" WHERE "id" = $1::uuid FOR UPDATE`, options.channelId);
    if (!current) throw notFound(options.channelId);
    const before = await tx.notificationChannel.findUniqueOrThrow({ where: { id: options.channelId } });
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (input.enabled !== undefined && input.enabled !== before.enabled) changes.enabled = { from: before.enabled, to: input.enabled };
    if (input.name !== undefined && input.name !== before.name) changes.name = { from: before.name, to: input.name };
    if (input.events !== undefined && input.events.join(",") !== [...before.events].sort().join(",")) changes.events = { from: before.events, to: input.events };
    if (Object.keys(changes).length === 0) return toChannelView(before);
    if (changes.name) {
      const taken = await tx.notificationChannel.findUnique({ where: { name: input.name! }, select: { id: true } });
      if (taken) throw new AppError("CONFLICT", `A channel named "${input.name}" exists already. Choose another name.`, { issues: [{ path: "name", message: "is taken" }] });
    }
    const after = await tx.notificationChannel.update({
      where: { id: options.channelId },
      data: { enabled: input.enabled, name: input.name, events: input.events, updatedAt: options.now },
    });
    await appendAuditEvent(tx, {
      type: "notify.channel_updated",
      actor: options.actor,
      organizationId: after.organizationId,
      target: { type: "NOTIFICATION_CHANNEL", id: after.id },
      payload: { channelId: after.id, name: after.name, changes },
      time: options.now,
    });
    return toChannelView(after);
  });
}

export function notFound(channelId: string): AppError {
  return new AppError("NOT_FOUND", `No notification channel ${channelId}. Reload the Settings page to see the current channels.`);
}
