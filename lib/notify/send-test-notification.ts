// "Send a test" on Settings: one `test` notification to one channel through the same outbox and
// deliverer as every other message, audited as notify.test_requested. The admin who sends it stands
// in for the requester and the approvers: an e-mail channel's options address them, not everyone.
import { randomUUID } from "node:crypto";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, describeActor, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { insertOutboxRows } from "./enqueue-notification";
import { notFound } from "./update-channel";

export async function sendTestNotification(options: { actor: TActor; channelId: string; db?: PrismaClient; now: Date }): Promise<{ notificationId: string }> {
  assertPermission(options.actor, "settings.write");
  const db = options.db ?? defaultDb;
  return db.$transaction(async (tx) => {
    const channel = await tx.notificationChannel.findUnique({ where: { id: options.channelId } });
    if (!channel) throw notFound(options.channelId);
    if (!channel.enabled) throw new AppError("BAD_REQUEST", `The channel "${channel.name}" is disabled. Enable it first, then send a test.`);
    const key = `test:${randomUUID()}`;
    const stand = options.actor.email ? [options.actor.email.trim().toLowerCase()] : [];
    await insertOutboxRows(tx, {
      event: "test",
      organizationId: channel.organizationId,
      idempotencyKey: key,
      title: `Test notification for ${channel.name}`,
      text: `${describeActor(options.actor)} sent this test from Rootwarden's Settings page. If you can read it, the channel works.`,
      link: "/settings#notifications",
      data: { requestedBy: describeActor(options.actor) },
      time: options.now,
      audience: "everyone",
      people: { requester: stand, approvers: stand },
      channels: { id: channel.id },
    });
    const [row] = await tx.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id"::text AS id FROM "Notification" WHERE "channelId" = $1::uuid AND "idempotencyKey" = $2`,
      channel.id,
      key,
    );
    await appendAuditEvent(tx, {
      type: "notify.test_requested",
      actor: options.actor,
      organizationId: channel.organizationId,
      target: { type: "NOTIFICATION_CHANNEL", id: channel.id },
      payload: { channelId: channel.id, name: channel.name, notificationId: row.id },
      time: options.now,
    });
    return { notificationId: row.id };
  });
}
