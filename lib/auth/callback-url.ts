// Where to send someone after sign-in or sign-out: only a path of this app. The value is resolved
// against APP_URL exactly as a browser would resolve a Location header, so "/\t/evil.example",
// "/\\evil.example" or "https:evil.example" cannot leave the origin.
const DEFAULT_PATH = "/overview";
const MAX_LENGTH = 2000;
// Browsers strip tab, CR and LF inside URLs and read "\" as "/": either can turn a path into "//host".
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

export function safeCallbackPath(value: unknown, appUrl: string, fallback = DEFAULT_PATH): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_LENGTH || UNSAFE.test(value)) return fallback;
  let base: URL;
  let target: URL;
  try {
    base = new URL(appUrl);
    target = new URL(value, base);
  } catch {
    return fallback;
  }
  if (target.origin !== base.origin) return fallback;
  const path = `${target.pathname}${target.search}${target.hash}`;
  // A path that starts with two slashes is a network-path reference wherever it is used next.
  return path.startsWith("/") && !path.startsWith("//") ? path : fallback;
}
