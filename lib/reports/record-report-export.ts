// Records one finished export: the Reports page's list row and, once the audit trail lands, its
// `report.exported` audit event. The single place every export format goes through.
import { randomUUID } from "node:crypto";
import { describeActor, type TActor } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TReportFormat, TReportKind } from "./report-query";

export type TRecordReportExportOptions = {
  actor: TActor;
  db: PrismaClient;
  organizationId: string;
  kind: TReportKind;
  format: TReportFormat;
  filters: Record<string, string>;
  asOf: Date;
  freshnessHours: number;
  rowCount: number;
  sha256: string;
  now: Date;
};

export type TRecordedExport = {
  id: string;
  /** The id of the `report.exported` audit event; the PDF's last page prints it. */
  auditEventId: string;
};

export async function recordReportExport(options: TRecordReportExportOptions): Promise<TRecordedExport> {
  const id = randomUUID();
  // Issue 9 (lib/audit, the audit trail) is being built on another branch. When it is merged,
  // append the `report.exported` event here, in this same transaction, with
  // { exportId: id, kind, format, filters, asOf, freshnessHours, rowCount, sha256 }, and return
  // that event's id as auditEventId. Until then the export record's id stands in for it.
  await options.db.$transaction(async (tx) => {
    await tx.reportExport.create({
      data: {
        id,
        organizationId: options.organizationId,
        actorUserId: options.actor.userId,
        actorLabel: describeActor(options.actor),
        kind: options.kind,
        format: options.format,
        filters: options.filters,
        asOf: options.asOf,
        freshnessHours: options.freshnessHours,
        rowCount: options.rowCount,
        sha256: options.sha256,
        createdAt: options.now,
      },
    });
  });
  return { id, auditEventId: id };
}
