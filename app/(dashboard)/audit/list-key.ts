// The audit list's query string in one canonical order, so the same filters share one cache entry.
const KEYS = ["type", "actor", "account", "from", "to", "before"] as const;

export function auditListKey(params: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const k of KEYS) {
    const v = params.get(k);
    if (v) out.set(k, v);
  }
  return out.toString();
}
