// The Overview's "changes since the last scan": the newest drift events of the organization, each
// with what changed and the page it is about. Reads Postgres only.
import { z } from "zod";
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import { prisma } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { zIntString } from "@/lib/validation";
import type { TDriftChanges, TDriftKind } from "./detect-drift";
import { resolveOrganizationId } from "./list-accounts";
import { driftLink } from "./record-drift";

export const ZListDriftQuery = z.object({ limit: zIntString(20, 1, 100) });
export type TListDriftQuery = z.output<typeof ZListDriftQuery>;

export type TDriftEventView = {
  id: string;
  kind: TDriftKind;
  accountId: string | null;
  accountName: string | null;
  changes: string[];
  scanId: string | null;
  detectedAt: Date;
  link: string;
};

export async function listDriftEvents(options: {
  actor: TCaller | null | undefined;
  query?: Partial<TListDriftQuery>;
  db?: PrismaClient;
}): Promise<TDriftEventView[]> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const organizationId = await resolveOrganizationId({ actor: options.actor, db });
  if (!organizationId) return [];
  const rows = await db.driftEvent.findMany({
    where: { organizationId },
    orderBy: [{ detectedAt: "desc" }, { id: "asc" }],
    take: options.query?.limit ?? 20,
  });
  const accountIds = [...new Set(rows.map((r) => r.accountId).filter((a): a is string => a !== null))];
  const names = new Map(
    (await db.account.findMany({ where: { id: { in: accountIds } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]),
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as TDriftKind,
    accountId: r.accountId,
    accountName: r.accountId ? (names.get(r.accountId) ?? null) : null,
    changes: (r.changes as TDriftChanges).sentences ?? [],
    scanId: r.scanId,
    detectedAt: r.detectedAt,
    link: driftLink([r], 1),
  }));
}
