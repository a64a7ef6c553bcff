// Records each SSO sign-in: one User row per IdP subject, with the groups and roles of this sign-in,
// so admins see everyone's current roles on the Settings page.
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TRole } from "./roles";

export type TSignInProfile = {
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  roles: TRole[];
};

export type TSignedInUser = { id: string; subject: string; roles: TRole[] };

export async function upsertUserAtSignIn(
  profile: TSignInProfile,
  options: { db?: PrismaClient; now?: Date } = {},
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
  // Upsert on the unique subject: two simultaneous first sign-ins cannot create two rows.
  const user = await db.user.upsert({
    where: { subject: profile.subject },
    create: { subject: profile.subject, ...data },
    update: data,
    select: { id: true, subject: true },
  });
  return { id: user.id, subject: user.subject, roles: profile.roles };
}
