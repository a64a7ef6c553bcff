// The fast RFC 8785 serializer against the reference `canonicalize` package: byte for byte on edge
// cases (RFC 8785's own examples of number forms and member order) and on many generated JSON values.
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { canonicalJson, jcs } from "./canonical";

// A small deterministic PRNG, so a failure reproduces.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ["a", "b", "z", "A", "é", "ß", "€", "\u0000", "\n", '"', "\\", "/", "\u007f", "\u2028", "😀", "\ud83d\ude00", "\uffff", "1", " ", "<"];

function randomString(r: () => number): string {
  let out = "";
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return out;
}

function randomNumber(r: () => number): number {
  const kind = Math.floor(r() * 6);
  if (kind === 0) return Math.floor(r() * 1000) - 500;
  if (kind === 1) return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
  if (kind === 2) return Number.MAX_SAFE_INTEGER - Math.floor(r() * 10);
  if (kind === 3) return r() < 0.5 ? -0 : 0;
  if (kind === 4) return (r() - 0.5) * 1e300;
  return Number((r() * 100).toFixed(Math.floor(r() * 5)));
}

function randomValue(r: () => number, depth: number): unknown {
  const kind = Math.floor(r() * (depth > 3 ? 4 : 6));
  if (kind === 0) return null;
  if (kind === 1) return r() < 0.5;
  if (kind === 2) return randomNumber(r);
  if (kind === 3) return randomString(r);
  if (kind === 4) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 5); i > 0; i--) obj[randomString(r)] = randomValue(r, depth + 1);
  return obj;
}

describe("jcs (RFC 8785)", () => {
  it.each([
    [{ b: 1, a: 2, "": 3, "\u20ac": 4, "\r": 5, "1": 6, "\ud83d\ude00": 7, "\ufb33": 8 }],
    [[1e21, 1e-7, 123456789012345680000, 0.000001, -0, 4.5, 2 ** 53, 1 / 3, 5e-324, 1.7976931348623157e308]],
    [{ nested: { z: [true, false, null, "x"], a: {} }, empty: [], s: "\u0000\u001f\"\\/\u2028" }],
  ])("matches the reference on edge cases: %j", (value) => {
    expect(jcs(value)).toBe(canonicalize(value));
  });

  it("matches the reference on 5,000 generated JSON values", () => {
    const r = prng(8785);
    for (let i = 0; i < 5000; i++) {
      const value = JSON.parse(JSON.stringify(randomValue(r, 0))) as unknown;
      expect(jcs(value)).toBe(canonicalize(value));
    }
  });

  it("orders members by UTF-16 code units, not code points", () => {
    // U+FB33 sorts after the surrogate pair of U+1F600 by code point, before it by UTF-16 code unit.
    expect(jcs({ "\ufb33": 1, "\ud83d\ude00": 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it("refuses what is not JSON", () => {
    expect(() => jcs({ n: Number.NaN })).toThrow(/not a JSON number/);
    expect(() => jcs({ n: Infinity })).toThrow(/not a JSON number/);
    expect(() => jcs({ s: "\ud800" })).toThrow(/lone surrogate/);
    expect(() => jcs({ d: new Date(0) })).toThrow(/non-JSON object/);
    expect(() => jcs({ f: () => 1 })).toThrow(/not a JSON value/);
  });
});

describe("canonicalJson (the event record)", () => {
  it("is exactly RFC 8785 of the record, whatever its members hold", () => {
    const r = prng(6962);
    for (let i = 0; i < 2000; i++) {
      const maybe = () => (r() < 0.3 ? null : randomString(r));
      const record = {
        v: 1,
        seq: Math.floor(r() * 1e9),
        time: new Date(Math.floor(r() * 2e12)).toISOString(),
        type: randomString(r) || "scan.started",
        actor: { type: r() < 0.5 ? ("USER" as const) : ("SYSTEM" as const), userId: maybe(), issuer: maybe(), subject: maybe(), email: maybe(), roles: r() < 0.5 ? [] : [randomString(r), randomString(r)] },
        request: { ip: maybe(), userAgent: maybe(), requestId: maybe() },
        organizationId: maybe(),
        target: r() < 0.4 ? null : { type: randomString(r), id: randomString(r) },
        payload: JSON.parse(JSON.stringify(randomValue(r, 1) ?? null)) as unknown,
      };
      expect(canonicalJson(record)).toBe(canonicalize(record));
    }
  });
});
