// The auditor's export: a .tar.gz holding a range of events as canonical JSON lines, their leaf
// hashes, the signed checkpoints at the range's end and of the whole log, the public keys with their
// validity, the frontier before the range, inclusion and consistency proofs, and verify.sh, which
// checks it all with OpenSSL alone. Built from temporary files, streamed; the export is itself audited.
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGzip } from "node:zlib";
import pg from "pg";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { appendAuditEvent, toBuffer } from "./append";
import { flushAuditTrail, sequenceAuditTrail } from "./sequence";
import { canonicalJson, ISO_TIME_SQL, recordFromRow, type TAuditEventRow } from "./canonical";
import { tarStream, type TTarEntry } from "./bundle/tar";
import { keyHistory, type TKeyRow } from "./keys";
import { consistencyRanges, frontierRanges, hashRanges, inclusionRanges, type TRange } from "./merkle";
import { parseCheckpointNote, publicKeyFromRaw } from "./signed-note";
import type { TAuditSigner } from "./signing-key";

export type TExportOptions = {
  actor: TActor;
  from?: Date | null;
  to?: Date | null;
  databaseUrl?: string;
  signer?: TAuditSigner;
  pageSize?: number;
};

export type TAuditBundle = {
  filename: string;
  firstSeq: number | null;
  lastSeq: number | null;
  treeSize: number;
  /** The .tar.gz bytes; temporary files are removed once it has been read to the end (or destroyed). */
  body: Readable;
};

const VERIFY_SH = path.join(process.cwd(), "lib", "audit", "bundle", "verify.sh");

export async function exportAuditBundle(options: TExportOptions): Promise<TAuditBundle> {
  assertPermission(options.actor, "audit.read");
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set.");
  const pageSize = options.pageSize ?? 5000;
  const from = options.from ?? null;
  const to = options.to ?? null;
  const dir = await mkdtemp(path.join(os.tmpdir(), "rootwarden-audit-export-"));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await flushAuditTrail(client, options.signer);
    const bounds = (
      await client.query<{ first: string | null; last: string | null }>(
        `SELECT (SELECT min("seq") FROM "AuditEvent" WHERE $1::timestamptz IS NULL OR "time" >= $1::timestamptz)::text AS first,
                (SELECT max("seq") FROM "AuditEvent" WHERE $2::timestamptz IS NULL OR "time" <= $2::timestamptz)::text AS last`,
        [from, to],
      )
    ).rows[0];
    const first = bounds.first === null ? null : Number(bounds.first);
    const last = bounds.last === null ? null : Number(bounds.last);
    const empty = first === null || last === null || first > last;

    // Recorded before the bundle is cut, so the bundle's whole-log root includes this export.
    await client.query("BEGIN");
    try {
      await appendAuditEvent(client, {
        type: "audit.exported",
        actor: options.actor,
        payload: { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, firstSeq: empty ? null : first, lastSeq: empty ? null : last },
      });
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    }
    // Sequenced now (this client, not inside a transaction): the tree then ends at or after this export's event, with a checkpoint.
    const treeSize = (await sequenceAuditTrail({ db: client, signer: options.signer })).treeSize;

    const start = empty ? treeSize : first;
    const end = empty
      ? treeSize
      : Number((await client.query<{ size: string }>(`SELECT min("size")::text AS size FROM "AuditCheckpoint" WHERE "size" > $1::bigint`, [String(last)])).rows[0].size);
    const note = async (size: number) =>
      size === 0 ? null : ((await client.query<{ note: string }>(`SELECT "note" FROM "AuditCheckpoint" WHERE "size" = $1::bigint`, [String(size)])).rows[0]?.note ?? null);
    const treeNote = (await note(treeSize))!;
    const endNote = end === treeSize ? null : await note(end);
    const startNote = start > 0 && start !== end ? await note(start) : null;
    const origin = parseCheckpointNote(treeNote).origin;

    const front = frontierRanges(start);
    const inFirst = end > start ? inclusionRanges(start, treeSize) : [];
    const inLast = end > start ? inclusionRanges(end - 1, treeSize) : [];
    const consistency = end > 0 && end < treeSize ? consistencyRanges(end, treeSize) : [];
    const all: TRange[] = [...front, ...inFirst, ...inLast, ...consistency];
    const hashes = await hashRanges(all, leafStream(client, treeSize, pageSize));
    const take = (n: number) => hashes.splice(0, n).map((h) => h.toString("base64"));
    const lines = (items: string[]) => items.map((h) => `${h}\n`).join("");
    const frontierTxt = lines(take(front.length));
    const inFirstTxt = lines(take(inFirst.length));
    const inLastTxt = lines(take(inLast.length));
    const consistencyTxt = lines(take(consistency.length));

    await writeEvents(client, dir, start, end, pageSize);

    const keyRows = (await client.query<TKeyRow>(`SELECT "name", "keyId", "publicKey", "fromSize"::text AS "fromSize", "createdAt" FROM "AuditSigningKey" ORDER BY "id"`)).rows;
    const keys = keyHistory(keyRows);
    const now = new Date();
    const base = `rootwarden-audit-${start}-${end}-of-${treeSize}`;
    const entries: TTarEntry[] = [];
    const add = (name: string, data: string, mode?: number) => entries.push({ name: `${base}/${name}`, data, mtime: now, mode });
    add("README.txt", readme(origin, start, end, treeSize));
    add(
      "range.txt",
      [
        `origin=${origin}`, `start_size=${start}`, `end_size=${end}`, `tree_size=${treeSize}`,
        `first_seq=${empty ? "" : start}`, `last_seq=${empty ? "" : end - 1}`,
        `from=${from?.toISOString() ?? ""}`, `to=${to?.toISOString() ?? ""}`,
        `exported_at=${now.toISOString()}`, `exported_by=${options.actor.email ?? options.actor.subject}`, "",
      ].join("\n"),
    );
    entries.push({ name: `${base}/events.jsonl`, file: path.join(dir, "events.jsonl"), mtime: now });
    entries.push({ name: `${base}/leaves.txt`, file: path.join(dir, "leaves.txt"), mtime: now });
    add("frontier.txt", frontierTxt);
    add("checkpoint-tree.txt", treeNote);
    if (endNote) add("checkpoint-end.txt", endNote);
    if (startNote) add("checkpoint-start.txt", startNote);
    add("consistency.txt", consistencyTxt);
    add("inclusion-first.txt", inFirstTxt);
    add("inclusion-last.txt", inLastTxt);
    add("keys.txt", keys.map((k, i) => `${k.keyId} ${k.name} ${k.fromSize} ${k.untilSize ?? "-"} keys/${k.keyId}-${i}.pem\n`).join(""));
    keys.forEach((k, i) => add(`keys/${k.keyId}-${i}.pem`, publicKeyFromRaw(Buffer.from(k.publicKey, "base64")).export({ format: "pem", type: "spki" }).toString()));
    add("keys.json", `${JSON.stringify(keys, null, 2)}\n`);
    add("verify.sh", readFileSync(/*turbopackIgnore: true*/ VERIFY_SH, "utf8"), 0o755);

    const body = Readable.from(tarStream(entries)).pipe(createGzip());
    const cleanup = () => void rm(dir, { recursive: true, force: true });
    body.once("close", cleanup);
    body.once("end", cleanup);
    return { filename: `${base}.tar.gz`, firstSeq: empty ? null : start, lastSeq: empty ? null : end - 1, treeSize, body };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await client.end();
  }
}

