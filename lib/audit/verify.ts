// Verifies the whole trail from Postgres, streaming in seq order with flat memory: recomputes every
// leaf, the chain and the Merkle tree; checks every checkpoint's root and signature (key history and
// validity windows), the tree head, and the checkpoint copies outside Postgres. Stops at and names
// the first break: its seq and what differs, including gaps and a missing tail.
import pg from "pg";
import { toBuffer } from "./append";
import { canonicalBytes, ISO_TIME_SQL, recordFromRow, type TAuditEventRow } from "./canonical";
import type { TCopyStore } from "./copy-store";
import { sizeFromCopyName } from "./copy-store";
import { isKnownKey, keyFor, keyHistory, keyRing, type TKeyRing, type TKeyRow, type TSigningKeyRecord } from "./keys";
import { appendToFrontierInPlace, CHAIN_START, chainHash, EMPTY_ROOT, leafHash, rootFromFrontier, type TFrontier } from "./merkle";
import { parseCheckpointNote, verifyNote, type TParsedCheckpoint } from "./signed-note";

export type TVerifyProblemKind = "gap" | "content" | "chain" | "checkpoint" | "signature" | "key" | "tail" | "uncovered" | "copy" | "head";
export type TVerifyProblem = { kind: TVerifyProblemKind; seq: number | null; message: string };

export type TVerifyResult = {
  ok: boolean;
  treeSize: number;
  rootHash: string | null;
  checkpoints: number;
  copies: number;
  durationMs: number;
  problem: TVerifyProblem | null;
};

export type TVerifyOptions = {
  databaseUrl: string;
  stores?: TCopyStore[];
  pageSize?: number;
  onProgress?: (verified: number) => void;
};

type TEventRow = TAuditEventRow & { leafHash: Buffer; chainHash: Buffer };
type TCheckpointRow = { size: string; rootHash: Buffer; keyId: string; note: string };
type TCopy = { size: number; note: TParsedCheckpoint | null; error: string | null; store: string };

class Break extends Error {
  constructor(public readonly problem: TVerifyProblem) {
    super(problem.message);
  }
}

