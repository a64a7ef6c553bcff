// The requests list's query string in one canonical order (the keys of ZRequestListQuery), so the
// same filters share one cache entry and the server and the browser agree on it.
export const REQUEST_LIST_KEYS = ["mine", "status", "taskType", "accountId", "requester", "cursor"] as const;

export function requestListKey(params: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const k of REQUEST_LIST_KEYS) {
    const v = params.get(k);
    if (v) out.set(k, v);
  }
  return out.toString();
}

/** The first value of each known key (a repeated key in a hand-edited URL is not an array here). */
export function pickRequestListParams(params: Record<string, string | string[] | undefined>): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of REQUEST_LIST_KEYS) {
    const v = params[k];
    const first = Array.isArray(v) ? v[0] : v;
    if (first) out.set(k, first);
  }
  return out;
}
