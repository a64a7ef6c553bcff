// Enables/disables a channel, renames it, changes its events or an e-mail channel's requester and
// approvers options (admin), audited as notify.channel_updated with what changed. URL, secret and
// fixed addresses are not editable: delete and add again.
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { assertFreshAuthForSettings } from "@/lib/auth/fresh-auth";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { parseChannelConfig } from "./channel-config";
import { ZChannelEvents, ZChannelName } from "./create-channel";
import { toChannelView, type TChannelView } from "./list-channels";

export const ZChannelParams = z.object({
  channelId: z.uuid({ message: "must be a channel id (a UUID)" }),
});

export const ZUpdateChannelInput = z
  .object({
    enabled: z.boolean().optional(),
    name: ZChannelName.optional(),
    events: ZChannelEvents.optional(),
    toRequester: z.boolean().optional(),
    toApprovers: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: "give enabled, name, events, toRequester or toApprovers to change" });
export type TUpdateChannelInput = z.input<typeof ZUpdateChannelInput>;

export async function updateChannel(options: { actor: TActor; channelId: string; input: TUpdateChannelInput; db?: PrismaClient; now: Date }): Promise<TChannelView> {
  assertPermission(options.actor, "settings.write");
  const input = ZUpdateChannelInput.parse(options.input);
  assertFreshAuthForSettings(options.actor, options.now);
  const db = options.db ?? defaultDb;
  return db.$transaction(async (tx) => {
    const [current] = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT "id"::text AS id FROM "NotificationChannel" WHERE "id" = $1::uuid FOR UPDATE`, options.channelId);
    if (!current) throw notFound(options.channelId);
    const before = await tx.notificationChannel.findUniqueOrThrow({ where: { id: options.channelId } });
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (input.enabled !== undefined && input.enabled !== before.enabled) changes.enabled = { from: before.enabled, to: input.enabled };
    if (input.name !== undefined && input.name !== before.name) changes.name = { from: before.name, to: input.name };
    if (input.events !== undefined && input.events.join(",") !== [...before.events].sort().join(",")) changes.events = { from: before.events, to: input.events };
    let config: object | undefined;
    if (input.toRequester !== undefined || input.toApprovers !== undefined) {
      const parsed = parseChannelConfig(before.kind, before.config);
      if (parsed?.kind !== "EMAIL") {
        throw new AppError("BAD_REQUEST", `"${before.name}" is not an e-mail channel: only e-mail channels send to the requester or the approvers.`, {
          issues: [{ path: input.toRequester !== undefined ? "toRequester" : "toApprovers", message: "only for e-mail channels" }],
        });
      }
      const next = { ...parsed.config, toRequester: input.toRequester ?? parsed.config.toRequester, toApprovers: input.toApprovers ?? parsed.config.toApprovers };
      if (next.to.length === 0 && !next.toRequester && !next.toApprovers) {
        throw new AppError("BAD_REQUEST", `"${before.name}" has no fixed addresses, so it must send to the requester, the approvers or both. Delete the channel instead.`, {
          issues: [{ path: "toRequester", message: "the channel would have no one to send to" }],
        });
      }
      if (next.toRequester !== parsed.config.toRequester) changes.toRequester = { from: parsed.config.toRequester, to: next.toRequester };
      if (next.toApprovers !== parsed.config.toApprovers) changes.toApprovers = { from: parsed.config.toApprovers, to: next.toApprovers };
      if (changes.toRequester || changes.toApprovers) config = next;
    }
    if (Object.keys(changes).length === 0) return toChannelView(before);
    if (changes.name) {
      const taken = await tx.notificationChannel.findUnique({ where: { name: input.name! }, select: { id: true } });
      if (taken) throw new AppError("CONFLICT", `A channel named "${input.name}" exists already. Choose another name.`, { issues: [{ path: "name", message: "is taken" }] });
    }
    const after = await tx.notificationChannel.update({
      where: { id: options.channelId },
      data: { enabled: input.enabled, name: input.name, events: input.events, config, updatedAt: options.now },
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