async function* leafStream(client: pg.Client, size: number, pageSize: number): AsyncGenerator<Buffer> {
  for (let next = 0; next < size; ) {
    const { rows } = await client.query<{ leafHash: Buffer }>(
      `SELECT "leafHash" FROM "AuditEvent" WHERE "seq" >= $1::bigint AND "seq" < $2::bigint ORDER BY "seq" LIMIT $3`,
      [String(next), String(size), pageSize],
    );
    if (rows.length === 0) throw new Error(`The audit trail ends before seq ${next}; run npm run audit:verify.`);
    for (const r of rows) yield toBuffer(r.leafHash);
    next += rows.length;
  }
}

async function writeEvents(client: pg.Client, dir: string, start: number, end: number, pageSize: number): Promise<void> {
  const events = createWriteStream(path.join(dir, "events.jsonl"));
  const leaves = createWriteStream(path.join(dir, "leaves.txt"));
  const write = async (stream: ReturnType<typeof createWriteStream>, text: string) => {
    if (!stream.write(text)) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
  };
  for (let next = start; next < end; ) {
    const { rows } = await client.query<TAuditEventRow & { leafHash: Buffer }>(
      `SELECT "seq"::text AS seq, ${ISO_TIME_SQL('"time"')} AS "time", "type", "actorType", "actorUserId"::text AS "actorUserId", "actorIssuer", "actorSubject",
              "actorEmail", "actorRoles", "sourceIp", "userAgent", "requestId", "organizationId", "targetType", "targetId", "payload", "leafHash"
       FROM "AuditEvent" WHERE "seq" >= $1::bigint AND "seq" < $2::bigint ORDER BY "AuditEvent"."seq" LIMIT $3`,
      [String(next), String(end), pageSize],
    );
    if (rows.length === 0) break;
    await write(events, rows.map((r) => `${canonicalJson(recordFromRow(r))}\n`).join(""));
    await write(leaves, rows.map((r) => `${toBuffer(r.leafHash).toString("base64")}\n`).join(""));
    next += rows.length;
  }
  events.end();
  leaves.end();
  await Promise.all([finished(events), finished(leaves)]);
}

function readme(origin: string, start: number, end: number, size: number): string {
  return `Rootwarden audit export (log ${origin})

Events seq ${start}..${end - 1} of a log of ${size} events. To verify, with OpenSSL 3 and a POSIX shell:

    sh verify.sh

It prints OK or the first problem. Compare the signing key fingerprint it prints with the one you
were given out of band, and the whole-log checkpoint (checkpoint-tree.txt) with the copy kept
outside the database. The format is described in Rootwarden's lib/audit/README.md.
`;
}
