// The channel-secret box without a database: key formats, the derived and development keys, the
// sealed format with its AAD binding, and configuration errors that never show the key.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@/lib/config";
import { ChannelSecretError, isSealed, notifyKeyring, openSecret, readKey, sealSecret } from "./channel-secrets";

const KEY = randomBytes(32);
const where = { channelId: "0b0b0b0b-0000-4000-8000-000000000001", field: "secret" as const };
const base = { NODE_ENV: "test" as const, AUTH_SECRET: undefined, NOTIFY_ENCRYPTION_KEY: undefined, NOTIFY_ENCRYPTION_KEYS_OLD: undefined };

describe("readKey", () => {
  it("takes 32 bytes as hex, base64, base64url, or a file holding them (or the raw bytes)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rw-key-"));
    try {
      fs.writeFileSync(path.join(dir, "b64"), `${KEY.toString("base64")}\n`);
      fs.writeFileSync(path.join(dir, "raw"), KEY);
      for (const value of [KEY.toString("hex"), KEY.toString("base64"), KEY.toString("base64url"), path.join(dir, "b64"), path.join(dir, "raw")]) {
        expect(readKey(value, "NOTIFY_ENCRYPTION_KEY").equals(KEY)).toBe(true);
      }
      fs.writeFileSync(path.join(dir, "short"), "abc");
      expect(() => readKey(path.join(dir, "short"), "NOTIFY_ENCRYPTION_KEY")).toThrow(/the key file .*short does not hold 32 bytes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses anything else at start-up, naming the variable but never its value", () => {
    const bad = randomBytes(16).toString("hex");
    let error: unknown;
    try {
      parseConfig({ NODE_ENV: "test", NOTIFY_ENCRYPTION_KEY: bad, NOTIFY_ENCRYPTION_KEYS_OLD: `${KEY.toString("hex")},${bad}x` });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("NOTIFY_ENCRYPTION_KEY: not 32 bytes as base64 or 64 hex digits");
    expect(message).toContain("NOTIFY_ENCRYPTION_KEYS_OLD (entry 2): not 32 bytes");
    expect(message).not.toContain(bad);
    expect(parseConfig({ NODE_ENV: "test", NOTIFY_ENCRYPTION_KEY: KEY.toString("base64") }).NOTIFY_ENCRYPTION_KEY).toBe(KEY.toString("base64"));
  });
});

describe("seal and open", () => {
  it("round-trips with a fresh IV each time and binds the value to its channel and member", () => {
    const keyring = notifyKeyring({ ...base, NOTIFY_ENCRYPTION_KEY: KEY.toString("hex") });
    const a = sealSecret(keyring, "s3cret", where);
    const b = sealSecret(keyring, "s3cret", where);
    expect(a).not.toBe(b);
    expect(isSealed(a)).toBe(true);
    expect(a).not.toContain("s3cret");
    expect(openSecret(keyring, a, where)).toBe("s3cret");
    expect(() => openSecret(keyring, a, { ...where, channelId: "0b0b0b0b-0000-4000-8000-000000000002" })).toThrow(ChannelSecretError);
    expect(() => openSecret(keyring, a, { ...where, field: "url" })).toThrow(/URL failed its integrity check/);
    expect(() => openSecret(keyring, "rwenc:v1:nonsense", where)).toThrow(/malformed/);
    // Not sealed: a row from before encryption, returned as it is (the deliverer seals it).
    expect(openSecret(keyring, "plain", where)).toBe("plain");
  });

  it("derives the key from AUTH_SECRET (stable), keeps it as an old key once NOTIFY_ENCRYPTION_KEY is set, and has a development key only outside production", () => {
    const authSecret = "a-session-secret-of-at-least-32-characters!";
    const derived = notifyKeyring({ ...base, AUTH_SECRET: authSecret });
    expect(derived.source).toBe("AUTH_SECRET");
    expect(notifyKeyring({ ...base, AUTH_SECRET: authSecret }).currentId).toBe(derived.currentId);
    const sealed = sealSecret(derived, "v", where);
    const explicit = notifyKeyring({ ...base, AUTH_SECRET: authSecret, NOTIFY_ENCRYPTION_KEY: KEY.toString("hex") });
    expect(explicit.currentId).not.toBe(derived.currentId);
    expect(openSecret(explicit, sealed, where)).toBe("v");

    const dev = notifyKeyring(base);
    expect(dev.source).toBe("development");
    const devSealed = sealSecret(dev, "v", where);
    const production = notifyKeyring({ ...base, NODE_ENV: "production", AUTH_SECRET: authSecret });
    expect(() => openSecret(production, devSealed, where)).toThrow(/does not have/);
    expect(() => notifyKeyring({ ...base, NODE_ENV: "production" })).toThrow(/NOTIFY_ENCRYPTION_KEY or AUTH_SECRET must be set/);
  });
});
