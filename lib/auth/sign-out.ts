// Sign-out, from next-auth's signOut event: the cookie's session row ends (so every copy of the cookie
// stops working) and user.signed_out is recorded, in one transaction. A cookie that is not ours
// (tampered, older release) ends and records nothing rather than a made-up actor.
import type { JWT } from "next-auth/jwt";
import { appendAuditEvent } from "@/lib/audit/append";
import type { TConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { ZSessionClaims } from "./session";
import { endUserSession } from "./user-sessions";

export async function signOutSession(
  token: JWT | null | undefined,
  config: Pick<TConfig, "OIDC_ISSUER">,
  options: { db?: PrismaClient; now?: Date } = {},
): Promise<void> {
  const claims = ZSessionClaims.safeParse(token);
  if (!claims.success) return;
  const c = claims.data;
  const now = options.now ?? new Date();
  const db = options.db ?? prisma;
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: c.uid }, select: { issuer: true } });
    await endUserSession(tx, { sessionId: c.sid, now, reason: "SIGNED_OUT" });
    await appendAuditEvent(tx, {
      type: "user.signed_out",
      actor: { type: "USER", userId: c.uid, issuer: user?.issuer ?? config.OIDC_ISSUER?.replace(/\/+$/, "") ?? null, subject: c.sub, email: c.email, roles: c.roles },
      target: { type: "USER", id: c.uid },
      payload: {},
      time: now,
    });
  });
}
