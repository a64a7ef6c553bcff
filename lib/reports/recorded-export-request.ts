// A recorded export downloaded again (the Reports page's "Download again"): every parameter the
// ReportExport row keeps (organization, kind, format, filters, as-of time and freshness window) is
// taken from the record, none from the caller's URL or today's configuration, so the same data
// gives the same SHA-256 as the first download.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";

export type TRecordedExportRequest = {
  /** ZReportQuery's input: kind, format, asOf and the recorded filters. */
  query: Record<string, string>;
  freshnessHours: number;
  organizationId: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILTER_KEYS = ["status", "rule", "ouId", "q"] as const;

export async function recordedExportRequest(options: {
  actor: TActor | null | undefined;
  db: PrismaClient;
  exportId: string;
}): Promise<TRecordedExportRequest> {
  assertPermission(options.actor, "reports.export");
  if (!UUID.test(options.exportId)) throw new AppError("BAD_REQUEST", `export: must be the id of a recorded export (got "${options.exportId.slice(0, 40)}").`);
  const row = await options.db.reportExport.findUnique({ where: { id: options.exportId } });
  if (!row) throw new AppError("NOT_FOUND", `Export ${options.exportId} is not recorded; pick one from the Reports page.`);
  const filters = (row.filters && typeof row.filters === "object" && !Array.isArray(row.filters) ? row.filters : {}) as Record<string, unknown>;
  const query: Record<string, string> = { kind: row.kind, format: row.format, asOf: row.asOf.toISOString() };
  for (const key of FILTER_KEYS) if (typeof filters[key] === "string") query[key] = filters[key];
  return { query, freshnessHours: row.freshnessHours, organizationId: row.organizationId };
}
