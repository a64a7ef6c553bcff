// /api/auth/* - next-auth's endpoints: sign-in redirect to the IdP, OIDC callback, CSRF token, sign-out.
import type { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { requestMetaFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { getAuthOptions } from "@/lib/auth/options";

export const dynamic = "force-dynamic";

type TContext = { params: Promise<{ nextauth: string[] }> };

async function handler(req: NextRequest, ctx: TContext): Promise<Response> {
  // Built on first request (not at import) so `next build` needs no runtime configuration.
  // Sign-in and sign-out audit events carry this request's IP, user agent and request id.
  return runWithRequestContext(requestMetaFromHeaders(req.headers), async () => (await NextAuth(req, ctx, getAuthOptions())) as Response);
}

export { handler as GET, handler as POST };
