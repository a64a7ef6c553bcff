// The user.signed_out event, from next-auth's signOut event (the session cookie's claims). A
// cookie that is not ours (tampered, older release) records nothing rather than a made-up actor.
import type { JWT } from "next-auth/jwt";
import { ZSessionClaims } from "@/lib/auth/session";
import type { TConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { appendAuditEvent } from "./append";

export async function recordSignOut(token: JWT | null | undefined, config: Pick<TConfig, "OIDC_ISSUER">, options: { db?: PrismaClient } = {}): Promise<void> {
  const claims = ZSessionClaims.safeParse(token);
  if (!claims.success) return;
  const c = claims.data;
  const db = options.db ?? prisma;
  try {
    await db.$transaction((tx) =>
      appendAuditEvent(tx, {
        type: "user.signed_out",
        actor: { type: "USER", userId: c.uid, issuer: config.OIDC_ISSUER?.replace(/\/+$/, "") ?? null, subject: c.sub, email: c.email, roles: c.roles },
        target: { type: "USER", id: c.uid },
        payload: {},
      }),
    );
  } catch (err) {
    // Signing out changes nothing stored, so it goes ahead; the missing event is logged loudly.
    console.error(`[audit] could not record the sign-out of ${c.sub}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
