// The one wrapper every API route handler goes through: session -> same-origin check for writes ->
// permission -> handler, with AppError/zod errors mapped to JSON responses a person can read.
import { ZodError, type z } from "zod";
import { getConfig, type TConfig } from "@/lib/config";
import { runWithRequestContext, requestMetaFromHeaders } from "@/lib/audit/request-context";
import { AppError, isAppError } from "@/lib/errors";
import { assertPermission, type TActor } from "./actor";
import type { TPermission } from "./permissions";
import { checkSameOrigin, isMutatingMethod } from "./same-origin";
import { actorFromRequest } from "./session";
import type { TSessionStore } from "./user-sessions";

/** Any signed-in user, even one without roles (e.g. GET /api/me); everything else names a permission. */
export const SIGNED_IN = "signed-in" as const;
export type TRouteRequirement = TPermission | typeof SIGNED_IN;

export type TRouteParams = Record<string, string | string[] | undefined>;
export type TRouteContext = { params?: Promise<TRouteParams> };
export type THandlerContext = { actor: TActor; params: TRouteParams };
export type TRouteHandler = (req: Request, ctx: THandlerContext) => Promise<Response>;

export type TErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

const MAX_JSON_BYTES = 1_000_000;

/**
 * Wraps a route handler. 401 without a session, 403 for a cross-origin write, 403 naming the
 * permission when the actor lacks it; AppError -> its status, ZodError -> 400, anything else -> 500.
 * Before the handler runs, route params and the query string are checked centrally (they decode,
 * hold no NUL, are not absurdly long: 400 otherwise), so every route gets that without asking.
 * Params are otherwise passed through unparsed: parse them with zod in the handler like any input.
 */
export function withPermission(
  requirement: TRouteRequirement,
  handler: TRouteHandler,
  deps: { config?: () => TConfig; sessions?: TSessionStore } = {},
): (req: Request, ctx?: TRouteContext) => Promise<Response> {
  const config = deps.config ?? getConfig;
  return async (req, ctx) => {
    // Read now so a params promise that rejects is never left unhandled while the session is checked.
    const reading = readParams(ctx);
    reading.catch(() => {});
    try {
      const cfg = config();
      const actor = await actorFromRequest(req, cfg, { sessions: deps.sessions });
      if (!actor) throw new AppError("UNAUTHENTICATED", "You are not signed in. Sign in with SSO and try again.");
      // Browsers say where a request comes from. A page on another site must not make a signed-in
      // user's browser read (and thereby audit) an export or a verification, GET or not.
      if (req.headers.get("sec-fetch-site") === "cross-site") {
        throw new AppError("FORBIDDEN", "Requests from other sites are refused. Open Rootwarden itself and try again.", { reason: "cross-site" });
      }
      if (isMutatingMethod(req.method)) {
        const origin = checkSameOrigin(req, cfg.APP_URL);
        if (!origin.ok) throw new AppError("FORBIDDEN", origin.reason, { reason: "cross-origin" });
      }
      if (requirement !== SIGNED_IN) assertPermission(actor, requirement);
      const params = await reading;
      assertReadableQuery(req.url);
      // Audit events written while handling this request carry its IP, user agent and request id.
      const res = await runWithRequestContext(requestMetaFromHeaders(req.headers), () => handler(req, { actor, params }));
      // Responses carry per-user data: never let a shared cache keep them.
      if (!res.headers.has("Cache-Control")) {
        try {
          res.headers.set("Cache-Control", "no-store");
        } catch {
          // Immutable headers (e.g. Response.redirect): nothing user-specific to protect.
        }
      }
      return res;
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** Reads a JSON body and parses it with the schema: 415 when it is not JSON, 400 when invalid. */
export async function parseJsonBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const type = req.headers.get("content-type") ?? "";
  const mediaType = type.split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json" && !mediaType.endsWith("+json")) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send the body as JSON with the header Content-Type: application/json${type ? ` (got "${type}")` : ""}.`,
    );
  }
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) {
    throw new AppError("BAD_REQUEST", `The body is larger than ${MAX_JSON_BYTES} bytes.`);
  }
  if (text.trim() === "") throw new AppError("BAD_REQUEST", "The request needs a JSON body.");
  // Postgres text cannot hold NUL: refuse it here rather than fail later when a reason or name is stored.
  if (/\u0000|\\u0000/i.test(text)) throw new AppError("BAD_REQUEST", "Text in the body may not contain NUL characters (\\u0000). Remove them and send again.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid JSON.");
  }
  const badText = findBadText(value, "");
  if (badText !== null) {
    throw new AppError(
      "BAD_REQUEST",
      `Text in the body is not valid Unicode${badText ? ` at ${badText}` : ""}: it holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair). Send well-formed text.`,
      badText ? { path: badText } : undefined,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodToAppError(parsed.error);
  return parsed.data;
}

/**
 * The path of the first string (key or value) in a parsed JSON value that is not well-formed UTF-16,
 * or null. Iterative, not recursive: JSON.parse accepts nesting far deeper than the call stack.
 */
function findBadText(value: unknown, rootPath: string): string | null {
  const stack: [unknown, string][] = [[value, rootPath]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v && typeof v === "object") {
      const entries = Object.entries(v);
      for (let k = entries.length - 1; k >= 0; k--) {
        const [key, child] = entries[k]!;
        const badKey = LONE_SURROGATE.test(key);
        const shownKey = badKey ? key.replace(LONE_SURROGATES, "\uFFFD") : key;
        const childPath = path ? `${path}.${shownKey}` : shownKey;
        if (badKey) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}

/** Parses query-string or route params with a schema; 400 naming each bad field. */
export function parseInput<S extends z.ZodType>(value: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodToAppError(parsed.error);
  return parsed.data;
}

const MAX_PARAM_LENGTH = 1024;

/** Route params, decoded by Next; any value that failed to decode, holds NUL or is huge is a 400. */
async function readParams(ctx: TRouteContext | undefined): Promise<TRouteParams> {
  let params: TRouteParams;
  try {
    params = (await ctx?.params) ?? {};
  } catch {
    throw new AppError("BAD_REQUEST", "The address is not valid: a path segment is not percent-encoded UTF-8.");
  }
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined) continue;
      if (typeof v !== "string" || !isReadableText(v)) {
        throw new AppError("BAD_REQUEST", `The address is not valid: ${name} is not valid text (percent-encoded UTF-8 without NUL).`, { param: name });
      }
      if (v.length > MAX_PARAM_LENGTH) {
        throw new AppError("BAD_REQUEST", `The address is not valid: ${name} is longer than ${MAX_PARAM_LENGTH} characters.`, { param: name });
      }
    }
  }
  return params;
}

