// Records each SSO sign-in: one User row per IdP subject, with the groups and roles of this sign-in,
// so admins see everyone's current roles on the Settings page, and a user.signed_in audit event in
// the same transaction.
import { appendAuditEvent } from "@/lib/audit/append";
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
  options: { db?: PrismaClient; now?: Date; issuer?: string | null } = {},
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
  const user = await db.$transaction(async (tx) => {
    const row = await tx.user.upsert({
      where: { subject: profile.subject },
      create: { subject: profile.subject, ...data },
      update: data,
      select: { id: true, subject: true },
    });
    await appendAuditEvent(tx, {
      type: "user.signed_in",
      actor: { type: "USER", userId: row.id, issuer: options.issuer ?? null, subject: profile.subject, email: profile.email, roles: profile.roles },
      target: { type: "USER", id: row.id },
      payload: { groups: profile.groups, roles: profile.roles },
      time: now,
    });
    return row;
  });
  return { id: user.id, subject: user.subject, roles: profile.roles };
}
