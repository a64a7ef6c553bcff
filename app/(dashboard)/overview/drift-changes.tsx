// The Overview's "Changes since the last scan" card body: the newest drift events, each linking to
// the account (or the Overview itself for organization features).
import Link from "next/link";
import { formatDateTime, formatRelative } from "@/components/format";
import type { TDriftEventView } from "@/lib/inventory/list-drift-events";

const KIND_LABELS: Record<TDriftEventView["kind"], string> = {
  CREDENTIAL_ADDED: "Root credential added",
  BECAME_NON_COMPLIANT: "Became non-compliant",
  FEATURE_DISABLED: "Feature turned off",
  JOINED_WITH_CREDENTIALS: "Joined with root credentials",
};

export function DriftChanges({ events, now }: { events: TDriftEventView[]; now: Date }) {
  if (events.length === 0) {
    return (
      <p className="px-3 py-4 text-sm text-slate-600" data-testid="drift-empty">
        No changes: no account gained a root credential or became non-compliant between its last two scans, no account
        joined with root credentials, and no organization feature was turned off.
      </p>
    );
  }
  return (
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
  );
}
