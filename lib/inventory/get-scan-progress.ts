// Progress of one scan for the live progress bar and the final summary: counts, rate and ETA.
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";

export type TScanProgress = {
  id: string;
  status: string;
  /** Accounts in scope. */
  total: number;
  /** Finished accounts, whatever the outcome (scanned, failed or skipped): the bar shows done/total. */
  done: number;
  /** Of done: audits that failed (the error is on the account's snapshot). */
  failed: number;
  /** Of done: not scannable (management account, suspended, closed). */
  skipped: number;
  /** Not audited because the scan was cancelled. */
  cancelled: number;
  trigger: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Audited accounts per second since the scan started (null before any result). */
  ratePerSecond: number | null;
  /** Seconds left at the current rate; 0 once finished, null when unknown. */
  etaSeconds: number | null;
  scopeType: string;
  scopeOuId: string | null;
  scopeLabel: string;
  error: string | null;
};

export async function getScanProgress(
  scanId: string,
  options: { actor: TCaller | null; db?: PrismaClient; now?: Date },
): Promise<TScanProgress> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(scanId)) {
    throw new AppError("BAD_REQUEST", "The scan id must be a UUID.");
  }
  const db = options.db ?? defaultDb;
  const scan = await db.scan.findUnique({ where: { id: scanId } });
  if (!scan) throw new AppError("NOT_FOUND", `Scan ${scanId} does not exist.`);
  const cancelled =
    scan.status === "CANCELLED" ? await db.scanAccount.count({ where: { scanId, status: "CANCELLED" } }) : 0;
  return toScanProgress(scan, cancelled, options.now ?? new Date());
}

export function toScanProgress(
  scan: {
    id: string; status: string; total: number; done: number; failed: number; skipped: number; trigger: string;
    createdAt: Date; startedAt: Date | null; finishedAt: Date | null; scopeType: string; scopeOuId: string | null;
    scopeLabel: string; error: string | null;
  },
  cancelled: number,
  now: Date,
): TScanProgress {
  const audited = scan.done - scan.skipped;
  const end = scan.finishedAt ?? now;
  const seconds = scan.startedAt ? Math.max(0.001, (end.getTime() - scan.startedAt.getTime()) / 1000) : null;
  const ratePerSecond = seconds !== null && audited > 0 ? round(audited / seconds) : null;
  const finished = ["SUCCEEDED", "FAILED", "CANCELLED"].includes(scan.status);
  const left = Math.max(0, scan.total - scan.done - cancelled);
  const etaSeconds = finished ? 0 : ratePerSecond ? Math.ceil(left / ratePerSecond) : null;
  return {
    id: scan.id,
    status: scan.status,
    total: scan.total,
    done: scan.done,
    failed: scan.failed,
    skipped: scan.skipped,
    cancelled,
    trigger: scan.trigger,
    createdAt: scan.createdAt,
    startedAt: scan.startedAt,
    finishedAt: scan.finishedAt,
    ratePerSecond,
    etaSeconds,
    scopeType: scan.scopeType,
    scopeOuId: scan.scopeOuId,
    scopeLabel: scan.scopeLabel,
    error: scan.error,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
