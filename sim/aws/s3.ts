// S3 over restXml (path style): ListBuckets, the bucket-policy calls (with locked-bucket and root-unlock
// rules) and objects in the caller's own buckets (PutObject, GetObject, HeadObject, DeleteObject,
// ListObjectsV2; kept in memory by the runtime, not in the saved state).
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { decodeToken, denied, el, encodeToken, isoDate, requireAction, type OpContext } from "./context";
import { SimError, type SimResponse } from "./errors";
import { isBucketLocked, type SimBucket } from "./state";

export type S3Route = { operation: string; bucket: string | null; key?: string; query?: URLSearchParams };

/** An object as the simulator keeps it. */
export type SimObject = { body: Buffer; contentType: string; etag: string; lastModified: number };

// Path-style addressing: "/" is the service, "/bucket" a bucket, "/bucket/key" an object; the sub-resource is in the query.
export function resolveS3Route(method: string, rawPath: string, query: URLSearchParams): S3Route {
  const path = safeDecode(rawPath);
  const trimmed = path.replace(/^\/+/, "");
  const slash = trimmed.indexOf("/");
  const bucket = trimmed === "" ? null : slash < 0 ? trimmed : trimmed.slice(0, slash);
  const hasKey = slash >= 0 && slash < trimmed.length - 1;
  if (!bucket) return { operation: method === "GET" ? "ListBuckets" : `${method}Service`, bucket: null, query };
  if (!hasKey && query.has("policy")) {
    const op = method === "GET" ? "GetBucketPolicy" : method === "PUT" ? "PutBucketPolicy" : method === "DELETE" ? "DeleteBucketPolicy" : `${method}BucketPolicy`;
    return { operation: op, bucket };
  }
  if (!hasKey && method === "GET" && query.get("list-type") === "2") return { operation: "ListObjectsV2", bucket, query };
  if (hasKey) {
    const key = trimmed.slice(slash + 1);
    const op = { PUT: "PutObject", GET: "GetObject", HEAD: "HeadObject", DELETE: "DeleteObject" }[method] ?? `${method}Object`;
    return { operation: op, bucket, key, query };
  }
  return { operation: `${method}Bucket`, bucket };
}

