// The notifications a request's transitions send (lib/notify outbox, written in the transition's own
// transaction): created and break-glass to approvers, decisions and expiry to the requester, and
// the outcome of the execution. Every message links to the request page. The requester and the
// actor go with it by user id: e-mail channels address the people (never the actor about their own act).
import { enqueueNotification, type TNotifyTx } from "@/lib/notify/enqueue-notification";
import type { TNotifyEvent } from "@/lib/notify/events";
import { TASKS, type TTaskType } from "./catalogue";

type TRequestLike = {
  id: string;
  number: number;
  organizationId: string;
  taskType: string;
  scopeLabel: string;
  requestedById: string;
  requestedByLabel: string;
  reason: string;
  targetCount: number;
};

const AUDIENCE: Record<TNotifyEvent, "approvers" | "requester" | "everyone"> = {
  "request.created": "approvers",
  "request.approved": "requester",
  "request.rejected": "requester",
  "request.cancelled": "requester",
  "request.expired": "requester",
  "task.succeeded": "requester",
  "task.failed": "everyone",
  "break_glass.used": "approvers",
  "drift.detected": "everyone",
  "scan.failed": "everyone",
  "audit.verification_failed": "everyone",
};

export function requestLink(requestId: string): string {
  return `/requests/${requestId}`;
}

export async function notifyRequest(
  tx: TNotifyTx,
  request: TRequestLike,
  event: TNotifyEvent,
  options: {
    title: string;
    text?: string;
    time?: Date;
    data?: Record<string, unknown>;
    /** Whose action this reports; the requester for created and break-glass, null for the system (expiry, execution). */
    actorUserId?: string | null;
  },
): Promise<string[]> {
  const label = (TASKS as Record<string, { label: string } | undefined>)[request.taskType as TTaskType]?.label ?? request.taskType;
  return enqueueNotification(tx, {
    event,
    organizationId: request.organizationId,
    idempotencyKey: `${event}:${request.id}`,
    title: `#${request.number} ${label}: ${options.title}`.slice(0, 200),
    text: (options.text ?? `${label} on ${request.scopeLabel} (${request.targetCount} target${request.targetCount === 1 ? "" : "s"}), requested by ${request.requestedByLabel}: ${request.reason}`).slice(0, 3000),
    link: requestLink(request.id),
    audience: AUDIENCE[event],
    requesterUserId: request.requestedById,
    actorUserId: options.actorUserId !== undefined ? options.actorUserId : event === "request.created" || event === "break_glass.used" ? request.requestedById : null,
    subject: { type: "REQUEST", id: request.id },
    data: { requestId: request.id, number: request.number, taskType: request.taskType, ...options.data },
    time: options.time,
  });
}
