// The secret parts of a channel's stored settings (a webhook's signing secret, a Slack webhook URL),
// encrypted at rest with AES-256-GCM. The key comes from NOTIFY_ENCRYPTION_KEY or is derived from
// AUTH_SECRET; each value names the key it was sealed under, so keys can rotate (README.md).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import type { TConfig } from "@/lib/config";

/** `rwenc:v1:<key id>:<IV, base64url>:<ciphertext then 16-byte tag, base64url>` */
const PREFIX = "rwenc:v1:";
const SEALED = /^rwenc:v1:([0-9a-f]{16}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]+)$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** HKDF info when the key is derived from AUTH_SECRET; changing it changes the key. */
export const DERIVED_KEY_INFO = "rootwarden/notify/channel-secrets/v1";
// Outside production with neither variable set: a fixed, public key, so a developer's channels
// survive restarts. Never accepted in production (anyone can compute it).
const DEVELOPMENT_KEY_MATERIAL = "rootwarden-insecure-development-key-for-notification-channels";

export type TSecretField = "secret" | "url";
export type TKeyring = { currentId: string; keys: Map<string, Buffer>; source: "NOTIFY_ENCRYPTION_KEY" | "AUTH_SECRET" | "development" };

export class ChannelSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChannelSecretError";
  }
}

type TKeyConfig = Pick<TConfig, "NODE_ENV" | "AUTH_SECRET" | "NOTIFY_ENCRYPTION_KEY" | "NOTIFY_ENCRYPTION_KEYS_OLD">;
const cache = new WeakMap<object, TKeyring>();

/**
 * The keys this process seals with (the first) and opens with (all). Throws an Error naming the
 * variable (never its value) when a key is not 32 bytes of base64 or hex, or a file holding that.
 */
export function notifyKeyring(config: TKeyConfig): TKeyring {
  const hit = cache.get(config);
  if (hit) return hit;
  const keys = new Map<string, Buffer>();
  const add = (key: Buffer) => {
    const id = keyId(key);
    if (!keys.has(id)) keys.set(id, key);
    return id;
  };
  let source: TKeyring["source"];
  let currentId: string;
  if (config.NOTIFY_ENCRYPTION_KEY) {
    currentId = add(readKey(config.NOTIFY_ENCRYPTION_KEY, "NOTIFY_ENCRYPTION_KEY"));
    source = "NOTIFY_ENCRYPTION_KEY";
  } else if (config.AUTH_SECRET) {
    currentId = add(deriveKey(config.AUTH_SECRET));
    source = "AUTH_SECRET";
  } else if (config.NODE_ENV !== "production") {
    currentId = add(deriveKey(DEVELOPMENT_KEY_MATERIAL));
    source = "development";
  } else {
    throw new Error("NOTIFY_ENCRYPTION_KEY or AUTH_SECRET must be set in production to encrypt notification channel secrets.");
  }
  const old = (config.NOTIFY_ENCRYPTION_KEYS_OLD ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  old.forEach((value, i) => add(readKey(value, `NOTIFY_ENCRYPTION_KEYS_OLD (entry ${i + 1})`)));
  // Moving from the derived key to NOTIFY_ENCRYPTION_KEY needs no extra step: the derived key still opens.
  if (config.AUTH_SECRET) add(deriveKey(config.AUTH_SECRET));
  if (config.NODE_ENV !== "production") add(deriveKey(DEVELOPMENT_KEY_MATERIAL));
  const keyring = { currentId, keys, source };
  cache.set(config, keyring);
  return keyring;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The key id a sealed value names, or null for a value that is not sealed. */
export function sealedKeyId(value: string): string | null {
  return SEALED.exec(value)?.[1] ?? null;
}

export function sealSecret(keyring: TKeyring, plaintext: string, where: { channelId: string; field: TSecretField }): string {
  const key = keyring.keys.get(keyring.currentId)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(where));
  const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${keyring.currentId}:${iv.toString("base64url")}:${sealed.toString("base64url")}`;
}

/**
 * The plaintext of a sealed value. A value that is not sealed (a row from before encryption, sealed
 * at the deliverer's next round) is returned as it is. Throws ChannelSecretError, saying what to do.
 */
export function openSecret(keyring: TKeyring, stored: string, where: { channelId: string; field: TSecretField }): string {
  if (!isSealed(stored)) return stored;
  const what = where.field === "secret" ? "signing secret" : "URL";
  const m = SEALED.exec(stored);
  if (!m) throw new ChannelSecretError(`the channel's stored ${what} is malformed (not a value Rootwarden sealed); delete the channel and add it again`);
  const [, id, iv, body] = m;
  const key = keyring.keys.get(id);
  if (!key) {
    throw new ChannelSecretError(
      `the channel's ${what} was encrypted under key ${id}, which this process does not have; set that key in NOTIFY_ENCRYPTION_KEY or NOTIFY_ENCRYPTION_KEYS_OLD and restart, or delete the channel and add it again`,
    );
  }
  const bytes = Buffer.from(body, "base64url");
  if (bytes.length < TAG_BYTES) throw new ChannelSecretError(`the channel's stored ${what} is malformed (too short); delete the channel and add it again`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(where));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new ChannelSecretError(
      `the channel's stored ${what} failed its integrity check (altered in the database, or copied from another channel); delete the channel and add it again`,
    );
  }
}

/** Which config member of a channel kind is sealed. */
export function secretFieldOf(kind: string): TSecretField | null {
  return kind === "WEBHOOK" ? "secret" : kind === "SLACK" ? "url" : null;
}

// Binds a value to its channel and member: a value copied into another row or member does not open.
function aad(where: { channelId: string; field: TSecretField }): Buffer {
  return Buffer.from(`rootwarden/notify/v1\u0000${where.channelId.toLowerCase()}\u0000${where.field}`, "utf8");
}

function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), DERIVED_KEY_INFO, 32));
}

// Names a key without revealing anything usable about it.
function keyId(key: Buffer): string {
  return createHmac("sha256", key).update("rootwarden/notify/key-id").digest("hex").slice(0, 16);
}

/** 32 bytes as 64 hex digits or base64(url), or the path of a file holding either (or the 32 raw bytes). */
export function readKey(value: string, name: string): Buffer {
  const parsed = parseKeyText(value);
  if (parsed) return parsed;
  let content: Buffer;
  try {
    content = fs.readFileSync(value);
  } catch {
    throw new Error(`${name}: not 32 bytes as base64 or 64 hex digits, and not a readable key file (generate one with: openssl rand -base64 32)`);
  }
  const key = content.length === 32 ? content : parseKeyText(content.toString("utf8"));
  if (!key) throw new Error(`${name}: the key file ${value} does not hold 32 bytes (base64, 64 hex digits, or raw); generate one with: openssl rand -base64 32`);
  return key;
}

function parseKeyText(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
    if (key.length === 32) return key;
  }
  return null;
}
