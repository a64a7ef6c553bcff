// Appends one event to the trail inside the caller's transaction, so the event commits or rolls back
// with the change it records. An append only inserts the event into AuditPending: it takes no lock
// that is held to commit, so concurrent writers never wait for each other. The sequencer
// (sequence.ts) then moves committed pending events into AuditEvent, one batch at a time under the
// tree head's lock, giving each its gapless seq, its leaf and chain hashes, and the batch a signed
// checkpoint. Readers of the trail sequence first, so they see every committed event.
import type { TCaller } from "@/lib/auth/actor";
import { auditActor } from "./actor";
import { jcs, type TAuditActorRecord, type TAuditRequestRecord } from "./canonical";
import { ZAuditEventBody, type TAuditEventBody, type TAuditTargetType } from "./event-types";
import { currentRequestMeta } from "./request-context";

export type TAuditEventInput = TAuditEventBody & {
  /** A signed-in user, SYSTEM, or an explicit actor record. */
  actor: TCaller | TAuditActorRecord;
  organizationId?: string | null;
  target?: { type: TAuditTargetType; id: string } | null;
  /** Defaults to the current request's metadata (set by the route wrapper), else none. */
  request?: TAuditRequestRecord | null;
  time?: Date;
};

/** A Prisma interactive transaction client, or a node-postgres client inside BEGIN ... COMMIT. */
export type TAuditTx =
  | { $queryRawUnsafe: <T = unknown>(query: string, ...values: unknown[]) => Promise<T> }
  | { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

/** The pending event's id (AuditPending.id, decimal): AuditEvent.pendingId once it is sequenced. */
export type TAppendedAuditEvent = { pendingId: string };

export class AuditKeyRotatedError extends Error {
  constructor(keyId: string, activeKeyId: string) {
    super(
      `This process signs audit checkpoints with key ${keyId}, but key ${activeKeyId} has replaced it. ` +
        "Restart it with the current AUDIT_SIGNING_KEY.",
    );
    this.name = "AuditKeyRotatedError";
  }
}

export async function appendAuditEvent(tx: TAuditTx, input: TAuditEventInput): Promise<TAppendedAuditEvent> {
  const body = ZAuditEventBody.parse({ type: input.type, payload: input.payload });
  // Refused here, with the change, rather than left for the sequencer to trip over.
  const payloadText = JSON.stringify(body.payload);
  jcs(JSON.parse(payloadText));
  const actor = auditActor(input.actor);
  const request = input.request ?? currentRequestMeta();
  const time = new Date(Math.floor((input.time ?? new Date()).getTime()));
  const [row] = await auditQuery<{ id: string }>(
    tx,
    // Prepared once per connection (node-postgres; Prisma prepares its own).
    `INSERT INTO "AuditPending" ("time", "type", "actorType", "actorUserId", "actorIssuer", "actorSubject", "actorEmail", "actorRoles",
       "sourceIp", "userAgent", "requestId", "organizationId", "targetType", "targetId", "payload")
     VALUES ($1::timestamptz, $2, $3, $4::uuid, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13, $14, $15::jsonb)
     RETURNING "id"::text AS id`,
    [
      time, body.type, actor.type, actor.userId, actor.issuer, actor.subject, actor.email, actor.roles,
      request.ip, request.userAgent, request.requestId, input.organizationId ?? null, input.target?.type ?? null, input.target?.id ?? null,
      payloadText,
    ],
    "rootwarden_audit_append_v1",
  );
  return { pendingId: row!.id };
}

/** One statement through either kind of transaction client. */
export async function auditQuery<T>(tx: TAuditTx, text: string, values: unknown[], name?: string): Promise<T[]> {
  // typeof, not `in`: the app's Prisma client is a Proxy that only answers property reads.
  if (typeof (tx as { $queryRawUnsafe?: unknown }).$queryRawUnsafe === "function") {
    return (tx as { $queryRawUnsafe: <R>(query: string, ...values: unknown[]) => Promise<R> }).$queryRawUnsafe<T[]>(text, ...values);
  }
  tx = tx as Exclude<TAuditTx, { $queryRawUnsafe: unknown }>;
  if (!name) return (await tx.query(text, values)).rows as T[];
  // node-postgres also takes a query config: a named statement is parsed and planned once per connection.
  const named = tx.query as unknown as (config: { name: string; text: string; values: unknown[] }) => Promise<{ rows: unknown[] }>;
  return (await named.call(tx, { name, text, values })).rows as T[];
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
