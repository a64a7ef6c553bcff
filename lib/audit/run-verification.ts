// A verification run as the app and the CLI perform it: the whole trail against the configured
// outside copies, recorded as an audit.verified event with its result.
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { appendAuditEvent, type TAuditTx } from "./append";
import { configuredCopyStores, type TCopyStore } from "./copy-store";
import { flushAuditTrail, sequencedSeq } from "./sequence";
import type { TAuditSigner } from "./signing-key";
import { verifyAuditTrail, type TVerifyResult } from "./verify";

export type TVerificationRun = TVerifyResult & {
  /** The audit.verified event: its pending id inside the recording transaction, its seq once sequenced. */
  recordedEventId: string | null;
  recordedSeq: number | null;
};

export async function runAuditVerification(options: {
  actor: TCaller;
  databaseUrl?: string;
  db?: PrismaClient;
  stores?: TCopyStore[];
  signer?: TAuditSigner;
  /** The CLI may run where no signing key is configured: then the result is only printed. */
  record?: boolean;
  onProgress?: (verified: number) => void;
  /**
   * Runs inside the transaction that records audit.verified, after it. The callers (API route, CLI)
   * pass lib/notify's notifyAuditVerificationFailed here: lib/audit knows nothing of notifications.
   */
  onRecorded?: (tx: TAuditTx, run: TVerificationRun) => Promise<unknown>;
}): Promise<TVerificationRun> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "audit.read");
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("DATABASE_URL is not set.");
  const stores = options.stores ?? configuredCopyStores(getConfig());
  const db = options.db ?? defaultDb;
  // Every event committed before the run is part of what it verifies.
  if (options.record !== false) await flushAuditTrail(db, options.signer);
  const result = await verifyAuditTrail({ databaseUrl, stores, onProgress: options.onProgress });
  if (options.record === false) return { ...result, recordedEventId: null, recordedSeq: null };
  const appended = await db.$transaction(async (tx) => {
    const event = await appendAuditEvent(tx, {
      type: "audit.verified",
      actor: options.actor,
      payload: {
        ok: result.ok,
        treeSize: result.treeSize,
        checkpoints: result.checkpoints,
        copies: result.copies,
        durationMs: result.durationMs,
        problem: result.problem?.message ?? null,
        firstBadSeq: result.problem?.seq ?? null,
      },
    });
    await options.onRecorded?.(tx, { ...result, recordedEventId: event.pendingId, recordedSeq: null });
    return event;
  });
  const recordedSeq = await sequencedSeq({ db, pendingId: appended.pendingId, signer: options.signer });
  return { ...result, recordedEventId: appended.pendingId, recordedSeq };
}
