// Client-side JSON fetching for TanStack Query: same-origin requests to our API, errors carrying the
// server's readable message, and the type of data after it crossed JSON (dates become strings).

export type TSerialized<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? TSerialized<U>[]
    : T extends object
      ? { [K in keyof T]: TSerialized<T[K]> }
      : T;

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    /** The server's AppError code (e.g. "REAUTH_REQUIRED"); null when the body was not ours. */
    public readonly code: string | null = null,
    public readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  if (!res.ok) {
    let message = `Request failed (HTTP ${res.status}).`;
    let code: string | null = null;
    let details: Record<string, unknown> | null = null;
    try {
      const body: unknown = await res.json();
      if (isErrorBody(body)) {
        message = body.error.message;
        code = typeof body.error.code === "string" ? body.error.code : null;
        details = isRecord(body.error.details) ? body.error.details : null;
      }
    } catch {
      // Not JSON (e.g. a proxy's error page): keep the generic message.
    }
    throw new ApiError(res.status, message, code, details);
  }
  return (await res.json()) as T;
}

/** What a server component passes to a client component so both see the same shape as the API. */
export function serialize<T>(value: T): TSerialized<T> {
  return JSON.parse(JSON.stringify(value)) as TSerialized<T>;
}

function isErrorBody(body: unknown): body is { error: { message: string; code?: unknown; details?: unknown } } {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
