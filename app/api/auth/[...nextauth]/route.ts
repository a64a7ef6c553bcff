// /api/auth/* - next-auth's endpoints: sign-in redirect to the IdP, OIDC callback, CSRF token, sign-out.
import type { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { requestMetaFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { getAuthOptions } from "@/lib/auth/options";
import { runWithPreviousSession } from "@/lib/auth/previous-session";
import { sessionIdFromRequest } from "@/lib/auth/session";
import { getConfig } from "@/lib/config";
import { jsonError } from "@/lib/auth/route";

export const dynamic = "force-dynamic";

type TContext = { params: Promise<{ nextauth: string[] }> };

async function handler(req: NextRequest, ctx: TContext): Promise<Response> {
  // next-auth treats a callbackUrl that is neither a path nor an http(s) URL as a configuration
  // error and answers 500; it is the caller's mistake, so say so with a 400.
  const callbackUrl = req.nextUrl.searchParams.get("callbackUrl");
  if (callbackUrl !== null && !isHttpOrPath(callbackUrl)) {
    return jsonError("BAD_REQUEST", "callbackUrl must be a path in this app, such as /overview.");
  }
  // Built on first request (not at import) so `next build` needs no runtime configuration.
  // Sign-in and sign-out audit events carry this request's IP, user agent and request id; a sign-in
  // (re-authentication) ends the session of the cookie this browser still sends.
  const options = getAuthOptions();
  const previous = await sessionIdFromRequest(req, getConfig());
  return runWithRequestContext(requestMetaFromHeaders(req.headers), () =>
    runWithPreviousSession(previous, async () => (await NextAuth(req, ctx, options)) as Response),
  );
}

// The same test next-auth applies (its redirect callback then keeps only same-origin targets).
function isHttpOrPath(url: string): boolean {
  try {
    return /^https?:$/.test(new URL(url, url.startsWith("/") ? "http://localhost" : undefined).protocol);
  } catch {
    return false;
  }
}

export { handler as GET, handler as POST };
