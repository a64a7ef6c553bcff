// The account list's search params in a fixed order: the TanStack Query key and the API query string,
// computed the same way by the server page (initial data) and the client (later fetches).
const LIST_KEYS = ["status", "rule", "ouId", "q", "sort", "dir", "page", "pageSize"] as const;

export function canonicalListKey(params: URLSearchParams | Record<string, string | string[] | undefined>): string {
  const out = new URLSearchParams();
  for (const key of LIST_KEYS) {
    const raw = params instanceof URLSearchParams ? params.getAll(key) : [params[key] ?? []].flat();
    const value = key === "status" ? raw.join(",") : raw[raw.length - 1];
    if (value) out.set(key, value);
  }
  return out.toString();
}
