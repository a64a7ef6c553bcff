// What a notification can be about, and the message a caller hands to enqueueNotification. Channels
// subscribe to events by these names; `test` is only ever sent by "Send a test" on Settings.
import { z } from "zod";

export const ZNotifyEvent = z.enum([
  "request.created",
  "request.approved",
  "request.rejected",
  "request.cancelled",
  "request.expired",
  "task.succeeded",
  "task.failed",
  "break_glass.used",
  "drift.detected",
  "scan.failed",
  "audit.verification_failed",
]);
export type TNotifyEvent = z.infer<typeof ZNotifyEvent>;
export const NOTIFY_EVENTS = ZNotifyEvent.options;

/** What the outbox's `event` column may hold: a subscribable event, or a channel test. */
export type TOutboxEvent = TNotifyEvent | "test";

export const NOTIFY_EVENT_LABELS: Record<TNotifyEvent, string> = {
  "request.created": "Request created (to approvers)",
  "request.approved": "Request approved (to the requester)",
  "request.rejected": "Request rejected (to the requester)",
  "request.cancelled": "Request cancelled (to the requester)",
  "request.expired": "Request expired (to the requester)",
  "task.succeeded": "Task succeeded",
  "task.failed": "Task failed",
  "break_glass.used": "Break-glass used (to every approver)",
  "drift.detected": "Drift detected",
  "scan.failed": "Scan failed or ended with errors",
  "audit.verification_failed": "Audit chain verification failed",
};

/** Who a message is for: e-mail channels with the requester/approvers options add those people (README: Recipients). */
export const ZNotifyAudience = z.enum(["approvers", "requester", "everyone"]);
export type TNotifyAudience = z.infer<typeof ZNotifyAudience>;

export const ZChannelKind = z.enum(["WEBHOOK", "SLACK", "EMAIL"]);
export type TChannelKind = z.infer<typeof ZChannelKind>;
export const CHANNEL_KIND_LABELS: Record<TChannelKind, string> = { WEBHOOK: "Webhook", SLACK: "Slack", EMAIL: "E-mail" };

export const ZNotificationStatus = z.enum(["PENDING", "SENDING", "FAILED", "SENT", "DEAD"]);
export type TNotificationStatus = z.infer<typeof ZNotificationStatus>;

/** An app path such as /requests/<id>: starts with one "/", no scheme, no host. */
export const ZAppPath = z
  .string()
  .max(2000)
  .regex(/^\/(?![/\\])[^\s]*$/, { message: "must be an app path starting with a single / (e.g. /requests/<id>)" });

export const ZNotifyMessage = z.object({
  event: ZNotifyEvent,
  organizationId: z.string().max(200).nullable(),
  /** Same key, same notification: enqueueing it again (a retried transaction) adds nothing. */
  idempotencyKey: z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, { message: "must be printable ASCII without spaces" }),
  title: z.string().min(1).max(200),
  text: z.string().max(3000),
  link: ZAppPath,
  data: z.record(z.string(), z.unknown()).optional(),
  time: z.date().optional(),
  audience: ZNotifyAudience.optional(),
  /** The User id of the person who asked (request events): the "requester" of the audience. */
  requesterUserId: z.string().max(200).nullable().optional(),
  /** The User id of the person whose action this reports: never addressed about their own action. */
  actorUserId: z.string().max(200).nullable().optional(),
  /** What it is about, for listNotificationsFor (e.g. { type: "REQUEST", id }). */
  subject: z.object({ type: z.string().min(1).max(50), id: z.string().min(1).max(200) }).optional(),
});
export type TNotifyMessage = z.input<typeof ZNotifyMessage>;
