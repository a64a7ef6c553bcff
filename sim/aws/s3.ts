// S3 over restXml (path style): ListBuckets and the bucket-policy calls, with locked-bucket and root-unlock rules.
import { decodeToken, denied, el, encodeToken, isoDate, requireAction, type OpContext } from "./context";
import { SimError, type SimResponse } from "./errors";
import { isBucketLocked, type SimBucket } from "./state";

export type S3Route = { operation: string; bucket: string | null; query?: URLSearchParams };

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
  return { operation: `${method}${hasKey ? "Object" : "Bucket"}`, bucket };
}

const S3_OPERATIONS = new Set(["ListBuckets", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"]);

export function handleS3(ctx: OpContext, route: S3Route, body: Buffer): SimResponse {
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