export async function verifyAuditTrail(options: TVerifyOptions): Promise<TVerifyResult> {
  const started = Date.now();
  const pageSize = options.pageSize ?? 5000;
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  let size = 0;
  let checkpointsSeen = 0;
  let root: Buffer = EMPTY_ROOT;
  const copies: TCopy[] = [];
  try {
    const keyRows = (await client.query<TKeyRow>(`SELECT "name", "keyId", "publicKey", "fromSize"::text AS "fromSize", "createdAt" FROM "AuditSigningKey" ORDER BY "id"`)).rows;
    const history = keyHistory(keyRows);
    const ring = keyRing(history);
    checkKeyHistory(history);
    const copyRing = await loadCopies(options.stores ?? [], copies, ring);
    const copyKeysTrusted = copyRing !== ring;
    const maxCopySize = copies.reduce((m, c) => Math.max(m, c.size), 0);
    copies.sort((a, b) => a.size - b.size);
    for (const c of copies) if (c.error) throw new Break({ kind: "copy", seq: null, message: `Outside copy (${c.store}) of the checkpoint of size ${c.size}: ${c.error}.` });
    let copyIndex = 0;

    const frontier: TFrontier = [];
    let chain: Buffer = CHAIN_START;
    let checkpoints: TCheckpointRow[] = [];
    let cpIndex = 0;
    let cpAfter = "0";
    let cpDone = false;
    const nextCheckpoint = async (): Promise<TCheckpointRow | null> => {
      if (cpIndex >= checkpoints.length && !cpDone) {
        checkpoints = (
          await client.query<TCheckpointRow>(
            `SELECT "size"::text AS size, "rootHash", "keyId", "note" FROM "AuditCheckpoint" WHERE "size" > $1::bigint ORDER BY "AuditCheckpoint"."size" LIMIT $2`,
            [cpAfter, pageSize],
          )
        ).rows;
        cpIndex = 0;
        if (checkpoints.length < pageSize) cpDone = true;
        if (checkpoints.length > 0) cpAfter = checkpoints[checkpoints.length - 1].size;
      }
      return cpIndex < checkpoints.length ? checkpoints[cpIndex] : null;
    };
    let lastCheckpointSize = 0;

    // One page ahead: Postgres reads and sends the next page while this process hashes the current one.
    const readPage = (after: string) => {
      const page = client.query<TEventRow>(
        `SELECT "seq"::text AS seq, ${ISO_TIME_SQL('"time"')} AS "time", "type", "actorType", "actorUserId"::text AS "actorUserId", "actorIssuer", "actorSubject",
                "actorEmail", "actorRoles", "sourceIp", "userAgent", "requestId", "organizationId", "targetType", "targetId",
                "payload", "leafHash", "chainHash"
         FROM "AuditEvent" WHERE "seq" > $1::bigint ORDER BY "AuditEvent"."seq" LIMIT $2`,
        [after, pageSize],
      );
      // A break found in the current page leaves this one unread: not an unhandled rejection.
      page.catch(() => undefined);
      return page;
    };
    let nextPage = readPage("-1");
    for (;;) {
      const { rows } = await nextPage;
      if (rows.length === pageSize) nextPage = readPage(String(rows[rows.length - 1].seq));
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== size) {
          throw new Break({ kind: "gap", seq: size, message: `Event seq ${size} is missing: the next stored event is seq ${seq} (${seq - size} event(s) deleted).` });
        }
        const leaf = leafHash(canonicalBytes(recordFromRow(row)));
        if (!leaf.equals(row.leafHash)) {
          throw new Break({
            kind: "content",
            seq,
            message: `Event seq ${seq} (${row.type}, ${String(row.time)}) was changed after it was written: its fields hash to leaf ${hex(leaf)}, but it was recorded with leaf ${hex(row.leafHash)}.`,
          });
        }
        chain = chainHash(chain, leaf);
        if (!chain.equals(row.chainHash)) {
          throw new Break({
            kind: "chain",
            seq,
            message: `Event seq ${seq}: its chain hash does not follow from seq ${seq - 1} (recomputed ${hex(chain)}, stored ${hex(row.chainHash)}): events were removed, reordered or rewritten here.`,
          });
        }
        appendToFrontierInPlace(frontier, size, leaf);
        size++;

        const cp = await nextCheckpoint();
        const copyHere = copyIndex < copies.length && copies[copyIndex].size === size;
        if ((cp && Number(cp.size) === size) || copyHere) root = rootFromFrontier(frontier);
        if (cp && Number(cp.size) === size) {
          checkCheckpoint(cp, size, root, ring, copyKeysTrusted && size <= maxCopySize ? copyRing : null);
          checkpointsSeen++;
          lastCheckpointSize = size;
          cpIndex++;
        }
        while (copyIndex < copies.length && copies[copyIndex].size === size) {
          const copy = copies[copyIndex++];
          if (!copy.note!.root.equals(root)) {
            throw new Break({
              kind: "copy",
              seq: size - 1,
              message: `The log was rewritten: the outside copy (${copy.store}) holds a signed root of size ${size} that differs from the tree recomputed from the table (the first ${size} events, up to seq ${size - 1}).`,
            });
          }
        }
      }
      options.onProgress?.(size);
      if (rows.length < pageSize) break;
    }

    const orphan = await nextCheckpoint();
    if (orphan) {
      throw new Break({
        kind: "tail",
        seq: size,
        message: `A tail is missing: a checkpoint of size ${orphan.size} was signed, but the table ends after ${size} events; events seq ${size}..${Number(orphan.size) - 1} were deleted.`,
      });
    }
    if (copyIndex < copies.length) {
      const c = copies[copies.length - 1];
      throw new Break({
        kind: "tail",
        seq: size,
        message: `A tail is missing: the outside copy (${c.store}) holds a signed checkpoint of size ${c.size}, but the table ends after ${size} events; events seq ${size}..${c.size - 1} were deleted.`,
      });
    }
    if (lastCheckpointSize !== size) {
      throw new Break({
        kind: "uncovered",
        seq: lastCheckpointSize,
        message: `Events seq ${lastCheckpointSize}..${size - 1} are not covered by any signed checkpoint.`,
      });
    }
    root = rootFromFrontier(frontier);
    const head = (await client.query<{ size: string; rootHash: Buffer }>(`SELECT "size"::text AS size, "rootHash" FROM "AuditHead" WHERE "id" = 1`)).rows[0];
    if (!head || Number(head.size) !== size || !toBuffer(head.rootHash).equals(root)) {
      throw new Break({
        kind: "head",
        seq: null,
        message: `The tree head (size ${head?.size ?? "missing"}) does not match the ${size} stored events.`,
      });
    }
    return { ok: true, treeSize: size, rootHash: root.toString("base64"), checkpoints: checkpointsSeen, copies: copies.length, durationMs: Date.now() - started, problem: null };
  } catch (err) {
    if (!(err instanceof Break)) throw err;
    return { ok: false, treeSize: size, rootHash: null, checkpoints: checkpointsSeen, copies: copies.length, durationMs: Date.now() - started, problem: err.problem };
  } finally {
    await client.end();
  }
}

