// Request metadata (source IP, user agent, request id) for the audit events a request causes. The
// route wrapper runs each handler inside a context, so lib functions deep below need no extra option.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { TAuditRequestRecord } from "./canonical";

const storage = new AsyncLocalStorage<TAuditRequestRecord>();

export const NO_REQUEST: TAuditRequestRecord = { ip: null, userAgent: null, requestId: null };

export function runWithRequestContext<T>(meta: TAuditRequestRecord, fn: () => T): T {
  return storage.run(meta, fn);
}

export function currentRequestMeta(): TAuditRequestRecord {
  return storage.getStore() ?? NO_REQUEST;
}

/**
 * Behind a load balancer the client is the last X-Forwarded-For entry: the one our own proxy
 * appended. Earlier entries come from the client and could name any address.
 */
export function requestMetaFromHeaders(headers: Headers): TAuditRequestRecord {
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((e) => e.trim()).filter(Boolean).at(-1);
  const ip = forwarded || headers.get("x-real-ip")?.trim() || null;
  const requestId = headers.get("x-request-id")?.trim() || randomUUID();
  return { ip: clip(ip, 100), userAgent: clip(headers.get("user-agent"), 500), requestId: clip(requestId, 100) };
}

function clip(value: string | null | undefined, max: number): string | null {
  if (!value) return null;
  return value.length > max ? value.slice(0, max) : value;
}
