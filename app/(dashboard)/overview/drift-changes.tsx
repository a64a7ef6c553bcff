// The Overview's "Changes since the last scan" card: its window in words, and the drift events in it
// (newest first), each linking to the account (or the Overview itself for organization features),
// with how many there are and a link to the rest when the card shows only the newest.
import Link from "next/link";
import { formatCount, formatDateTime, formatRelative } from "@/components/format";
import type { TDriftEventView, TDriftWindow } from "@/lib/inventory/list-drift-events";

const KIND_LABELS: Record<TDriftEventView["kind"], string> = {
  CREDENTIAL_ADDED: "Root credential added",
  BECAME_NON_COMPLIANT: "Became non-compliant",
  FEATURE_DISABLED: "Feature turned off",
  JOINED_WITH_CREDENTIALS: "Joined with root credentials",
};

/** The card's note: which drift the card shows (lib/inventory/list-drift-events.ts defines the window). */
export function driftWindowNote(window: Pick<TDriftWindow, "since">, now: Date): string {
  if (!window.since) return "No full scan has completed yet: every change recorded so far, newest first.";
  return `Since the last completed full scan started (${formatRelative(window.since, now)}): what it found, and what org syncs and scans found after it. Newest first.`;
}

/** How many the card shows, and how many "show all" shows (the most listDriftEvents returns). */
export const DRIFT_CARD_LIMIT = 10;
export const DRIFT_ALL_LIMIT = 100;

/** Where "show all" leads: this page with the longer list, scrolled to the card. */
export const DRIFT_ALL_HREF = "/overview?drift=all#card-changes-since-the-last-scan";

export function DriftChanges({ window, now, showingAll, auditHref }: { window: TDriftWindow; now: Date; showingAll: boolean; auditHref: string | null }) {
  const { events, total } = window;
  if (events.length === 0) {
    return (
      <p className="px-3 py-4 text-sm text-slate-600" data-testid="drift-empty">
        No changes {window.since ? "since the last completed full scan started" : "recorded yet"}: no account gained a root
        credential or became non-compliant between two scans, no account joined with root credentials, and no organization
        feature was turned off.
      </p>
    );
  }
  return (
    <>
    <table className="w-full text-left text-sm" data-testid="drift-changes">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th scope="col" className="px-3 py-2 font-medium">Account</th>
          <th scope="col" className="px-3 py-2 font-medium">What changed</th>
          <th scope="col" className="px-3 py-2 text-right font-medium">When</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} className="border-t border-slate-100 align-top">
            <td className="px-3 py-1.5">
              {e.accountId ? (
                <Link href={e.link} className="text-blue-700 hover:underline">
                  {e.accountName ?? e.accountId}
                </Link>
              ) : (
                "Organization"
              )}
              {e.accountId ? <div className="text-xs text-slate-500"><code>{e.accountId}</code></div> : null}
            </td>
            <td className="px-3 py-1.5">
              <div className="text-xs font-medium text-red-700">{KIND_LABELS[e.kind]}</div>
              {e.changes.join("; ")}
            </td>
            <td className="px-3 py-1.5 text-right whitespace-nowrap" title={formatDateTime(e.detectedAt)}>
              {formatRelative(e.detectedAt, now)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {total > events.length ? (
      <p className="border-t border-slate-100 px-3 py-2 text-xs text-slate-600" data-testid="drift-more">
        The newest {formatCount(events.length)} of {formatCount(total)} changes.{" "}
        {showingAll ? (
          auditHref ? (
            <Link href={auditHref} className="text-blue-700 underline">
              Every drift event is in the audit trail
            </Link>
          ) : (
            "Every drift event is in the audit trail (auditors can open it)."
          )
        ) : (
          <Link href={DRIFT_ALL_HREF} className="text-blue-700 underline">
            {total <= DRIFT_ALL_LIMIT ? `Show all ${formatCount(total)}` : `Show the newest ${formatCount(DRIFT_ALL_LIMIT)}`}
          </Link>
        )}
      </p>
    ) : (
      <p className="border-t border-slate-100 px-3 py-2 text-xs text-slate-600" data-testid="drift-more">
        {formatCount(total)} change{total === 1 ? "" : "s"} in all.
      </p>
    )}
    </>
  );
}
