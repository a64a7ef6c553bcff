// Users as the Settings page and GET /api/users show them: IdP groups, roles as of their last
// sign-in, and when that was.
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { assertPermission, type TActor } from "./actor";
import { isRole, type TRole } from "./roles";

export type TUserSummary = {
  id: string;
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  roles: TRole[];
  lastLoginAt: string | null;
  createdAt: string;
  /** Sessions not ended and not expired at `now`. */
  openSessions: number;
};

export async function listUsers(options: { actor: TActor | null; db?: PrismaClient; now?: Date }): Promise<TUserSummary[]> {
  assertPermission(options.actor, "users.read");
  const db = options.db ?? prisma;
  const now = options.now ?? new Date();
  const rows = await db.user.findMany({
    include: { _count: { select: { sessions: { where: { revokedAt: null, expiresAt: { gt: now } } } } } },
    orderBy: [{ lastLoginAt: { sort: "desc", nulls: "last" } }, { email: "asc" }],
  });
  return rows.map((u) => ({
    id: u.id,
    issuer: u.issuer,
    subject: u.subject,
    email: u.email,
    name: u.name,
    groups: u.groups,
    roles: u.roles.filter(isRole),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    openSessions: u._count.sessions,
  }));
}
