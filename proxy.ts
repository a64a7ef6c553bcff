// Runs before every page and API request: security headers that depend on the request or the
// runtime configuration (a per-request CSP nonce, HSTS behind HTTPS), and, for convenience only,
// page visits without a session cookie go straight to sign-in. Every real check is in the pages and
// route handlers.
import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_PATH_HEADER, SESSION_COOKIE_NAMES, SIGN_IN_PATH } from "@/lib/auth/paths";
import { unreadableUrlPage, unreadableUrlReason } from "@/lib/readable-url";

const PUBLIC_PAGES = new Set(["/", SIGN_IN_PATH]);
const isDev = process.env.NODE_ENV !== "production";

export function proxy(request: NextRequest): NextResponse {
  // Before routing: Next answers 500 for a path it cannot decode (also under /api).
  const unreadable = unreadableUrlReason(request.url);
  if (unreadable) return withSecurityHeaders(badRequest(request, unreadable), API_CSP);
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith("/api/")) return withSecurityHeaders(NextResponse.next(), API_CSP);

  const hasSession = request.cookies.getAll().some((c) => SESSION_COOKIE_NAMES.some((p) => c.name === p || c.name.startsWith(`${p}.`)));
  if (!hasSession && !PUBLIC_PAGES.has(pathname)) {
    const url = request.nextUrl.clone();
    url.pathname = SIGN_IN_PATH;
    url.search = `?callbackUrl=${encodeURIComponent(`${pathname}${search}`)}`;
    return withSecurityHeaders(NextResponse.redirect(url), API_CSP);
  }
  const nonce = btoa(crypto.randomUUID());
  const csp = pageCsp(nonce);
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, `${pathname}${search}`);
  // Next.js reads the nonce from the request's CSP header and puts it on every script it renders.
  headers.set("Content-Security-Policy", csp);
  return withSecurityHeaders(NextResponse.next({ request: { headers } }), csp);
}

/** The pages' policy: scripts only with this response's nonce (and what they load), forms only to us and the IdP. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDev ? " 'unsafe-eval'" : ""}`,
    // React and Tailwind set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    `form-action 'self'${idpOrigin()}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}

// JSON and redirects render nothing: nothing may load or run in them.
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function withSecurityHeaders(response: NextResponse, csp: string): NextResponse {
  response.headers.set("Content-Security-Policy", csp);
  if (process.env.APP_URL?.startsWith("https://")) {
    response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  return response;
}

function badRequest(request: NextRequest, reason: string): NextResponse {
  const headers = { "Cache-Control": "no-store" };
  if (request.nextUrl.pathname.startsWith("/api/")) {
    return NextResponse.json({ error: { code: "BAD_REQUEST", message: reason } }, { status: 400, headers });
  }
  return new NextResponse(unreadableUrlPage(reason), { status: 400, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

function idpOrigin(): string {
  const issuer = process.env.OIDC_ISSUER;
  if (!issuer || !URL.canParse(issuer)) return "";
  return ` ${new URL(issuer).origin}`;
}

export const config = {
  // Everything but Next's static assets, which need neither a session nor a nonce. (Not by file
  // extension: a page such as /accounts/x.js would then be served without a CSP.)
  matcher: ["/((?!_next/static|_next/image|favicon.ico|robots.txt|icon.svg).*)"],
};
