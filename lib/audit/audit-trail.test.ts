// The trail end to end against a real Postgres: appends verify, the database refuses changes, and
// every kind of tampering the issue lists is caught and named (by seq) by the verifier.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SYSTEM } from "@/lib/auth/actor";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { appendAuditEvent, AuditKeyRotatedError } from "./append";
import { copyCheckpoints } from "./copy-checkpoints";
import { directoryStore } from "./copy-store";
import { checkpointText, signNote } from "./signed-note";
import { sequenceAuditTrail, sequencedSeq, startAuditSequencer } from "./sequence";
import { appendSampleEvents, sequenceNow, testSigner } from "./test-helpers";
import { verifyAuditTrail } from "./verify";

const signer = testSigner();
let db: TTestDatabase;
let sql: pg.Client;

/** What a database owner can do: bypass the append-only triggers. */
async function asOwner(statements: string): Promise<void> {
  await sql.query(`BEGIN; SET LOCAL session_replication_role = replica; ${statements}; COMMIT`);
}

beforeEach(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});
afterEach(async () => {
  await sql.end();
  await db.drop();
});

describe("an intact trail", () => {
  it("verifies: every leaf, the chain, every checkpoint and the head", async () => {
    await appendSampleEvents(db.prisma, signer, 13);
    const result = await verifyAuditTrail({ databaseUrl: db.url, pageSize: 4 });
    expect(result.problem).toBeNull();
    expect(result).toMatchObject({ ok: true, treeSize: 13, checkpoints: 13 });
  });

  it("verifies an empty trail", async () => {
    expect(await verifyAuditTrail({ databaseUrl: db.url })).toMatchObject({ ok: true, treeSize: 0 });
  });

  it("rolls back with its transaction, leaving no gap", async () => {
    await appendSampleEvents(db.prisma, signer, 2);
    await expect(
      db.prisma.$transaction(async (tx) => {
        await appendAuditEvent(tx, { type: "user.signed_out", payload: {}, actor: SYSTEM });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect((await sql.query(`SELECT count(*)::int AS n FROM "AuditPending"`)).rows[0].n).toBe(0);
    const [next] = await appendSampleEvents(db.prisma, signer, 1);
    expect(next.seq).toBe(2);
    expect((await verifyAuditTrail({ databaseUrl: db.url })).ok).toBe(true);
  });

  it("refuses a payload its type does not describe", async () => {
    await expect(
      db.prisma.$transaction((tx) =>
        appendAuditEvent(tx, { type: "scan.cancelled", payload: { scanId: "not-a-uuid" } as never, actor: SYSTEM }),
      ),
    ).rejects.toThrow();
  });

  it("stays one chain with 20 concurrent writers and three sequencers racing", async () => {
    // Three sequencers as three processes would run them: two polling loops (one through a pg pool)
    // and one called again and again, all while the writers commit.
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    const loops = [startAuditSequencer({ db: db.prisma, signer, intervalMs: 5 }), startAuditSequencer({ db: pool, signer, intervalMs: 7 })];
    let writing = true;
    const caller = (async () => {
      while (writing) await sequenceAuditTrail({ db: db.prisma, signer, batchSize: 3 });
    })();
    const writers = Array.from({ length: 20 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 10; i++) {
          await db.prisma.$transaction(async (tx) => {
            await appendAuditEvent(tx, { type: "settings.changed", payload: { setting: `w${w}`, to: i }, actor: SYSTEM });
            // Some writers roll back: no gap may follow.
            if ((w + i) % 7 === 0) throw new Error("rolled back");
          }).catch((err: Error) => expect(err.message).toBe("rolled back"));
        }
      })(),
    );
    await Promise.all(writers);
    writing = false;
    await caller;
    await Promise.all(loops.map((l) => l.stop()));
    await sequenceNow(db.prisma, signer);
    await pool.end();
    const committed = 200 - Array.from({ length: 200 }, (_, k) => (Math.floor(k / 10) + (k % 10)) % 7 === 0).filter(Boolean).length;
    const result = await verifyAuditTrail({ databaseUrl: db.url, pageSize: 37 });
    expect(result.problem).toBeNull();
    expect(result.treeSize).toBe(committed);
    const { rows } = await sql.query(`SELECT count(DISTINCT seq)::int AS n, max(seq)::int AS max, count(DISTINCT "pendingId")::int AS p FROM "AuditEvent"`);
    expect(rows[0]).toEqual({ n: committed, max: committed - 1, p: committed });
    expect((await sql.query(`SELECT count(*)::int AS n FROM "AuditPending"`)).rows[0].n).toBe(0);
    // Every checkpoint's size is the end of one batch, and the last covers the whole tree.
    const cps = (await sql.query(`SELECT "size"::int AS size FROM "AuditCheckpoint" ORDER BY "size"`)).rows.map((r: { size: number }) => r.size);
    expect(cps[cps.length - 1]).toBe(committed);
    expect(result.checkpoints).toBe(cps.length);
  });

  it("keeps an appended event pending until it is sequenced, and sequenced events name their pending row", async () => {
    const appended = await db.prisma.$transaction((tx) => appendAuditEvent(tx, { type: "user.signed_out", payload: {}, actor: SYSTEM, time: new Date("2026-12-01T10:00:00.123Z") }));
    expect((await sql.query(`SELECT count(*)::int AS n FROM "AuditEvent"`)).rows[0].n).toBe(0);
    expect(await sequencedSeq({ db: db.prisma, pendingId: appended.pendingId, signer })).toBe(0);
    const { rows } = await sql.query(`SELECT "seq"::int AS seq, "pendingId"::text AS "pendingId", "time" FROM "AuditEvent"`);
    expect(rows).toEqual([{ seq: 0, pendingId: appended.pendingId, time: new Date("2026-12-01T10:00:00.123Z") }]);
    expect((await verifyAuditTrail({ databaseUrl: db.url })).ok).toBe(true);
  });
  it("keeps the old key's window after a rotation and refuses the rotated-out key", async () => {
    await appendSampleEvents(db.prisma, signer, 3);
    const next = testSigner(signer.name);
    await appendSampleEvents(db.prisma, next, 2);
    const keys = await db.prisma.auditSigningKey.findMany({ orderBy: { id: "asc" } });
    expect(keys.map((k) => [k.keyId, Number(k.fromSize)])).toEqual([
      [signer.keyIdHex, 0],
      [next.keyIdHex, 3],
    ]);
    expect((await verifyAuditTrail({ databaseUrl: db.url })).ok).toBe(true);
    await expect(appendSampleEvents(db.prisma, signer, 1)).rejects.toThrow(AuditKeyRotatedError);
  });
});

describe("pending events", () => {
  it.each([
    ["UPDATE", `UPDATE "AuditPending" SET "type" = 'user.signed_in'`],
    ["DELETE", `DELETE FROM "AuditPending"`],
    ["TRUNCATE", `TRUNCATE "AuditPending"`],
  ])("cannot be changed or removed before they are sequenced: %s", async (_op, statement) => {
    await db.prisma.$transaction((tx) => appendAuditEvent(tx, { type: "user.signed_out", payload: {}, actor: SYSTEM }));
    await expect(sql.query(statement)).rejects.toThrow(/append-only/);
    expect((await sql.query(`SELECT count(*)::int AS n FROM "AuditPending"`)).rows[0].n).toBe(1);
    expect(await sequenceNow(db.prisma, signer)).toBe(1);
  });
});

describe("the database", () => {
  it.each([
    ["UPDATE", `UPDATE "AuditEvent" SET "type" = 'user.signed_out' WHERE seq = 0`],
    ["DELETE", `DELETE FROM "AuditEvent" WHERE seq = 0`],
    ["TRUNCATE", `TRUNCATE "AuditEvent"`],
    ["UPDATE", `UPDATE "AuditCheckpoint" SET "note" = 'x'`],
    ["DELETE", `DELETE FROM "AuditCheckpoint"`],
    ["TRUNCATE", `TRUNCATE "AuditCheckpoint"`],
    ["DELETE", `DELETE FROM "AuditSigningKey"`],
    ["UPDATE", `UPDATE "AuditSigningKey" SET "fromSize" = 5`],
    ["TRUNCATE", `TRUNCATE "AuditSigningKey" CASCADE`],
    ["DELETE", `DELETE FROM "AuditHead"`],
    ["UPDATE", `UPDATE "AuditHead" SET "size" = 0`],
  ])("refuses %s: %s", async (_op, statement) => {
    await appendSampleEvents(db.prisma, signer, 2);
    await expect(sql.query(statement)).rejects.toThrow(/append-only|cannot be removed|cannot move back/);
  });
});

describe("tampering is detected and named", () => {
  beforeEach(async () => {
    await appendSampleEvents(db.prisma, signer, 10);
  });

  async function problem() {
    const result = await verifyAuditTrail({ databaseUrl: db.url, pageSize: 3 });
    expect(result.ok).toBe(false);
    return result.problem!;
  }

  it("an altered payload", async () => {
    await asOwner(`UPDATE "AuditEvent" SET "payload" = jsonb_set("payload", '{accounts}', '999') WHERE seq = 4`);
    expect(await problem()).toMatchObject({ kind: "content", seq: 4 });
  });

  it("an altered time", async () => {
    await asOwner(`UPDATE "AuditEvent" SET "time" = "time" - interval '1 hour' WHERE seq = 6`);
    expect(await problem()).toMatchObject({ kind: "content", seq: 6 });
  });

  it("an altered payload whose leaf and chain hashes were recomputed too", async () => {
    // Rewrite seq 5 consistently, as someone who read lib/audit/README.md would: only the signed
    // checkpoints stop it.
    const rewritten = new pg.Client({ connectionString: db.url });
    await rewritten.connect();
    const { rows } = await rewritten.query(`SELECT * FROM "AuditEvent" WHERE seq = 5`);
    const { recordFromRow, canonicalBytes } = await import("./canonical");
    const { leafHash, chainHash } = await import("./merkle");
    const row = { ...rows[0], payload: { ...rows[0].payload, total: 1 } };
    const prev = (await rewritten.query(`SELECT "chainHash" FROM "AuditEvent" WHERE seq = 4`)).rows[0].chainHash as Buffer;
    const leaf = leafHash(canonicalBytes(recordFromRow(row)));
    await rewritten.end();
    await sql.query(`BEGIN; SET LOCAL session_replication_role = replica`);
    await sql.query(`UPDATE "AuditEvent" SET "payload" = $1::jsonb, "leafHash" = $2, "chainHash" = $3 WHERE seq = 5`, [JSON.stringify(row.payload), leaf, chainHash(prev, leaf)]);
    await sql.query(`COMMIT`);
    // Leaf and chain agree with the new content; the checkpoint signed when seq 5 was written does not.
    expect(await problem()).toMatchObject({ kind: "checkpoint", seq: 5 });
  });

  it("a deleted middle row", async () => {
    await asOwner(`DELETE FROM "AuditEvent" WHERE seq = 3`);
    expect(await problem()).toMatchObject({ kind: "gap", seq: 3 });
  });

  it("swapped rows", async () => {
    await asOwner(`UPDATE "AuditEvent" SET seq = -1 WHERE seq = 2; UPDATE "AuditEvent" SET seq = 2 WHERE seq = 7; UPDATE "AuditEvent" SET seq = 7 WHERE seq = -1`);
    expect(await problem()).toMatchObject({ kind: "content", seq: 2 });
  });

  it("a deleted tail, against the outside copy", async () => {
    const store = directoryStore(mkdtempSync(path.join(os.tmpdir(), "audit-copy-")));
    await copyCheckpoints({ db: db.prisma, stores: [store] });
    // The owner removes the last 3 events, their checkpoints, and moves the head back.
    await asOwner(`DELETE FROM "AuditEvent" WHERE seq >= 7; DELETE FROM "AuditCheckpoint" WHERE size > 7`);
    await rebuildHead(7);
    expect((await verifyAuditTrail({ databaseUrl: db.url })).ok).toBe(true);
    const result = await verifyAuditTrail({ databaseUrl: db.url, stores: [store] });
    expect(result.problem).toMatchObject({ kind: "tail", seq: 7 });
    expect(result.problem!.message).toMatch(/size 10.*seq 7\.\.9 were deleted/);
  });

  it("a deleted tail whose checkpoints were left behind", async () => {
    await asOwner(`DELETE FROM "AuditEvent" WHERE seq >= 8`);
    expect(await problem()).toMatchObject({ kind: "tail", seq: 8 });
  });

  it("a rewritten table with fresh checkpoints, against the outside copy", async () => {
    const store = directoryStore(mkdtempSync(path.join(os.tmpdir(), "audit-copy-")));
    await copyCheckpoints({ db: db.prisma, stores: [store] });
    // The owner, holding the signing key, rewrites everything from scratch with different content.
    await asOwner(`DELETE FROM "AuditEvent"; DELETE FROM "AuditCheckpoint"`);
    await rebuildHead(0);
    for (let i = 0; i < 10; i++) {
      await db.prisma.$transaction((tx) => appendAuditEvent(tx, { type: "settings.changed", payload: { setting: "x", to: i }, actor: SYSTEM }));
    }
    await sequenceNow(db.prisma, signer);
    expect((await verifyAuditTrail({ databaseUrl: db.url })).ok).toBe(true);
    expect((await verifyAuditTrail({ databaseUrl: db.url, stores: [store] })).problem).toMatchObject({ kind: "copy", seq: 9 });
  });

  it("a checkpoint signed with another key", async () => {
    const other = testSigner(signer.name);
    const { rows } = await sql.query(`SELECT "rootHash" FROM "AuditCheckpoint" WHERE size = 5`);
    const note = signNote(checkpointText(signer.name, 5, rows[0].rootHash), other);
    await asOwner(`UPDATE "AuditCheckpoint" SET "note" = '${note}', "keyId" = '${other.keyIdHex}' WHERE size = 5`);
    const p = await problem();
    expect(p).toMatchObject({ kind: "key", seq: 4 });
    expect(p.message).toMatch(/unknown key/);
  });

  it("a forged checkpoint (root changed, old signature kept)", async () => {
    const { rows } = await sql.query(`SELECT "note" FROM "AuditCheckpoint" WHERE size = 8`);
    const lines = (rows[0].note as string).split("\n");
    const fake = Buffer.alloc(32, 7).toString("base64");
    lines[2] = fake;
    await asOwner(`UPDATE "AuditCheckpoint" SET "note" = '${lines.join("\n")}', "rootHash" = decode('${Buffer.alloc(32, 7).toString("hex")}', 'hex') WHERE size = 8`);
    const p = await problem();
    expect(p.seq).toBe(7);
    expect(p.kind).toBe("checkpoint");
  });

  it("a forged signature on the right root", async () => {
    const { rows } = await sql.query(`SELECT "note" FROM "AuditCheckpoint" WHERE size = 3`);
    const note = (rows[0].note as string).replace(/ (\S+)\n$/, (_m, b64: string) => {
      const bytes = Buffer.from(b64, "base64");
      bytes[10] ^= 1;
      return ` ${bytes.toString("base64")}\n`;
    });
    await asOwner(`UPDATE "AuditCheckpoint" SET "note" = '${note}' WHERE size = 3`);
    expect(await problem()).toMatchObject({ kind: "signature", seq: 2 });
  });

  /** Recomputes the head for the first n events, as an owner covering their tracks would. */
  async function rebuildHead(n: number) {
    const { rows } = await sql.query(`SELECT "leafHash", "chainHash" FROM "AuditEvent" WHERE seq < $1 ORDER BY seq`, [n]);
    const { appendToFrontier, rootFromFrontier, frontierToBytes, CHAIN_START } = await import("./merkle");
    let frontier: Buffer[] = [];
    rows.forEach((r: { leafHash: Buffer }, i: number) => (frontier = appendToFrontier(frontier, i, r.leafHash)));
    const chain = rows.length > 0 ? rows[rows.length - 1].chainHash : CHAIN_START;
    await sql.query(`BEGIN; SET LOCAL session_replication_role = replica`);
    await sql.query(`UPDATE "AuditHead" SET size = $1, "rootHash" = $2, "chainHash" = $3, frontier = $4`, [n, rootFromFrontier(frontier), chain, frontierToBytes(frontier)]);
    await sql.query(`COMMIT`);
  }
});
