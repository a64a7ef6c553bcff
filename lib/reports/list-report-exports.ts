// The Reports page's list: the organization's recent exports, newest first.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";

export type TReportExportRow = {
  id: string;
  actorLabel: string;
  kind: string;
  format: string;
  filters: Record<string, string>;
  asOf: Date;
  freshnessHours: number;
  rowCount: number;
  sha256: string;
  createdAt: Date;
};

export async function listReportExports(options: { actor: TActor | null | undefined; db: PrismaClient; limit?: number }): Promise<TReportExportRow[]> {
  assertPermission(options.actor, "reports.export");
  const org = await options.db.organization.findFirst({
    orderBy: [{ lastSyncedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
    select: { id: true },
  });
  if (!org) return [];
  const rows = await options.db.reportExport.findMany({
    where: { organizationId: org.id },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(options.limit ?? 50, 1), 500),
  });
  return rows.map((r) => ({
    id: r.id,
    actorLabel: r.actorLabel,
    kind: r.kind,
    format: r.format,
    filters: toStringRecord(r.filters),
    asOf: r.asOf,
    freshnessHours: r.freshnessHours,
    rowCount: r.rowCount,
    sha256: r.sha256,
    createdAt: r.createdAt,
  }));
}

function toStringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}
