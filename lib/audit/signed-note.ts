// C2SP signed notes (c2sp.org/signed-note) carrying C2SP tlog-checkpoints (c2sp.org/tlog-checkpoint),
// signed with Ed25519: key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4].
import { createPublicKey, hash, sign, verify, type KeyObject } from "node:crypto";

const EM_DASH = "\u2014";
const ED25519_TYPE = 0x01;
// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export type TNoteSigner = { name: string; keyId: Buffer; sign: (text: Buffer) => Buffer };
export type TNoteVerifier = { name: string; keyId: Buffer; publicKey: KeyObject };

export function noteKeyId(name: string, rawPublicKey: Buffer): Buffer {
  assertKeyName(name);
  const digest = hash("sha256", Buffer.concat([Buffer.from(`${name}\n`, "utf8"), Buffer.from([ED25519_TYPE]), rawPublicKey]), "buffer");
  return digest.subarray(0, 4);
}

export function assertKeyName(name: string): void {
  if (name === "" || /[\s+]/u.test(name)) throw new Error(`"${name}" cannot be a signed-note key name: it must be non-empty, without spaces or "+".`);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  if (der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) throw new Error("The key is not an Ed25519 key.");
  return der.subarray(12);
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error("An Ed25519 public key has 32 bytes.");
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function ed25519Signer(name: string, privateKey: KeyObject): TNoteSigner & { rawPublicKey: Buffer } {
  const pub = rawPublicKey(createPublicKey(privateKey));
  return { name, keyId: noteKeyId(name, pub), rawPublicKey: pub, sign: (text) => sign(null, text, privateKey) };
}

export function ed25519Verifier(name: string, raw: Buffer): TNoteVerifier {
  return { name, keyId: noteKeyId(name, raw), publicKey: publicKeyFromRaw(raw) };
}

/** The checkpoint body: origin, tree size, base64 root hash, each line ending in a newline. */
export function checkpointText(origin: string, size: number, root: Buffer): string {
  return `${origin}\n${size}\n${root.toString("base64")}\n`;
}

export function signNote(text: string, signer: TNoteSigner): string {
  if (!text.endsWith("\n")) throw new Error("A note's text ends with a newline.");
  const signature = signer.sign(Buffer.from(text, "utf8"));
  return `${text}\n${EM_DASH} ${signer.name} ${Buffer.concat([signer.keyId, signature]).toString("base64")}\n`;
}

export type TNoteSignature = { name: string; keyId: Buffer; signature: Buffer };
export type TParsedCheckpoint = { text: string; origin: string; size: number; root: Buffer; signatures: TNoteSignature[] };

/** Parses a signed checkpoint; throws an Error saying what is malformed. */
export function parseCheckpointNote(note: string): TParsedCheckpoint {
  const split = note.indexOf("\n\n");
  if (split < 0) throw new Error("not a signed note (no blank line before the signatures)");
  const text = note.slice(0, split + 1);
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new Error("a checkpoint has at least three lines (origin, size, root)");
  const [origin, sizeLine, rootLine] = lines;
  if (!/^(0|[1-9]\d*)$/.test(sizeLine)) throw new Error(`bad tree size line "${sizeLine}"`);
  const root = Buffer.from(rootLine, "base64");
  if (root.length !== 32 || root.toString("base64") !== rootLine) throw new Error(`bad root hash line "${rootLine}"`);
  const signatures: TNoteSignature[] = [];
  const sigLines = note.slice(split + 2).split("\n");
  if (sigLines.pop() !== "") throw new Error("the last signature line does not end with a newline");
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) throw new Error(`bad signature line "${line}"`);
    const bytes = Buffer.from(m[2], "base64");
    if (bytes.length < 5) throw new Error("signature too short");
    signatures.push({ name: m[1], keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) });
  }
  if (signatures.length === 0) throw new Error("the note has no signature");
  return { text, origin, size: Number(sizeLine), root, signatures };
}

/** The signature by this key (same name and key ID), verified; null when the key did not sign. */
export function verifyNote(parsed: TParsedCheckpoint, verifier: TNoteVerifier): boolean | null {
  const mine = parsed.signatures.find((s) => s.name === verifier.name && s.keyId.equals(verifier.keyId));
  if (!mine) return null;
  return verify(null, Buffer.from(parsed.text, "utf8"), verifier.publicKey, mine.signature);
}
