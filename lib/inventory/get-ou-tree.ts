// The OU tree for the accounts page: every live OU with direct and subtree account counts per
// effective status. One grouped SQL query plus one in-memory pass (fast at ~500 OUs / 10,000 accounts).
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import {
  ACCOUNT_STATUSES,
  effectiveStatusSql,
  freshnessCutoff,
  resolveOrganizationId,
  toStatus,
  type TAccountStatus,
} from "@/lib/inventory/list-accounts";

export type TStatusCounts = { total: number } & Record<TAccountStatus, number>;

export type TOuNode = {
  id: string;
  parentId: string | null;
  name: string;
  path: string;
  idPath: string;
  depth: number;
  isRoot: boolean;
  childIds: string[];
  /** Accounts directly in this OU. */
  direct: TStatusCounts;
  /** Accounts in this OU and every OU below it. */
  subtree: TStatusCounts;
};

export type TOuTree = {
  organizationId: string | null;
  rootId: string | null;
  /** Ordered by path, so a depth-first walk reads top to bottom. */
  nodes: TOuNode[];
};

export async function getOuTree(options: {
  actor: TActor | null | undefined;
  db?: PrismaClient;
  now?: Date;
  freshnessHours?: number;
  organizationId?: string;
}): Promise<TOuTree> {
  assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const organizationId = options.organizationId ?? (await resolveOrganizationId({ actor: options.actor, db }));
  if (!organizationId) return { organizationId: null, rootId: null, nodes: [] };
  const cutoff = freshnessCutoff(
    options.now ?? new Date(),
    options.freshnessHours ?? getConfig().COMPLIANCE_FRESHNESS_HOURS,
  );

  const [ous, counts] = await Promise.all([
    db.ou.findMany({
      where: { organizationId, removedAt: null },
      select: { id: true, parentId: true, name: true, path: true, idPath: true, depth: true, isRoot: true },
      orderBy: [{ path: "asc" }, { id: "asc" }],
    }),
    db.$queryRaw<{ ouId: string; status: string; n: number }[]>`
      SELECT a."ouId", ${effectiveStatusSql(cutoff)} AS "status", count(*)::int AS n
      FROM "Account" a
      WHERE a."organizationId" = ${organizationId} AND a."leftOrgAt" IS NULL AND a."ouId" IS NOT NULL
      GROUP BY 1, 2`,
  ]);

  const byId = new Map<string, TOuNode>();
  for (const ou of ous) {
    byId.set(ou.id, { ...ou, childIds: [], direct: emptyCounts(), subtree: emptyCounts() });
  }
  for (const c of counts) {
    const node = byId.get(c.ouId);
    if (!node) continue; // account still points at an OU removed since; the next sync moves it
    const status = toStatus(c.status);
    node.direct[status] += c.n;
    node.direct.total += c.n;
  }
  // Deepest first, so each node's subtree is complete before it is added to its parent.
  const deepestFirst = [...byId.values()].sort((x, y) => y.depth - x.depth);
  for (const node of deepestFirst) addCounts(node.subtree, node.direct);
  for (const node of deepestFirst) {
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    if (parent) addCounts(parent.subtree, node.subtree);
  }
  for (const node of byId.values()) {
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    parent?.childIds.push(node.id);
  }
  const nodes = [...byId.values()];
  const root = nodes.find((n) => n.isRoot) ?? nodes.find((n) => !n.parentId) ?? null;
  return { organizationId, rootId: root?.id ?? null, nodes };
}

export function emptyCounts(): TStatusCounts {
  const counts = { total: 0 } as TStatusCounts;
  for (const s of ACCOUNT_STATUSES) counts[s] = 0;
  return counts;
}

function addCounts(into: TStatusCounts, from: TStatusCounts): void {
  into.total += from.total;
  for (const s of ACCOUNT_STATUSES) into[s] += from[s];
}
