// The Overview's "changes since the last scan": the drift events recorded since the latest completed
// full scan started, newest first, each with what changed and the page it is about. Reads Postgres only.
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

export type TDriftWindow = {
  /** Where the window starts: the creation time of the latest completed full scan; null before the first one. */
  since: Date | null;
  /** That scan; null before the first one (the window is then everything recorded). */
  sinceScanId: string | null;
  /** Drift events in the window; `events` holds the newest `limit` of them. */
  total: number;
  events: TDriftEventView[];
};

/**
 * The window: every drift event of the organization detected at or after the moment the latest
 * completed full scan (scope ORG, status SUCCEEDED, failed accounts or not) was created. That is the
 * drift that scan found (against each account's previous snapshot, and the org features read at its
 * start or by the sync a scheduled scan runs just before it, which uses the scan's own creation time),
 * plus what every org sync and every scan found after it, a scan still running included. Scans of an
 * OU or of a few accounts, and full scans that failed or were cancelled, do not move the window: they
 * did not look at everything again, so the drift the last full scan found still stands.
 */
export async function listDriftEvents(options: {
  actor: TCaller | null | undefined;
  query?: Partial<TListDriftQuery>;
  db?: PrismaClient;
}): Promise<TDriftWindow> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const organizationId = await resolveOrganizationId({ actor: options.actor, db });
  if (!organizationId) return { since: null, sinceScanId: null, total: 0, events: [] };
  const last = await db.scan.findFirst({
    where: { organizationId, scopeType: "ORG", status: "SUCCEEDED" },
    orderBy: { createdAt: "desc" },
    select: { id: true, createdAt: true },
  });
  const where = { organizationId, ...(last ? { detectedAt: { gte: last.createdAt } } : {}) };
  const [rows, total] = await Promise.all([
    db.driftEvent.findMany({ where, orderBy: [{ detectedAt: "desc" }, { id: "asc" }], take: options.query?.limit ?? 20 }),
    db.driftEvent.count({ where }),
  ]);
  const accountIds = [...new Set(rows.map((r) => r.accountId).filter((a): a is string => a !== null))];
  const names = new Map(
    (await db.account.findMany({ where: { id: { in: accountIds } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]),
  );
  const events = rows.map((r) => ({
    id: r.id,
    kind: r.kind as TDriftKind,
    accountId: r.accountId,
    accountName: r.accountId ? (names.get(r.accountId) ?? null) : null,
    changes: (r.changes as TDriftChanges).sentences ?? [],
    scanId: r.scanId,
    detectedAt: r.detectedAt,
    link: driftLink([r], 1),
  }));
  return { since: last?.createdAt ?? null, sinceScanId: last?.id ?? null, total, events };
}
