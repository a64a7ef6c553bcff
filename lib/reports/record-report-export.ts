// Records one finished export: the Reports page's list row and its `report.exported` audit event,
// in one transaction. The single place every export format goes through.
import { randomUUID } from "node:crypto";
import { appendAuditEvent } from "@/lib/audit/append";
import { sequencedSeq } from "@/lib/audit/sequence";
import { SYSTEM, describeActor, type TCaller } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TReportFormat, TReportKind } from "./report-query";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export type TRecordReportExportOptions = {
  /** SYSTEM for the scheduled report. */
  actor: TCaller;
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
  /** Where the scheduled report wrote the file (a directory path, or s3://bucket/key); none for a download. */
  destination?: string;
  /** Runs in the same transaction once the event is appended (the scheduled report marks its run there). */
  inTransaction?: (tx: TTx, recorded: TRecordedExport) => Promise<void>;
};

export type TRecordedExport = {
  id: string;
  /**
   * The `report.exported` audit event, as "seq N" (its sequence number); the PDF's last page prints
   * it. Inside the recording transaction (inTransaction) it is still "pending event P".
   */
  auditEventId: string;
};

export async function recordReportExport(options: TRecordReportExportOptions): Promise<TRecordedExport> {
  const id = randomUUID();
  const pending = await options.db.$transaction(async (tx) => {
    await tx.reportExport.create({
      data: {
        id,
        organizationId: options.organizationId,
        actorUserId: options.actor === SYSTEM ? null : options.actor.userId,
        actorLabel: reportActorLabel(options.actor),
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
    const event = await appendAuditEvent(tx, {
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
        ...(options.destination ? { destination: options.destination } : {}),
      },
      time: options.now,
    });
    // Inside the transaction the event has no seq yet: its pending id stands in (auditEventLabel resolves it).
    const recorded: TRecordedExport = { id, auditEventId: `${PENDING_LABEL}${event.pendingId}` };
    await options.inTransaction?.(tx, recorded);
    return recorded;
  });
  // The event has committed; the sequencer (run here) gives it its seq, so the PDF can name it.
  return { id, auditEventId: await auditEventLabel(options.db, pending.auditEventId) };
}

/** Who made an export, as the Reports page and the PDF's cover name them. */
export function reportActorLabel(actor: TCaller): string {
  return actor === SYSTEM ? "Rootwarden (scheduled report)" : describeActor(actor);
}

const PENDING_LABEL = "pending event ";

/** "seq N" for a label recorded inside the export's transaction ("pending event P"), once sequenced. */
export async function auditEventLabel(db: PrismaClient, label: string): Promise<string> {
  if (!label.startsWith(PENDING_LABEL)) return label;
  const seq = await sequencedSeq({ db, pendingId: label.slice(PENDING_LABEL.length) });
  return seq === null ? label : `seq ${seq}`;
}
