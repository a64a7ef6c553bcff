// Cancels a queued or running scan: its remaining accounts become CANCELLED, so workers skip them and
// results still in flight for them are dropped (only PENDING rows accept results).
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient, Scan } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { notifyPendingDrift } from "./record-drift";

const ZScanId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Idempotent: cancelling a scan that already ended returns it unchanged. */
export async function cancelScan(options: { actor: TActor | null | undefined; scanId: string; db?: PrismaClient }): Promise<Scan> {
  assertPermission(options.actor, "scans.start");
  if (!ZScanId.test(options.scanId)) throw new AppError("BAD_REQUEST", "The scan id must be a UUID.");
  const db = options.db ?? defaultDb;
  return db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.scan.updateMany({
      where: { id: options.scanId, status: { in: ["QUEUED", "RUNNING"] } },
      // Every viewer sees Scan.error: it says what happened; who did it is kept by user id, not e-mail.
      data: { status: "CANCELLED", finishedAt: now, error: "Cancelled by an operator.", errorCode: "Cancelled", cancelledById: cancelledById(options.actor!) },
    });
    if (count > 0) {
      console.info(`[scan] scan ${options.scanId} cancelled by user ${options.actor!.userId} (${options.actor!.subject})`);
      await tx.scanAccount.updateMany({
        where: { scanId: options.scanId, status: "PENDING" },
        data: { status: "CANCELLED", reason: "The scan was cancelled.", reasonCode: "Cancelled", finishedAt: now },
      });
    }
    const scan = await tx.scan.findUnique({ where: { id: options.scanId } });
    if (!scan) throw new AppError("NOT_FOUND", `Scan ${options.scanId} does not exist.`);
    if (count > 0) {
      await appendAuditEvent(tx, {
        type: "scan.cancelled",
        actor: options.actor!,
        organizationId: scan.organizationId,
        target: { type: "SCAN", id: scan.id },
        payload: { scanId: scan.id, done: scan.done, total: scan.total },
      });
      // Drift its chunks recorded but did not notify would otherwise never be sent.
      await notifyPendingDrift(tx, scan, now);
    }
    return scan;
  });
}

function cancelledById(actor: TActor): string | null {
  return actor.userId && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(actor.userId) ? actor.userId : null;
}
