// Records each SSO sign-in: one User row per IdP identity (issuer + subject), with the groups and
// roles of this sign-in, so admins see everyone's current roles on the Settings page; and opens the
// sign-in's server-side session. When the roles changed since the last sign-in, the user's other
// sessions (which carry the old roles) end in the same transaction.
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TRole } from "./roles";
import { createUserSession, endSessionsOfUser } from "./user-sessions";

export type TSignInProfile = {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  roles: TRole[];
};

export type TSignedInUser = { id: string; subject: string; roles: TRole[]; sessionId: string; endedSessions: number };

export async function upsertUserAtSignIn(
  profile: TSignInProfile,
  options: { db?: PrismaClient; now?: Date; maxAgeSeconds: number; ip?: string | null; userAgent?: string | null },
): Promise<TSignedInUser> {
  const db = options.db ?? prisma;
  const now = options.now ?? new Date();
  const data = {
    email: profile.email,
    name: profile.name,
    groups: profile.groups,
    roles: profile.roles,
    lastLoginAt: now,
  };
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { issuer_subject: { issuer: profile.issuer, subject: profile.subject } }, select: { roles: true } });
    // Upsert on the unique (issuer, subject): two simultaneous first sign-ins cannot create two rows.
    const user = await tx.user.upsert({
      where: { issuer_subject: { issuer: profile.issuer, subject: profile.subject } },
      create: { issuer: profile.issuer, subject: profile.subject, ...data },
      update: data,
      select: { id: true, subject: true },
    });
    const sessionId = await createUserSession(tx, { userId: user.id, now, maxAgeSeconds: options.maxAgeSeconds, ip: options.ip, userAgent: options.userAgent });
    const rolesChanged = before !== null && !sameSet(before.roles, profile.roles);
    const ended = rolesChanged ? await endSessionsOfUser(tx, { userId: user.id, now, reason: "ROLES_CHANGED", keep: sessionId }) : [];
    return { id: user.id, subject: user.subject, roles: profile.roles, sessionId, endedSessions: ended.length };
  });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
