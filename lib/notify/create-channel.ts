// Adds a notification channel (admin), audited as notify.channel_created in the same transaction.
// A webhook without a given secret gets a generated one, returned this once and never again. The
// webhook secret and the Slack URL are stored sealed (channel-secrets.ts).
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, describeActor, type TActor } from "@/lib/auth/actor";
import { assertFreshAuthForSettings } from "@/lib/auth/fresh-auth";
import { getConfig, type TConfig } from "@/lib/config";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { targetHost, type TChannelConfig } from "./channel-config";
import { notifyKeyring, sealSecret } from "./channel-secrets";
import { ZNotifyEvent } from "./events";
import { toChannelView, type TChannelView } from "./list-channels";
import { checkOutboundUrl, urlPolicy } from "./url-guard";

export const ZChannelName = z
  .string()
  .trim()
  .min(1, { message: "give the channel a name" })
  .max(80, { message: "must be at most 80 characters" })
  .regex(/^[^\p{Cc}]+$/u, { message: "must not contain control characters" });
export const ZChannelEvents = z
  .array(ZNotifyEvent)
  .min(1, { message: "pick at least one event" })
  .transform((events) => [...new Set(events)].sort());
const ZUrl = z.string().trim().min(1, { message: "give the URL" }).max(2000);

export const ZCreateChannelInput = z.discriminatedUnion(
  "kind",
  [
    z.object({
      kind: z.literal("WEBHOOK"),
      name: ZChannelName,
      events: ZChannelEvents,
      url: ZUrl,
      /** HMAC key the receiver verifies with; generated when left out. */
      secret: z.string().min(16, { message: "must be at least 16 characters (or leave it empty to have one generated)" }).max(200).optional(),
      organizationId: z.string().max(200).nullable().optional(),
    }),
    z.object({ kind: z.literal("SLACK"), name: ZChannelName, events: ZChannelEvents, url: ZUrl, organizationId: z.string().max(200).nullable().optional() }),
    z.object({
      kind: z.literal("EMAIL"),
      name: ZChannelName,
      events: ZChannelEvents,
      /** Fixed addresses (a mailing list); may be empty when an option below is on. */
      to: z.array(z.email({ message: "must be an e-mail address" })).max(50).default([]),
      /** Also to the requester of the request a message is about (their User e-mail). */
      toRequester: z.boolean().default(false),
      /** Also to every approver (users whose roles hold tasks.approve) when a message is for approvers. */
      toApprovers: z.boolean().default(false),
      organizationId: z.string().max(200).nullable().optional(),
    }),
  ],
  { error: "kind must be WEBHOOK, SLACK or EMAIL" },
).superRefine((v, ctx) => {
  if (v.kind === "EMAIL" && v.to.length === 0 && !v.toRequester && !v.toApprovers) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "give at least one recipient, or send to the requester or the approvers" });
  }
});
export type TCreateChannelInput = z.input<typeof ZCreateChannelInput>;

export type TCreatedChannel = { channel: TChannelView; /** Only when generated here: show it once. */ generatedSecret?: string };

export async function createChannel(options: { actor: TActor; input: TCreateChannelInput; db?: PrismaClient; config?: TConfig; now: Date }): Promise<TCreatedChannel> {
  assertPermission(options.actor, "settings.write");
  const parsed = ZCreateChannelInput.safeParse(options.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    throw new AppError("BAD_REQUEST", `Invalid channel: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`, { issues });
  }
  const input = parsed.data;
  assertFreshAuthForSettings(options.actor, options.now);
  const config = options.config ?? getConfig();
  const db = options.db ?? defaultDb;

  let stored: TChannelConfig;
  let generatedSecret: string | undefined;
  if (input.kind === "EMAIL") {
    if (!config.SMTP_URL) {
      throw new AppError("BAD_REQUEST", "E-mail channels need an SMTP server: set SMTP_URL (e.g. smtps://user:password@smtp.example.com:465) and restart Rootwarden.", {
        issues: [{ path: "kind", message: "SMTP_URL is not set" }],
      });
    }
    stored = { kind: "EMAIL", config: { to: [...new Set(input.to.map((t) => t.toLowerCase()))], toRequester: input.toRequester, toApprovers: input.toApprovers } };
  } else {
    const checked = checkOutboundUrl(input.url, urlPolicy(config));
    if (!checked.ok) throw new AppError("BAD_REQUEST", `Invalid channel: url: ${checked.reason}.`, { issues: [{ path: "url", message: checked.reason }] });
    if (input.kind === "WEBHOOK") {
      if (!input.secret) generatedSecret = randomBytes(32).toString("base64url");
      stored = { kind: "WEBHOOK", config: { url: checked.url.toString(), secret: input.secret ?? generatedSecret! } };
    } else {
      stored = { kind: "SLACK", config: { url: checked.url.toString() } };
    }
  }

  const id = randomUUID();
  const keyring = notifyKeyring(config);
  const sealed =
    stored.kind === "WEBHOOK"
      ? { ...stored.config, secret: sealSecret(keyring, stored.config.secret, { channelId: id, field: "secret" }) }
      : stored.kind === "SLACK"
        ? { url: sealSecret(keyring, stored.config.url, { channelId: id, field: "url" }) }
        : stored.config;
  const row = await db.$transaction(async (tx) => {
    const taken = await tx.notificationChannel.findUnique({ where: { name: input.name }, select: { id: true } });
    if (taken) throw new AppError("CONFLICT", `A channel named "${input.name}" exists already. Choose another name.`, { issues: [{ path: "name", message: "is taken" }] });
    const created = await tx.notificationChannel.create({
      data: {
        id,
        kind: stored.kind,
        name: input.name,
        organizationId: input.organizationId ?? null,
        config: sealed,
        events: input.events,
        enabled: true,
        createdAt: options.now,
        updatedAt: options.now,
        createdBy: describeActor(options.actor),
      },
    });
    await appendAuditEvent(tx, {
      type: "notify.channel_created",
      actor: options.actor,
      organizationId: input.organizationId ?? null,
      target: { type: "NOTIFICATION_CHANNEL", id },
      payload: {
        channelId: id,
        kind: stored.kind,
        name: input.name,
        events: input.events,
        host: targetHost(stored),
        ...(stored.kind === "EMAIL" ? { toRequester: stored.config.toRequester, toApprovers: stored.config.toApprovers } : {}),
      },
      time: options.now,
    });
    return created;
  });
  return { channel: toChannelView(row, keyring), ...(generatedSecret ? { generatedSecret } : {}) };
}
