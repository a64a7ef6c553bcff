// Users as the Settings page and GET /api/users show them: IdP groups, roles as of their last
// sign-in, and when that was.
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { assertPermission, type TActor } from "./actor";
import { isRole, type TRole } from "./roles";

export type TUserSummary = {
  id: string;
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  roles: TRole[];
  lastLoginAt: string | null;
  createdAt: string;
};

export async function listUsers(options: { actor: TActor | null; db?: PrismaClient }): Promise<TUserSummary[]> {
  assertPermission(options.actor, "users.read");
  const db = options.db ?? prisma;
  const rows = await db.user.findMany({
    orderBy: [{ lastLoginAt: { sort: "desc", nulls: "last" } }, { email: "asc" }],
  });
  return rows.map((u) => ({
    id: u.id,
    subject: u.subject,
    email: u.email,
    name: u.name,
    groups: u.groups,
    roles: u.roles.filter(isRole),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  }));
}
