// The signed-in user's own record (groups seen at their last sign-in). Needs no permission: it is
// only ever the caller's own data, which the no-access page shows to explain what is missing.
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import type { TActor } from "./actor";

export type TOwnUser = { groups: string[]; lastLoginAt: string | null };

export async function getOwnUser(options: { actor: TActor | null; db?: PrismaClient }): Promise<TOwnUser | null> {
  if (!options.actor) throw new AppError("UNAUTHENTICATED", "You are not signed in. Sign in with SSO and try again.");
  const db = options.db ?? prisma;
  const user = await db.user.findUnique({
    where: { id: options.actor.userId },
    select: { groups: true, lastLoginAt: true },
  });
  return user ? { groups: user.groups, lastLoginAt: user.lastLoginAt?.toISOString() ?? null } : null;
}
