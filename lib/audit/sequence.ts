// The sequencer: moves committed events from AuditPending into AuditEvent in id order, one batch per
// transaction under the tree head's lock (so any number of sequencers, in any processes, never fork
// the chain), giving each event its gapless seq, leaf and chain hashes, and each batch one
// Ed25519-signed checkpoint of the new tree. The pending rows leave in the same transaction.
//
// Who runs it: every worker process (startAuditSequencer, a short poll), and every reader of the trail
// before it reads (list, detail, chain status, verification, export, the checkpoint copy, a request's
// timeline), so a reader always sees every event committed before it asked.
import pg from "pg";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AuditKeyRotatedError, auditQuery, toBuffer, type TAuditTx } from "./append";
import { canonicalBytes, ISO_TIME_SQL, recordFromRow, type TAuditEventRow } from "./canonical";
import { appendToFrontierInPlace, chainHash, frontierFromBytes, frontierToBytes, leafHash, rootFromFrontier } from "./merkle";
import { checkpointText, signNote } from "./signed-note";
import { getAuditSigner, type TAuditSigner } from "./signing-key";

/** Where the trail lives: the app's Prisma client, a pg pool, or one pg client (not inside a transaction). */
export type TAuditDb = PrismaClient | pg.Pool | pg.Client;

export type TSequenceResult = { sequenced: number; checkpoints: number; treeSize: number };

export const SEQUENCE_BATCH_SIZE = 1000;

type THeadRow = { size: string; chainHash: Uint8Array; frontier: Uint8Array; activeKeyId: string | null; activeKeyName: string | null; mine: number };
/** A pending row as sequenceBatch selects it: the event's columns, with time, roles and payload as text. */
type TPendingRow = Omit<TAuditEventRow, "seq" | "time" | "actorRoles" | "payload"> & { id: string; time: string; actorRoles: string | null; payload: string };

/** Sequences every committed pending event; returns how many, in how many checkpoints, and the tree size after. */
export async function sequenceAuditTrail(options: { db: TAuditDb; signer?: TAuditSigner; batchSize?: number }): Promise<TSequenceResult> {
  const batchSize = options.batchSize ?? SEQUENCE_BATCH_SIZE;
  const result: TSequenceResult = { sequenced: 0, checkpoints: 0, treeSize: -1 };
  for (;;) {
    // Outside any transaction and without a lock: nothing waiting, nothing to do.
    const [waiting] = await auditQuery<{ any: boolean }>(asTx(options.db), `SELECT EXISTS (SELECT 1 FROM "AuditPending") AS "any"`, []);
    if (!waiting?.any) break;
    const signer = options.signer ?? getAuditSigner();
    const batch = await inTransaction(options.db, (tx) => sequenceBatch(tx, signer, batchSize));
    result.treeSize = batch.treeSize;
    if (batch.count > 0) {
      result.sequenced += batch.count;
      result.checkpoints++;
    }
    if (batch.count < batchSize) break;
  }
  if (result.treeSize < 0) {
    const [head] = await auditQuery<{ size: string }>(asTx(options.db), `SELECT "size"::text AS size FROM "AuditHead" WHERE "id" = 1`, []);
    result.treeSize = Number(head?.size ?? 0);
  }
  return result;
}

/**
 * What a reader of the trail calls first: sequences what is pending so the reader sees every
 * committed event. Never throws (a reader still reads what is sequenced): the worker's sequencer
 * retries and logs a lasting failure.
 */
