// The audit.verification_failed notification. lib/audit must not depend on lib/notify, so the
// verifier's callers (the API route, the CLI) hand this to runAuditVerification as its onRecorded
// hook: it runs in the transaction that records the audit.verified event.
import type { TVerificationRun } from "@/lib/audit/run-verification";
import { enqueueNotification, type TNotifyTx } from "./enqueue-notification";

/** Enqueues the notification when the run found a break; returns the channels notified ([] when ok). */
export async function notifyAuditVerificationFailed(tx: TNotifyTx, run: TVerificationRun, now: Date = new Date()): Promise<string[]> {
  if (run.ok) return [];
  const where = run.problem?.seq !== null && run.problem?.seq !== undefined ? ` at event ${run.problem.seq}` : "";
  return enqueueNotification(tx, {
    event: "audit.verification_failed",
    organizationId: null,
    // One verification run, one message: the audit.verified event it is about (its pending id: this
    // runs in the transaction that records it, before it has a seq).
    idempotencyKey: `audit.verification_failed:${run.recordedEventId ?? now.getTime()}`,
    title: `Audit trail verification failed${where}`,
    text: `${run.problem?.message ?? "The audit trail did not verify."} Do not trust the trail after this point until it is investigated; the Audit page shows the chain status.`.slice(0, 3000),
    link: "/audit",
    audience: "everyone",
    subject: { type: "AUDIT", id: run.recordedEventId ?? "unrecorded" },
    data: { treeSize: run.treeSize, problemKind: run.problem?.kind ?? null, firstBadSeq: run.problem?.seq ?? null, recordedEventId: run.recordedEventId },
    time: now,
  });
}