function checkCheckpoint(cp: TCheckpointRow, size: number, root: Buffer, ring: TKeyRing, copyRing: TKeyRing | null): void {
  const seq = size - 1;
  let parsed: TParsedCheckpoint;
  try {
    parsed = parseCheckpointNote(cp.note);
  } catch (err) {
    throw new Break({ kind: "checkpoint", seq, message: `The checkpoint of size ${size} is malformed: ${(err as Error).message}.` });
  }
  if (parsed.size !== size || !parsed.root.equals(toBuffer(cp.rootHash))) {
    throw new Break({ kind: "checkpoint", seq, message: `The checkpoint of size ${size}: its note says size ${parsed.size} and another root than its row.` });
  }
  if (!parsed.root.equals(root)) {
    throw new Break({
      kind: "checkpoint",
      seq,
      message: `Event seq ${seq} does not match the signed checkpoint of size ${size}: the tree recomputed from the table has root ${root.toString("base64")}, the checkpoint ${parsed.root.toString("base64")} (this event, or an earlier one, was rewritten together with its hashes).`,
    });
  }
  const ok = parsed.signatures.some((s) => {
    const key = keyFor(ring, s.name, s.keyId, size);
    if (!key) return false;
    if (verifyNote(parsed, key.verifier) !== true) {
      throw new Break({ kind: "signature", seq, message: `The checkpoint of size ${size} has an invalid signature by key ${s.name} ${s.keyId.toString("hex")} (forged or altered).` });
    }
    if (copyRing && !isKnownKey(copyRing, s.name, s.keyId)) {
      throw new Break({ kind: "key", seq, message: `The checkpoint of size ${size} is signed by key ${s.keyId.toString("hex")}, which the outside copy's key history does not list.` });
    }
    return true;
  });
  if (!ok) {
    const s = parsed.signatures[0];
    const known = isKnownKey(ring, s.name, s.keyId);
    throw new Break({
      kind: "key",
      seq,
      message: known
        ? `The checkpoint of size ${size} is signed by key ${s.name} ${s.keyId.toString("hex")} outside that key's validity window.`
        : `The checkpoint of size ${size} is signed by an unknown key ${s.name} ${s.keyId.toString("hex")} (not in the key history).`,
    });
  }
}

function checkKeyHistory(history: TSigningKeyRecord[]): void {
  for (let i = 1; i < history.length; i++) {
    if (history[i].fromSize < history[i - 1].fromSize) {
      throw new Break({ kind: "key", seq: null, message: `The key history is out of order: key ${history[i].keyId} starts at size ${history[i].fromSize}, before its predecessor.` });
    }
  }
}

/** Reads every copied checkpoint; returns the key ring to trust for them (the copy's own, when it has one). */
async function loadCopies(stores: TCopyStore[], out: TCopy[], dbRing: TKeyRing): Promise<TKeyRing> {
  let trusted: TKeyRing = dbRing;
  for (const store of stores) {
    const keysText = await store.get("keys.json");
    const ring = keysText ? keyRing(JSON.parse(keysText) as TSigningKeyRecord[]) : dbRing;
    if (keysText) trusted = ring;
    for (const name of await store.listCheckpoints()) {
      const size = sizeFromCopyName(name);
      if (size === null) continue;
      const text = await store.get(name);
      const copy: TCopy = { size, note: null, error: null, store: store.description };
      try {
        if (text === null) throw new Error("it could not be read");
        copy.note = parseCheckpointNote(text);
        if (copy.note.size !== size) throw new Error(`its note says size ${copy.note.size}`);
        const valid = copy.note.signatures.some((s) => {
          const key = keyFor(ring, s.name, s.keyId, size);
          return key ? verifyNote(copy.note!, key.verifier) === true : false;
        });
        if (!valid) throw new Error("no valid signature by a key of the copy's key history");
      } catch (err) {
        copy.error = (err as Error).message;
      }
      out.push(copy);
    }
  }
  return trusted;
}

function hex(b: Uint8Array): string {
  return toBuffer(b).toString("hex");
}
