// Convenience only: page visits without a session cookie go straight to sign-in, and pages learn
// their own path (for the return trip). Every real check is in the pages and route handlers.
import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_PATH_HEADER, SIGN_IN_PATH } from "@/lib/auth/paths";

const PUBLIC_PAGES = new Set(["/", SIGN_IN_PATH]);
const SESSION_COOKIE_PREFIXES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

export function proxy(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
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

export const config = {
  // Pages only: the API answers 401 JSON itself, and static assets need no session.
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico|robots.txt|.*\\.(?:svg|png|jpg|ico|css|js)$).*)"],
};
