// The checkpoint signing key: AUDIT_SIGNING_KEY (an Ed25519 private key as PEM, or a path to a PEM
// file). Outside production a key is generated once into .data so every local process shares it.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getConfig, type TConfig } from "@/lib/config";
import { ed25519Signer, type TNoteSigner } from "./signed-note";

export type TAuditSigner = TNoteSigner & { rawPublicKey: Buffer; keyIdHex: string };

export const DEV_SIGNING_KEY_FILE = ".data/audit-signing-key.pem";

/** Reads a PEM or a file holding one; throws a message naming AUDIT_SIGNING_KEY. */
export function loadPrivateKey(value: string): KeyObject {
  const pem = value.includes("-----BEGIN") ? value : readKeyFile(value);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error("AUDIT_SIGNING_KEY is not a readable private key (expected an Ed25519 PEM: openssl genpkey -algorithm ed25519).");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`AUDIT_SIGNING_KEY must be an Ed25519 key, not ${key.asymmetricKeyType}.`);
  return key;
}

export function createAuditSigner(origin: string, key: KeyObject): TAuditSigner {
  const signer = ed25519Signer(origin, key);
  return { ...signer, keyIdHex: signer.keyId.toString("hex") };
}

/** A new Ed25519 private key as PEM (demo, tests). */
export function generateSigningKeyPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

/** Creates the PEM file unless it exists (several processes may race to create it). */
export function ensureKeyFile(file: string): string {
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, generateSigningKeyPem(), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return file;
}

const globalForSigner = globalThis as unknown as { rootwardenAuditSigner?: TAuditSigner };

/** The process's signer from the configuration (config refuses production without a key). */
export function getAuditSigner(config: TConfig = getConfig()): TAuditSigner {
  if (globalForSigner.rootwardenAuditSigner) return globalForSigner.rootwardenAuditSigner;
  const value = config.AUDIT_SIGNING_KEY ?? ensureKeyFile(path.resolve(DEV_SIGNING_KEY_FILE));
  globalForSigner.rootwardenAuditSigner = createAuditSigner(config.AUDIT_LOG_ORIGIN, loadPrivateKey(value));
  return globalForSigner.rootwardenAuditSigner;
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(/*turbopackIgnore: true*/ file, "utf8");
  } catch {
    throw new Error(`AUDIT_SIGNING_KEY: cannot read the key file ${file} (set a PEM or the path of a readable PEM file).`);
  }
}
