// Convenience only: page visits without a session cookie go straight to sign-in, and pages learn
// their own path (for the return trip). Every real check is in the pages and route handlers.
import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_PATH_HEADER, SIGN_IN_PATH } from "@/lib/auth/paths";
import { unreadableUrlPage, unreadableUrlReason } from "@/lib/readable-url";

const PUBLIC_PAGES = new Set(["/", SIGN_IN_PATH]);
const SESSION_COOKIE_PREFIXES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

export function proxy(request: NextRequest): NextResponse {
  // Before routing: Next answers 500 for a path it cannot decode (also under /api).
  const unreadable = unreadableUrlReason(request.url);
  if (unreadable) return badRequest(request, unreadable);
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith("/api/")) return NextResponse.next();
  const hasSession = request.cookies.getAll().some((c) => SESSION_COOKIE_PREFIXES.some((p) => c.name.startsWith(p)));
  if (!hasSession && !PUBLIC_PAGES.has(pathname)) {
    const url = request.nextUrl.clone();
    url.pathname = SIGN_IN_PATH;
    url.search = `?callbackUrl=${encodeURIComponent(`${pathname}${search}`)}`;
    return NextResponse.redirect(url);
  }
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, `${pathname}${search}`);
  return NextResponse.next({ request: { headers } });
}

function badRequest(request: NextRequest, reason: string): NextResponse {
  const headers = { "Cache-Control": "no-store" };
  if (request.nextUrl.pathname.startsWith("/api/")) {
    return NextResponse.json({ error: { code: "BAD_REQUEST", message: reason } }, { status: 400, headers });
  }
  return new NextResponse(unreadableUrlPage(reason), { status: 400, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

export const config = {
  // Pages and the API (the API only for the URL check: it answers 401 JSON itself); static assets need nothing.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|robots.txt|.*\\.(?:svg|png|jpg|ico|css|js)$).*)"],
};