export async function flushAuditTrail(db: TAuditDb, signer?: TAuditSigner): Promise<void> {
  try {
    await sequenceAuditTrail({ db, signer });
  } catch (err) {
    console.warn(`[audit] could not sequence pending events before reading: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The seq of an appended event once it is sequenced (sequencing first); null while it is still pending. */
export async function sequencedSeq(options: { db: TAuditDb; pendingId: string; signer?: TAuditSigner }): Promise<number | null> {
  await flushAuditTrail(options.db, options.signer);
  const [row] = await auditQuery<{ seq: string }>(asTx(options.db), `SELECT "seq"::text AS seq FROM "AuditEvent" WHERE "pendingId" = $1::bigint`, [options.pendingId]);
  return row ? Number(row.seq) : null;
}

async function sequenceBatch(tx: TAuditTx, signer: TAuditSigner, batchSize: number): Promise<{ count: number; treeSize: number }> {
  const [head] = await auditQuery<THeadRow>(
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
  let size = Number(head.size);
  // Read after the head's lock, so this statement's snapshot holds no event another sequencer just moved.
  const rows = await auditQuery<TPendingRow>(
    tx,
    `SELECT "id"::text AS id, ${ISO_TIME_SQL('"time"')} AS time, "type", "actorType",
            "actorUserId"::text AS "actorUserId", "actorIssuer", "actorSubject", "actorEmail", array_to_json("actorRoles")::text AS "actorRoles",
            "sourceIp", "userAgent", "requestId", "organizationId", "targetType", "targetId", "payload"::text AS payload
     FROM "AuditPending" ORDER BY "AuditPending"."id" -- the column (the bare name would sort the text alias)
     LIMIT $1`,
    [batchSize],
  );
  if (rows.length === 0) return { count: 0, treeSize: size };

  const now = new Date();
  if (head.activeKeyId !== signer.keyIdHex || head.activeKeyName !== signer.name) {
    if (head.mine > 0) throw new AuditKeyRotatedError(signer.keyIdHex, head.activeKeyId ?? "?");
    // A new key starts its validity window here: it signs every checkpoint after this size.
    await auditQuery(
      tx,
      `INSERT INTO "AuditSigningKey" ("name", "keyId", "publicKey", "fromSize", "createdAt") VALUES ($1, $2, $3, $4::bigint, $5::timestamptz)`,
      [signer.name, signer.keyIdHex, signer.rawPublicKey.toString("base64"), String(size), now],
    );
  }

  const frontier = frontierFromBytes(head.frontier, size);
  let chain = toBuffer(head.chainHash);
  const ids: string[] = [];
  const seqs: string[] = [];
  const leaves: string[] = [];
  const chains: string[] = [];
  for (const [i, r] of rows.entries()) {
    // Hashing a full batch takes tens of milliseconds: let the process's other work (requests,
    // other transactions' appends) run in between.
    if (i > 0 && i % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const leaf = leafHash(
      canonicalBytes(
        recordFromRow({
          ...r,
          seq: size,
          actorRoles: r.actorRoles === null ? null : (JSON.parse(r.actorRoles) as string[]),
          payload: JSON.parse(r.payload),
        }),
      ),
    );
    chain = chainHash(chain, leaf);
    appendToFrontierInPlace(frontier, size, leaf);
    ids.push(r.id);
    seqs.push(String(size));
    leaves.push(leaf.toString("hex"));
    chains.push(chain.toString("hex"));
    size++;
  }
  const root = rootFromFrontier(frontier);
  const note = signNote(checkpointText(signer.name, size, root), signer);
  // Columns are copied inside Postgres from the pending row, so the stored event is byte for byte what was hashed.
  await auditQuery(
    tx,
    `WITH v AS (
       SELECT * FROM unnest($1::text[]::bigint[], $2::text[]::bigint[], $3::text[], $4::text[]) AS v(pid, seq, leaf, chain)
     ), e AS (
       INSERT INTO "AuditEvent" ("seq", "time", "type", "actorType", "actorUserId", "actorIssuer", "actorSubject", "actorEmail",
         "actorRoles", "sourceIp", "userAgent", "requestId", "organizationId", "targetType", "targetId", "payload", "leafHash", "chainHash", "pendingId")
       SELECT v.seq, p."time", p."type", p."actorType", p."actorUserId", p."actorIssuer", p."actorSubject", p."actorEmail",
         p."actorRoles", p."sourceIp", p."userAgent", p."requestId", p."organizationId", p."targetType", p."targetId", p."payload",
         decode(v.leaf, 'hex'), decode(v.chain, 'hex'), p."id"
       FROM v JOIN "AuditPending" p ON p."id" = v.pid
     ), c AS (
       INSERT INTO "AuditCheckpoint" ("size", "rootHash", "keyId", "note", "createdAt")
       VALUES ($5::bigint, decode($6, 'hex'), $7, $8, $9::timestamptz)
     )
     UPDATE "AuditHead" SET "size" = $5::bigint, "rootHash" = decode($6, 'hex'), "chainHash" = decode($10, 'hex'), "frontier" = decode($11, 'hex'),
       "updatedAt" = $9::timestamptz
     WHERE "id" = 1`,
    [ids, seqs, leaves, chains, String(size), root.toString("hex"), signer.keyIdHex, note, now, chain.toString("hex"), frontierToBytes(frontier).toString("hex")],
  );
  await auditQuery(tx, `DELETE FROM "AuditPending" WHERE "id" = ANY($1::text[]::bigint[])`, [ids]);
  return { count: rows.length, treeSize: size };
}

export type TAuditSequencer = { stop: () => Promise<void>; nudge: () => void };

/**
 * Runs the sequencer in this process: every intervalMs (and at once when nudged) it sequences what
 * is pending. Errors are logged and retried on the next round; pending events are never lost, only
 * later. stop() waits for a running round to finish.
 */
export function startAuditSequencer(options: { db: TAuditDb; signer?: TAuditSigner; intervalMs?: number; log?: (line: string) => void }): TAuditSequencer {
  const intervalMs = options.intervalMs ?? 250;
  const log = options.log ?? ((line: string) => console.warn(`[audit] ${line}`));
  let stopped = false;
  let wake: (() => void) | null = null;
  let lastError = "";
  const loop = (async () => {
    while (!stopped) {
      try {
        await sequenceAuditTrail({ db: options.db, signer: options.signer });
        lastError = "";
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // Once per distinct failure, not four times a second.
        if (message !== lastError) log(`sequencing pending audit events failed (retrying every ${intervalMs} ms): ${message}`);
        lastError = message;
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })();
  return {
    nudge: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

function asTx(db: TAuditDb): TAuditTx {
  return db as unknown as TAuditTx;
}

async function inTransaction<T>(db: TAuditDb, fn: (tx: TAuditTx) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool) && !(db instanceof pg.Client)) return db.$transaction((tx) => fn(tx as unknown as TAuditTx), { maxWait: 20_000, timeout: 60_000 });
  const client = db instanceof pg.Pool ? await db.connect() : db;
  try {
    await client.query("BEGIN");
    try {
      const out = await fn(client as unknown as TAuditTx);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    }
  } finally {
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
}
