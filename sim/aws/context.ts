// What every operation handler receives, plus the shared helpers for authorization and wire formatting.
import { accessDenied, escapeXml, QUERY_NAMESPACES, SimError, type Protocol, type SimResponse } from "./errors";
import type { Caller, SimRuntime } from "./runtime";
import { isActionAllowedInRootSession } from "./task-policies";

export type OpContext = {
  sim: SimRuntime;
  protocol: Protocol;
  operation: string;
  caller: Caller;
  requestId: string;
  now: number;
  // Filled in by handlers for the call log: which account the call acted on.
  target: { accountId: string | null };
};

// Task policies are deny-only: inside a root session anything outside the list is an explicit deny.
export function requireAction(ctx: OpContext, action: string, resource: string): void {
  const { caller } = ctx;
  if (caller.kind !== "root-session") return;
  if (isActionAllowedInRootSession(caller.taskPolicy, action)) return;
  throw denied(ctx, action, resource, "with an explicit deny in an identity-based policy");
}

export function denied(ctx: OpContext, action: string, resource: string, reason = "because no identity-based policy allows the action"): SimError {
  return accessDenied(ctx.protocol, `User: ${ctx.caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`);
}

export function queryResponse(ctx: OpContext, resultXml: string | null): SimResponse {
  const ns = ctx.protocol === "sts" ? QUERY_NAMESPACES.sts : QUERY_NAMESPACES.iam;
  const op = ctx.operation;
  const result = resultXml === null ? "" : `<${op}Result>${resultXml}</${op}Result>`;
  return {
    status: 200,
    headers: { "content-type": "text/xml", "x-amzn-requestid": ctx.requestId },
    body: `<${op}Response xmlns="${ns}">${result}<ResponseMetadata><RequestId>${ctx.requestId}</RequestId></ResponseMetadata></${op}Response>`,
  };
}

export function jsonResponse(ctx: OpContext, body: unknown, contentType: string): SimResponse {
  return { status: 200, headers: { "content-type": contentType, "x-amzn-requestid": ctx.requestId }, body: JSON.stringify(body) };
}

export function el(tag: string, value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

export function members<T>(tag: string, items: readonly T[], render: (item: T) => string): string {
  return `<${tag}>${items.map((item) => `<member>${render(item)}</member>`).join("")}</${tag}>`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// Opaque pagination tokens: base64url of the position plus what they belong to, so a token from another list is rejected.
export function encodeToken(scope: string, offset: number, page = 0): string {
  return Buffer.from(`${scope}|${offset}|${page}`).toString("base64url");
}

export function decodeToken(token: string, scope: string): { offset: number; page: number } | null {
  const text = Buffer.from(token, "base64url").toString("utf8");
  const last = text.lastIndexOf("|");
  const mid = text.lastIndexOf("|", last - 1);
  if (mid < 0 || text.slice(0, mid) !== scope) return null;
  const offset = Number(text.slice(mid + 1, last));
  const page = Number(text.slice(last + 1));
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(page) || page < 0) return null;
  return { offset, page };
}
