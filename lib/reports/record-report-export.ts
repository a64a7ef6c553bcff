// Records one finished export: the Reports page's list row and its `report.exported` audit event,
// in one transaction. The single place every export format goes through.
import { randomUUID } from "node:crypto";
import { appendAuditEvent } from "@/lib/audit/append";
import { sequencedSeq } from "@/lib/audit/sequence";
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
  /** The `report.exported` audit event, as "seq N" (its sequence number); the PDF's last page prints it. */
  auditEventId: string;
};

export async function recordReportExport(options: TRecordReportExportOptions): Promise<TRecordedExport> {
  const id = randomUUID();
  const event = await options.db.$transaction(async (tx) => {
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
    return appendAuditEvent(tx, {
      type: "report.exported",
      actor: options.actor,
      organizationId: options.organizationId,
      target: { type: "ORG", id: options.organizationId },
      payload: {
        report: options.kind,
        format: options.format,
        asOf: options.asOf.toISOString(),
        rows: options.rowCount,
        sha256: options.sha256,
        exportId: id,
        filters: options.filters,
        freshnessHours: options.freshnessHours,
      },
      time: options.now,
    });
  });
  // The event has committed; it gets its seq from the sequencer (run here, so the PDF can name it).
  const seq = await sequencedSeq({ db: options.db, pendingId: event.pendingId });
  return { id, auditEventId: seq === null ? `pending event ${event.pendingId}` : `seq ${seq}` };
}
