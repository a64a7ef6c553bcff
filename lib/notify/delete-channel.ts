// Deletes a channel (admin), audited as notify.channel_deleted. Its delivery log stays (rows keep
// the channel's name); what it had not delivered yet is given up (DEAD) in the same transaction.
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { assertFreshAuthForSettings } from "@/lib/auth/fresh-auth";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { notFound } from "./update-channel";

export async function deleteChannel(options: { actor: TActor; channelId: string; db?: PrismaClient; now: Date }): Promise<{ deleted: true; undelivered: number }> {
  assertPermission(options.actor, "settings.write");
  assertFreshAuthForSettings(options.actor, options.now);
  const db = options.db ?? defaultDb;
  return db.$transaction(async (tx) => {
    const channel = await tx.notificationChannel.findUnique({ where: { id: options.channelId } });
    if (!channel) throw notFound(options.channelId);
    const undelivered = await tx.$executeRawUnsafe(
      `UPDATE "Notification" SET "status" = 'DEAD', "leaseUntil" = NULL, "lastError" = 'the channel was deleted'
       WHERE "channelId" = $1::uuid AND "status" IN ('PENDING', 'FAILED', 'SENDING')`,
      channel.id,
    );
    await tx.notificationChannel.delete({ where: { id: channel.id } });
    await appendAuditEvent(tx, {
      type: "notify.channel_deleted",
      actor: options.actor,
      organizationId: channel.organizationId,
      target: { type: "NOTIFICATION_CHANNEL", id: channel.id },
      payload: { channelId: channel.id, kind: channel.kind, name: channel.name },
      time: options.now,
    });
    return { deleted: true as const, undelivered };
  });
}
