// The signing-key history: each key with its validity window in tree sizes. A key signs the
// checkpoints of size > fromSize up to and including the next key's fromSize (the last key: onwards).
import { ed25519Verifier, type TNoteVerifier } from "./signed-note";

export type TSigningKeyRecord = {
  name: string;
  keyId: string;
  publicKey: string;
  fromSize: number;
  /** null for the key in use. */
  untilSize: number | null;
  createdAt: string;
};

export type TKeyRow = { name: string; keyId: string; publicKey: string; fromSize: bigint | number | string; createdAt: Date };

export function keyHistory(rows: TKeyRow[]): TSigningKeyRecord[] {
  return rows.map((r, i) => ({
    name: r.name,
    keyId: r.keyId,
    publicKey: r.publicKey,
    fromSize: Number(r.fromSize),
    untilSize: i + 1 < rows.length ? Number(rows[i + 1].fromSize) : null,
    createdAt: r.createdAt.toISOString(),
  }));
}

export type TKeyRing = { keys: (TSigningKeyRecord & { verifier: TNoteVerifier })[] };

export function keyRing(records: TSigningKeyRecord[]): TKeyRing {
  return { keys: records.map((k) => ({ ...k, verifier: ed25519Verifier(k.name, Buffer.from(k.publicKey, "base64")) })) };
}

/** The key whose window holds a checkpoint of this size and that carries this name and key ID. */
export function keyFor(ring: TKeyRing, name: string, keyId: Buffer, size: number) {
  return ring.keys.find(
    (k) => k.name === name && k.verifier.keyId.equals(keyId) && size > k.fromSize && (k.untilSize === null || size <= k.untilSize),
  );
}

export function isKnownKey(ring: TKeyRing, name: string, keyId: Buffer): boolean {
  return ring.keys.some((k) => k.name === name && k.verifier.keyId.equals(keyId));
}
