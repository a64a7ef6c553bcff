// A real export bundle: verify.sh (POSIX sh + OpenSSL) passes on it, fails on one changed byte in
// any event, a changed checkpoint or a removed line, and the export is itself in the trail.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, createWriteStream, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { exportAuditBundle } from "./export-bundle";
import { appendSampleEvents, testSigner, TEST_USER } from "./test-helpers";
import { verifyAuditTrail } from "./verify";

const signer = testSigner();
// A key rotation in the middle: the bundle carries both keys with their windows.
const rotated = testSigner(signer.name);
let db: TTestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await appendSampleEvents(db.prisma, signer, 4);
  await appendSampleEvents(db.prisma, rotated, 3);
});
afterAll(async () => {
  await db?.drop();
});

async function exportTo(options: { from?: Date; to?: Date } = {}): Promise<string> {
  const bundle = await exportAuditBundle({ actor: TEST_USER, databaseUrl: db.url, signer: rotated, ...options });
  const dir = mkdtempSync(path.join(os.tmpdir(), "audit-bundle-"));
  const file = path.join(dir, bundle.filename);
  await pipeline(bundle.body, createWriteStream(file));
  execFileSync("tar", ["xzf", file, "-C", dir]);
  return path.join(dir, readdirSync(dir).find((n) => !n.endsWith(".tar.gz"))!);
}

function runVerify(dir: string): { code: number | null; out: string } {
  const r = spawnSync("sh", [path.join(dir, "verify.sh")], { encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function copyOf(dir: string): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), "audit-bundle-copy-"));
  execFileSync("cp", ["-R", `${dir}/.`, copy]);
  return copy;
}

describe("export bundle + verify.sh", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await exportTo();
  });

  it("passes on a real bundle, and the export is recorded", async () => {
    const r = runVerify(dir);
    // The range was cut before the export recorded itself as seq 7, which the whole-log root covers.
    expect(r.out).toMatch(/^OK: 7 events \(seq 0\.\.6\) are in the log of 8 events/);
    expect(readFileSync(path.join(dir, "keys.txt"), "utf8").trim().split("\n")).toHaveLength(2);
    expect(r.code).toBe(0);
    const last = await db.prisma.auditEvent.findFirst({ orderBy: { seq: "desc" } });
    expect(last).toMatchObject({ type: "audit.exported", actorEmail: TEST_USER.email });
    expect((await verifyAuditTrail({ databaseUrl: db.url })).ok).toBe(true);
  });

  it("verifies a middle range against the signed root of the whole log", async () => {
    const events = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    const part = await exportTo({ from: events[2].time, to: events[4].time });
    const r = runVerify(part);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^OK: \d+ events \(seq 2\.\./);
    expect(readFileSync(path.join(part, "consistency.txt"), "utf8").trim()).not.toBe("");
  });

  it("fails on one changed byte of an event, naming its line", () => {
    const copy = copyOf(dir);
    const file = path.join(copy, "events.jsonl");
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('"accounts":12')) + 12;
    bytes[at] = "3".charCodeAt(0);
    writeFileSync(file, bytes);
    const r = runVerify(copy);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL: events\.jsonl line 3 \(seq 2\)/);
  });

  it("fails when an event and its recorded leaf are both changed", () => {
    const copy = copyOf(dir);
    const events = readFileSync(path.join(copy, "events.jsonl"), "utf8").split("\n");
    events[1] = events[1].replace('"total":5', '"total":6');
    writeFileSync(path.join(copy, "events.jsonl"), events.join("\n"));
    const leaf = execFileSync("sh", ["-c", `printf '\\000%s' '${events[1]}' | openssl dgst -sha256 -binary | openssl base64 -A`]).toString();
    const leaves = readFileSync(path.join(copy, "leaves.txt"), "utf8").split("\n");
    leaves[1] = leaf;
    writeFileSync(path.join(copy, "leaves.txt"), leaves.join("\n"));
    const r = runVerify(copy);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL: the events do not produce the signed root/);
  });

  it("fails on a changed checkpoint", () => {
    const copy = copyOf(dir);
    const file = path.join(copy, "checkpoint-tree.txt");
    const text = readFileSync(file, "utf8").split("\n");
    text[2] = Buffer.alloc(32, 1).toString("base64");
    writeFileSync(file, text.join("\n"));
    const r = runVerify(copy);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL: checkpoint-tree\.txt: the signature does not verify/);
  });

  it("fails on a removed event", () => {
    const copy = copyOf(dir);
    for (const name of ["events.jsonl", "leaves.txt"]) {
      const lines = readFileSync(path.join(copy, name), "utf8").split("\n");
      lines.splice(4, 1);
      writeFileSync(path.join(copy, name), lines.join("\n"));
    }
    const r = runVerify(copy);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL: events\.jsonl line 5: expected the event with seq 4/);
  });
});