const S3_OPERATIONS = new Set(["ListBuckets", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"]);
const OBJECT_OPERATIONS = new Set(["PutObject", "GetObject", "HeadObject", "DeleteObject", "ListObjectsV2"]);

export function handleS3(ctx: OpContext, route: S3Route, body: Buffer, requestHeaders: IncomingHttpHeaders = {}): SimResponse {
  const { state } = ctx.sim;
  const headers = { "x-amz-request-id": ctx.requestId, "x-amz-id-2": Buffer.from(ctx.requestId).toString("base64") };
  if (route.operation === "ListBuckets") {
    ctx.target.accountId = ctx.caller.accountId;
    requireAction(ctx, "s3:ListAllMyBuckets", "*");
    const account = state.accounts.get(ctx.caller.accountId)!;
    // Without max-buckets every bucket comes back; with it, pages carry an opaque ContinuationToken.
    const q = route.query ?? new URLSearchParams();
    const rawMax = q.get("max-buckets");
    const max = rawMax === null ? Infinity : Number(rawMax);
    if (rawMax !== null && (!Number.isInteger(max) || max < 1 || max > 10_000)) {
      throw new SimError("InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000", 400, { fields: { ArgumentName: "max-buckets", ArgumentValue: rawMax } });
    }
    const scope = `s3:ListBuckets:${account.id}`;
    let offset = 0;
    const token = q.get("continuation-token");
    if (token) {
      const decoded = decodeToken(token, scope);
      if (!decoded) throw new SimError("InvalidArgument", "The continuation token provided is incorrect", 400, { fields: { ArgumentName: "continuation-token" } });
      offset = decoded.offset;
    }
    const all = account.bucketNames.map((name) => state.buckets.get(name)!);
    const buckets = all.slice(offset, offset + max);
    const next = offset + buckets.length < all.length ? el("ContinuationToken", encodeToken(scope, offset + buckets.length)) : "";
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Owner>${el("ID", canonicalUserId(account.id))}${el("DisplayName", account.name)}</Owner><Buckets>` +
      buckets.map((b) => `<Bucket>${el("Name", b.name)}${el("CreationDate", isoDate(b.creationDate))}${el("BucketRegion", b.region)}</Bucket>`).join("") +
      `</Buckets>${next}</ListAllMyBucketsResult>`;
    return { status: 200, headers: { ...headers, "content-type": "application/xml" }, body: xml };
  }
  if (OBJECT_OPERATIONS.has(route.operation)) return handleObject(ctx, route, body, requestHeaders, headers);
  if (!S3_OPERATIONS.has(route.operation)) {
    throw new SimError("NotImplemented", "A header you provided implies functionality that is not implemented", 501);
  }
  const bucket = state.buckets.get(route.bucket!);
  const resource = `arn:aws:s3:::${route.bucket}`;
  requireAction(ctx, `s3:${route.operation}`, resource);
  if (!bucket) throw new SimError("NoSuchBucket", "The specified bucket does not exist", 404, { fields: { BucketName: route.bucket! } });
  ctx.target.accountId = bucket.accountId;
  authorizeBucket(ctx, bucket, route.operation, resource);
  switch (route.operation) {
    case "GetBucketPolicy":
      if (!bucket.policy) throw new SimError("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { fields: { BucketName: bucket.name } });
      return { status: 200, headers: { ...headers, "content-type": "application/json" }, body: bucket.policy };
    case "PutBucketPolicy": {
      const text = body.toString("utf8");
      if (!isJsonObject(text)) throw new SimError("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400);
      bucket.policy = text;
      return { status: 204, headers, body: "" };
    }
    default:
      bucket.policy = null;
      return { status: 204, headers, body: "" };
  }
}

function handleObject(ctx: OpContext, route: S3Route, body: Buffer, requestHeaders: IncomingHttpHeaders, headers: Record<string, string>): SimResponse {
  const { state } = ctx.sim;
  const bucket = state.buckets.get(route.bucket!);
  const action = route.operation === "ListObjectsV2" ? "s3:ListBucket" : route.operation === "HeadObject" ? "s3:GetObject" : `s3:${route.operation}`;
  const resource = route.key === undefined ? `arn:aws:s3:::${route.bucket}` : `arn:aws:s3:::${route.bucket}/${route.key}`;
  requireAction(ctx, action, resource);
  if (!bucket) throw new SimError("NoSuchBucket", "The specified bucket does not exist", 404, { fields: { BucketName: route.bucket! } });
  ctx.target.accountId = bucket.accountId;
  authorizeBucket(ctx, bucket, action.slice(3), resource);
  const objects = ctx.sim.objectsOf(bucket.name);
  const header = (name: string) => {
    const v = requestHeaders[name];
    return Array.isArray(v) ? v.join(",") : v;
  };
  switch (route.operation) {
    case "PutObject": {
      if (header("x-amz-copy-source")) throw new SimError("NotImplemented", "CopyObject is not implemented by the simulator", 501);
      const data = decodePayload(body, header);
      if (header("if-none-match") === "*" && objects.has(route.key!)) {
        throw new SimError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { fields: { Condition: "If-None-Match" } });
      }
      const etag = `"${createHash("md5").update(data).digest("hex")}"`;
      objects.set(route.key!, { body: data, contentType: header("content-type") ?? "binary/octet-stream", etag, lastModified: ctx.now });
      return { status: 200, headers: { ...headers, etag }, body: "" };
    }
    case "GetObject":
    case "HeadObject": {
      const object = objects.get(route.key!);
      if (!object) {
        // HEAD has no body, so the SDK names the error after the status: NotFound.
        if (route.operation === "HeadObject") throw new SimError("NotFound", "Not Found", 404);
        throw new SimError("NoSuchKey", "The specified key does not exist.", 404, { fields: { Key: route.key! } });
      }
      const meta = {
        ...headers,
        "content-type": object.contentType,
        etag: object.etag,
        "last-modified": new Date(object.lastModified).toUTCString(),
      };
      if (route.operation === "HeadObject") return { status: 200, headers: { ...meta, "content-length": String(object.body.length) }, body: "" };
      return { status: 200, headers: meta, body: object.body };
    }
    case "DeleteObject":
      objects.delete(route.key!);
      return { status: 204, headers, body: "" };
    default: {
      const q = route.query ?? new URLSearchParams();
      const prefix = q.get("prefix") ?? "";
      const rawMax = q.get("max-keys");
      const max = rawMax === null ? 1000 : Number(rawMax);
      if (!Number.isInteger(max) || max < 0 || max > 1000) throw new SimError("InvalidArgument", "Provided max-keys not an integer or within integer range", 400);
      const scope = `s3:ListObjectsV2:${bucket.name}:${prefix}`;
      const token = q.get("continuation-token");
      let offset = 0;
      if (token) {
        const decoded = decodeToken(token, scope);
        if (!decoded) throw new SimError("InvalidArgument", "The continuation token provided is incorrect", 400, { fields: { ArgumentName: "continuation-token" } });
        offset = decoded.offset;
      }
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const page = keys.slice(offset, offset + max);
      const truncated = offset + page.length < keys.length;
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `${el("Name", bucket.name)}${el("Prefix", prefix)}${el("KeyCount", page.length)}${el("MaxKeys", max)}${el("IsTruncated", truncated)}` +
        (token ? el("ContinuationToken", token) : "") +
        (truncated ? el("NextContinuationToken", encodeToken(scope, offset + page.length)) : "") +
        page
          .map((k) => {
            const o = objects.get(k)!;
            return `<Contents>${el("Key", k)}${el("LastModified", isoDate(o.lastModified))}${el("ETag", o.etag)}${el("Size", o.body.length)}${el("StorageClass", "STANDARD")}</Contents>`;
          })
          .join("") +
        `</ListBucketResult>`;
      return { status: 200, headers: { ...headers, "content-type": "application/xml" }, body: xml };
    }
  }
}

/**
 * The object's bytes: the body as sent, or decoded from aws-chunked (what the SDK sends for a stream
 * body with a trailing checksum): "<hex size>[;chunk-signature=...]\r\n<data>\r\n" ... "0\r\n<trailers>\r\n\r\n".
 */
function decodePayload(body: Buffer, header: (name: string) => string | undefined): Buffer {
  const chunked = (header("content-encoding") ?? "").split(",").some((e) => e.trim() === "aws-chunked") || (header("x-amz-content-sha256") ?? "").startsWith("STREAMING-");
  if (!chunked) return body;
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) throw new SimError("IncompleteBody", "The request body terminated unexpectedly", 400);
    const size = parseInt(body.subarray(at, eol).toString("latin1").split(";")[0]!, 16);
    if (!Number.isInteger(size) || size < 0) throw new SimError("InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes", 400);
    at = eol + 2;
    if (size === 0) break;
    if (at + size > body.length) throw new SimError("IncompleteBody", "The request body terminated unexpectedly", 400);
    parts.push(body.subarray(at, at + size));
    at += size + 2;
  }
  const data = Buffer.concat(parts);
  const declared = header("x-amz-decoded-content-length");
  if (declared !== undefined && Number(declared) !== data.length) {
    throw new SimError("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", 400);
  }
  return data;
}

// Cross-account access is never granted here; a deny-everyone policy blocks everyone but the owner's root.
function authorizeBucket(ctx: OpContext, bucket: SimBucket, operation: string, resource: string): void {
  const { caller } = ctx;
  if (bucket.accountId !== caller.accountId) throw denied(ctx, `s3:${operation}`, resource);
  if (caller.kind === "root-session") return;
  if (isBucketLocked(bucket)) throw denied(ctx, `s3:${operation}`, resource, "with an explicit deny in a resource-based policy");
}

function isJsonObject(text: string): boolean {
  if (!text.trimStart().startsWith("{")) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function canonicalUserId(accountId: string): string {
  return Buffer.from(`canonical-${accountId}-${accountId}-${accountId}`).toString("hex").slice(0, 64).padEnd(64, "0");
}
