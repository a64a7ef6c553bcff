// Records drift inside the transaction of the scan chunk or sync that found it: DriftEvent rows, one
// drift.detected audit event, and (when asked) one notification summarising them. A scan sends at
// most two drift messages: one from the first chunk that finds drift, one summary at its close.
import { randomUUID } from "node:crypto";
import { appendAuditEvent, type TAuditTx } from "@/lib/audit/append";
import { SYSTEM } from "@/lib/auth/actor";
import { enqueueNotification } from "@/lib/notify/enqueue-notification";
import type { TDetectedDrift, TDriftChanges, TDriftKind } from "./detect-drift";

/** How many drifts a message lists by name; the rest are counted. */
export const DRIFT_MESSAGE_LIST = 10;

export type TDriftToRecord = TDetectedDrift & { accountName?: string | null };

type TDriftRow = { id: string; accountId: string | null; accountName: string | null; kind: TDriftKind; sentences: string[] };

/** Writes the rows and the audit event; with `notify`, also the notification (and marks them notified). */
export async function recordDrift(
  tx: TAuditTx,
  input: { organizationId: string; scanId: string | null; drifts: TDriftToRecord[]; detectedAt: Date; notify: boolean },
): Promise<{ ids: string[]; notified: boolean }> {
  if (input.drifts.length === 0) return { ids: [], notified: false };
  const rows = input.drifts.map((d) => ({ ...d, id: randomUUID() }));
  await query(
    tx,
    `INSERT INTO "DriftEvent" ("id", "organizationId", "accountId", "kind", "changes", "scanId", "detectedAt", "notifiedAt")
     SELECT t.id, $1, t.account, t.kind, t.changes, $2::uuid, $3::timestamptz, CASE WHEN $4::boolean THEN $3::timestamptz END
     FROM unnest($5::uuid[], $6::text[], $7::text[], $8::jsonb[]) AS t(id, account, kind, changes)`,
    [
      input.organizationId, input.scanId, input.detectedAt, input.notify,
      rows.map((r) => r.id), rows.map((r) => r.accountId), rows.map((r) => r.kind), rows.map((r) => JSON.stringify(r.changes)),
    ],
  );
  await appendAuditEvent(tx, {
    type: "drift.detected",
    actor: SYSTEM,
    organizationId: input.organizationId,
    target: rows.length === 1 && rows[0].accountId ? { type: "ACCOUNT", id: rows[0].accountId } : input.scanId ? { type: "SCAN", id: input.scanId } : { type: "ORG", id: input.organizationId },
    payload: { scanId: input.scanId, drifts: rows.map((r) => ({ id: r.id, accountId: r.accountId, kind: r.kind, changes: r.changes.sentences })) },
    time: input.detectedAt,
  });
  if (input.notify) {
    const listed = rows.map((r) => ({ id: r.id, accountId: r.accountId, accountName: r.accountName ?? null, kind: r.kind, sentences: r.changes.sentences }));
    await enqueueDriftMessage(tx, { organizationId: input.organizationId, scanId: input.scanId, rows: listed, total: rows.length, time: input.detectedAt, summary: false });
  }
  return { ids: rows.map((r) => r.id), notified: input.notify };
}

/**
 * At a scan's close (or cancel): one summary of its drifts no message has covered yet, marking them
 * notified. Nothing when there are none. Runs in the transaction that closes the scan, which commits
 * after every chunk that wrote drift (a chunk moves its accounts out of PENDING with its rows).
 */
export async function notifyPendingDrift(tx: TAuditTx, scan: { id: string; organizationId: string }, now: Date): Promise<boolean> {
  const pending = await query<{ id: string; accountId: string | null; accountName: string | null; kind: TDriftKind; changes: TDriftChanges; total: number }>(
    tx,
    `SELECT d."id"::text AS id, d."accountId", a."name" AS "accountName", d."kind", d."changes", count(*) OVER ()::int AS total
     FROM "DriftEvent" d LEFT JOIN "Account" a ON a."id" = d."accountId"
     WHERE d."scanId" = $1::uuid AND d."notifiedAt" IS NULL
     ORDER BY d."detectedAt", d."id" LIMIT ${DRIFT_MESSAGE_LIST}`,
    [scan.id],
  );
  if (pending.length === 0) return false;
  await query(tx, `UPDATE "DriftEvent" SET "notifiedAt" = $2::timestamptz WHERE "scanId" = $1::uuid AND "notifiedAt" IS NULL`, [scan.id, now]);
  const rows = pending.map((p) => ({ id: p.id, accountId: p.accountId, accountName: p.accountName, kind: p.kind, sentences: p.changes.sentences ?? [] }));
  await enqueueDriftMessage(tx, { organizationId: scan.organizationId, scanId: scan.id, rows, total: pending[0].total, time: now, summary: true });
  return true;
}

/** The page a drift is about: the account, or the Overview for several or for the organization. */
export function driftLink(rows: { accountId: string | null }[], total: number): string {
  return total === 1 && rows[0]?.accountId ? `/accounts/${rows[0].accountId}` : "/overview";
}

async function enqueueDriftMessage(
  tx: TAuditTx,
  m: { organizationId: string; scanId: string | null; rows: TDriftRow[]; total: number; time: Date; summary: boolean },
): Promise<void> {
  const listed = m.rows.slice(0, DRIFT_MESSAGE_LIST);
  const who = (r: TDriftRow) => (r.accountId ? `${r.accountName ? `${r.accountName} (${r.accountId})` : r.accountId}` : "Organization");
  const lines = listed.map((r) => `${who(r)}: ${r.sentences.join("; ")}`);
  if (m.total > listed.length) lines.push(`…and ${m.total - listed.length} more (see the Overview).`);
  const first = listed[0];
  const title =
    m.total === 1
      ? `Drift: ${who(first)} ${first.sentences[0] ?? "changed"}`
      : `Drift: ${m.total} ${m.summary ? "more " : ""}accounts changed since their last scan`;
  await enqueueNotification(tx, {
    event: "drift.detected",
    organizationId: m.organizationId,
    idempotencyKey: `drift.detected:${first.id}`,
    title: title.slice(0, 200),
    text: lines.join("\n").slice(0, 3000),
    link: driftLink(listed, m.total),
    audience: "everyone",
    subject: m.total === 1 && first.accountId ? { type: "ACCOUNT", id: first.accountId } : m.scanId ? { type: "SCAN", id: m.scanId } : { type: "ORG", id: m.organizationId },
    data: { scanId: m.scanId, total: m.total, drifts: listed.map((r) => ({ id: r.id, accountId: r.accountId, kind: r.kind, changes: r.sentences })) },
    time: m.time,
  });
}

async function query<T>(tx: TAuditTx, text: string, values: unknown[]): Promise<T[]> {
  if ("$queryRawUnsafe" in tx) return tx.$queryRawUnsafe<T[]>(text, ...values);
  return (await tx.query(text, values)).rows as T[];
}