function assertReadableQuery(url: string): void {
  for (const [key, value] of new URL(url).searchParams) {
    if (!isReadableText(key) || !isReadableText(value)) {
      throw new AppError("BAD_REQUEST", `The query parameter "${key.replace(/[^\x20-\x7e]/g, "?")}" is not valid text (NUL or invalid UTF-8).`);
    }
  }
}

// NUL never belongs in text (Postgres refuses it); U+FFFD is what undecodable percent-encoding
// becomes, and a lone surrogate is what a half-decoded one becomes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

function isReadableText(s: string): boolean {
  return !s.includes("\0") && !s.includes("\uFFFD") && !LONE_SURROGATE.test(s);
}

export function jsonError(code: AppError["code"], message: string, details?: Record<string, unknown>): Response {
  return errorResponse(new AppError(code, message, details));
}

/** Maps any thrown value to a JSON error response; unexpected errors are logged, never echoed. */
export function errorResponse(err: unknown): Response {
  const appError = isAppError(err) ? err : err instanceof ZodError ? zodToAppError(err) : uniqueViolationToAppError(err);
  if (!appError) {
    console.error("Unhandled error in route handler:", err instanceof Error ? `${err.name}: ${err.message}` : err);
    const body: TErrorBody = { error: { code: "INTERNAL", message: "Something went wrong on the server. Try again; if it persists, check the server logs." } };
    return Response.json(body, { status: 500, headers: { "Cache-Control": "no-store" } });
  }
  const body: TErrorBody = {
    error: { code: appError.code, message: appError.message, ...(appError.details ? { details: appError.details } : {}) },
  };
  const headers = new Headers({ "Cache-Control": "no-store" });
  // RFC 9110: a 429 (or 503) may say in whole seconds when to try again.
  const retryAfter = appError.details?.retryAfterSeconds;
  if (typeof retryAfter === "number" && Number.isInteger(retryAfter) && retryAfter >= 0) headers.set("Retry-After", String(retryAfter));
  return Response.json(body, { status: appError.status, headers });
}

/**
 * Two requests that create the same thing at the same instant (a double click) both pass the
 * "does it exist?" check; the database's unique index stops the second. That is a conflict the
 * caller can resolve by reloading, not a server fault.
 */
function uniqueViolationToAppError(err: unknown): AppError | null {
  const code = (err as { code?: unknown } | null)?.code;
  // Prisma's P2002, or Postgres's own 23505 through node-postgres or a driver adapter.
  if (code !== "P2002" && code !== "23505") return null;
  return new AppError("CONFLICT", "Someone saved the same thing at the same moment, so this change was not made. Reload the page to see the current state, then try again if it is still needed.");
}

export function zodToAppError(error: ZodError): AppError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new AppError("BAD_REQUEST", `Invalid request: ${summary}`, { issues });
}
