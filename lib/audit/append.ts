// Appends one event to the trail inside the caller's transaction, so the event commits or rolls back
// with the change it records. Appends are serialized by locking the single AuditHead row FOR UPDATE
// (held to commit, which also makes seq gapless); the head keeps the compact Merkle frontier, so an
// append costs O(log n) hashes, and each append leaves an Ed25519-signed checkpoint of the new tree.
import type { TCaller } from "@/lib/auth/actor";
import { auditActor } from "./actor";
import { canonicalBytes, recordFromRow, type TAuditActorRecord, type TAuditEventRow, type TAuditRequestRecord } from "./canonical";
import { ZAuditEventBody, type TAuditEventBody, type TAuditTargetType } from "./event-types";
import { appendToFrontier, chainHash, frontierFromBytes, frontierToBytes, leafHash, rootFromFrontier } from "./merkle";
import { currentRequestMeta } from "./request-context";
import { checkpointText, signNote } from "./signed-note";
import { getAuditSigner, type TAuditSigner } from "./signing-key";

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

export type TAppendedAuditEvent = { seq: number; leafHash: Buffer; treeSize: number; rootHash: Buffer; checkpoint: string };

type THeadRow = { size: string; chainHash: Uint8Array; frontier: Uint8Array; activeKeyId: string | null; activeKeyName: string | null; mine: number };

export class AuditKeyRotatedError extends Error {
  constructor(keyId: string, activeKeyId: string) {
    super(
      `This process signs audit checkpoints with key ${keyId}, but key ${activeKeyId} has replaced it. ` +
        "Restart it with the current AUDIT_SIGNING_KEY.",
    );
    this.name = "AuditKeyRotatedError";
  }
}

export async function appendAuditEvent(
  tx: TAuditTx,
  input: TAuditEventInput,
  options: { signer?: TAuditSigner } = {},
): Promise<TAppendedAuditEvent> {
  const body = ZAuditEventBody.parse({ type: input.type, payload: input.payload });
  // Exactly what jsonb gives back later: no undefined members.
  const payload: unknown = JSON.parse(JSON.stringify(body.payload));
  const actor = auditActor(input.actor);
  const request = input.request ?? currentRequestMeta();
  const time = new Date(Math.floor((input.time ?? new Date()).getTime()));
  const signer = options.signer ?? getAuditSigner();

  const [head] = await query<THeadRow>(
    tx,
    `SELECT h."size"::text AS size, h."chainHash", h."frontier",
            k."keyId" AS "activeKeyId", k."name" AS "activeKeyName",
            (SELECT count(*) FROM "AuditSigningKey" m WHERE m."keyId" = $1 AND m."name" = $2)::int AS mine
     FROM "AuditHead" h
     LEFT JOIN LATERAL (SELECT "keyId", "name" FROM "AuditSigningKey" ORDER BY "id" DESC LIMIT 1) k ON true
     WHERE h."id" = 1
     FOR UPDATE OF h`,
    [signer.keyIdHex, signer.name],
  );
  if (!head) throw new Error("The audit trail has no tree head; run the database migrations.");
  const size = Number(head.size);
  if (head.activeKeyId !== signer.keyIdHex || head.activeKeyName !== signer.name) {
    if (head.mine > 0) throw new AuditKeyRotatedError(signer.keyIdHex, head.activeKeyId ?? "?");
    // A new key starts its validity window here: it signs every checkpoint after this size.
    await query(
      tx,
      `INSERT INTO "AuditSigningKey" ("name", "keyId", "publicKey", "fromSize", "createdAt") VALUES ($1, $2, $3, $4::bigint, $5::timestamptz)`,
      [signer.name, signer.keyIdHex, signer.rawPublicKey.toString("base64"), String(size), time],
    );
  }

  const row: TAuditEventRow = {
    seq: size,
    time,
    type: body.type,
    actorType: actor.type,
    actorUserId: actor.userId,
    actorIssuer: actor.issuer,
    actorSubject: actor.subject,
    actorEmail: actor.email,
    actorRoles: actor.roles,
    sourceIp: request.ip,
    userAgent: request.userAgent,
    requestId: request.requestId,
    organizationId: input.organizationId ?? null,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    payload,
  };
  const leaf = leafHash(canonicalBytes(recordFromRow(row)));
  const chain = chainHash(toBuffer(head.chainHash), leaf);
  const frontier = appendToFrontier(frontierFromBytes(head.frontier, size), size, leaf);
  const root = rootFromFrontier(frontier);
  const treeSize = size + 1;
  const note = signNote(checkpointText(signer.name, treeSize, root), signer);

  await query(
    tx,
    `WITH e AS (
       INSERT INTO "AuditEvent" ("seq", "time", "type", "actorType", "actorUserId", "actorIssuer", "actorSubject", "actorEmail",
         "actorRoles", "sourceIp", "userAgent", "requestId", "organizationId", "targetType", "targetId", "payload", "leafHash", "chainHash")
       VALUES ($1::bigint, $2::timestamptz, $3, $4, $5::uuid, $6, $7, $8, $9::text[], $10, $11, $12, $13, $14, $15, $16::jsonb, $17::bytea, $18::bytea)
     ), c AS (
       INSERT INTO "AuditCheckpoint" ("size", "rootHash", "keyId", "note", "createdAt")
       VALUES ($19::bigint, $20::bytea, $21, $22, $2::timestamptz)
     )
     UPDATE "AuditHead" SET "size" = $19::bigint, "rootHash" = $20::bytea, "chainHash" = $18::bytea, "frontier" = $23::bytea,
       "updatedAt" = $2::timestamptz
     WHERE "id" = 1`,
    [
      String(size), time, row.type, row.actorType, row.actorUserId, row.actorIssuer, row.actorSubject, row.actorEmail,
      row.actorRoles, row.sourceIp, row.userAgent, row.requestId, row.organizationId, row.targetType, row.targetId,
      JSON.stringify(payload), leaf, chain, String(treeSize), root, signer.keyIdHex, note, frontierToBytes(frontier),
    ],
  );
  return { seq: size, leafHash: leaf, treeSize, rootHash: root, checkpoint: note };
}

async function query<T>(tx: TAuditTx, text: string, values: unknown[]): Promise<T[]> {
  if ("$queryRawUnsafe" in tx) return tx.$queryRawUnsafe<T[]>(text, ...values);
  return (await tx.query(text, values)).rows as T[];
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
