// SigV4 verification: rebuilds the canonical request from the raw HTTP request the way the SDK's signer does, then compares signatures.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export type ParsedAuthorization = {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
};

export type RawRequest = { method: string; rawPath: string; rawQuery: string; headers: IncomingHttpHeaders; body: Buffer };

export type VerifyResult = "ok" | "bad-signature" | "payload-hash-mismatch";

const ALGORITHM = "AWS4-HMAC-SHA256";
const EMPTY_SHA256 = sha256Hex(Buffer.alloc(0));

export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (!header || !header.startsWith(`${ALGORITHM} `)) return null;
  const fields: Record<string, string> = {};
  for (const part of header.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const credential = fields.Credential?.split("/");
  if (!credential || credential.length !== 5 || credential[4] !== "aws4_request" || !fields.SignedHeaders || !fields.Signature) return null;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: fields.SignedHeaders.split(";"), signature: fields.Signature };
}

// x-amz-date is YYYYMMDDTHHMMSSZ; returns epoch ms or NaN.
export function parseAmzDate(value: string | undefined): number {
  if (!value || !/^\d{8}T\d{6}Z$/.test(value)) return Number.NaN;
  return Date.UTC(+value.slice(0, 4), +value.slice(4, 6) - 1, +value.slice(6, 8), +value.slice(9, 11), +value.slice(11, 13), +value.slice(13, 15));
}

export function verifySignature(auth: ParsedAuthorization, secretAccessKey: string, req: RawRequest): VerifyResult {
  const amzDate = headerValue(req.headers, "x-amz-date");
  if (!amzDate.startsWith(auth.date)) return "bad-signature";
  const declaredHash = headerValue(req.headers, "x-amz-content-sha256");
  let payloadHash: string;
  if (declaredHash && declaredHash !== "UNSIGNED-PAYLOAD" && !declaredHash.startsWith("STREAMING-")) {
    // A signed hash must match the body actually sent, or the signature proves nothing about it.
    const actual = req.body.length ? sha256Hex(req.body) : EMPTY_SHA256;
    if (actual !== declaredHash) return "payload-hash-mismatch";
    payloadHash = declaredHash;
  } else if (declaredHash) {
    payloadHash = declaredHash;
  } else {
    payloadHash = req.body.length ? sha256Hex(req.body) : EMPTY_SHA256;
  }
  const canonicalHeaders = auth.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(req.headers[name])}\n`).join("");
  const canonicalRequest = [
    req.method,
    canonicalPath(req.rawPath, auth.service !== "s3"),
    canonicalQuery(req.rawQuery),
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const expected = createHmac("sha256", signingKey(secretAccessKey, auth.date, auth.region, auth.service)).update(stringToSign).digest();
  const given = Buffer.from(auth.signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected) ? "ok" : "bad-signature";
}

// Signing keys only change per day, region and service: caching them saves four HMACs per request.
const keyCache = new Map<string, Buffer>();
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    const kDate = createHmac("sha256", `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac("sha256", kDate).update(region).digest();
    const kService = createHmac("sha256", kRegion).update(service).digest();
    key = createHmac("sha256", kService).update("aws4_request").digest();
    if (keyCache.size > 50_000) keyCache.clear();
    keyCache.set(cacheKey, key);
  }
  return key;
}

// Non-S3 services sign the normalized path URI-encoded once more; S3 signs the path exactly as sent.
function canonicalPath(rawPath: string, escape: boolean): string {
  if (!escape) return rawPath;
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  const byKey = new Map<string, string[]>();
  for (const pair of rawQuery.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = escapeUri(safeDecode(eq < 0 ? pair : pair.slice(0, eq)));
    if (key.toLowerCase() === "x-amz-signature") continue;
    const value = escapeUri(safeDecode(eq < 0 ? "" : pair.slice(eq + 1)));
    const list = byKey.get(key);
    if (list) list.push(`${key}=${value}`);
    else byKey.set(key, [`${key}=${value}`]);
  }
  return [...byKey.keys()]
    .sort()
    .map((key) => byKey.get(key)!.sort().join("&"))
    .join("&");
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return "";
  const joined = Array.isArray(value) ? value.join(",") : value;
  return joined.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "");
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}

function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
