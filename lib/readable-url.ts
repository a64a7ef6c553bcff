// Checks that a request's URL can be read at all: every path segment and query part is valid
// percent-encoded UTF-8 without NUL. Next's router answers a bare 500 for a path segment that does
// not decode (%ff%fe, overlong %C0%AF) before any route runs, and Postgres refuses NUL in text, so
// the proxy answers such requests 400 first, for pages and the API alike.

/** Why the URL cannot be read, for a person; null when it can. */
export function unreadableUrlReason(url: string): string | null {
  const { pathname, search } = new URL(url);
  for (const segment of pathname.split("/")) {
    const decoded = tryDecode(segment);
    if (decoded === null) return "The address has percent-encoding that is not valid UTF-8 (for example %ff or %C0%AF).";
    if (decoded.includes("\0")) return "The address contains a NUL character (%00).";
  }
  for (const part of search.replace(/^\?/, "").split("&")) {
    const decoded = tryDecode(part.replace(/\+/g, " "));
    // Next re-encodes the query before the proxy sees it: bytes that were not UTF-8 arrive as U+FFFD.
    if (decoded === null || decoded.includes("\uFFFD")) return "The query string has percent-encoding that is not valid UTF-8 (for example %ff or %C0%AF).";
    if (decoded.includes("\0")) return "The query string contains a NUL character (%00).";
  }
  return null;
}

/** A small HTML page for people who followed such a link: what happened and where to go. */
export function unreadableUrlPage(reason: string): string {
  const escaped = reason.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bad request · Rootwarden</title></head>
<body><main><p>400 · Bad request</p><h1>This address cannot be read</h1><p>${escaped}</p>
<p>Check the link you followed, or start again from the <a href="/overview">overview</a>.</p></main></body></html>`;
}

function tryDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
