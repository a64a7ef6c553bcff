// A dense table of task requests (the Requests list and the Approvals inbox): number, task, scope,
// status, requester, approvals n/m, created, expires; the number links to the request page.
import Link from "next/link";
import { TASKS } from "@/lib/tasks/catalogue";
import type { TRequestSummary } from "@/lib/tasks/list";
import type { TSerialized } from "./fetch-json";
import { formatDateTime, formatRelative } from "./format";
import { RequestStatusBadge } from "./task-status-badge";

export function RequestTable({ requests, busy = false, caption, empty = "No requests." }: { requests: TSerialized<TRequestSummary>[]; busy?: boolean; caption: string; empty?: string }) {
  const now = new Date();
  if (requests.length === 0) return <p className="rounded-md border border-slate-200 bg-white px-3 py-3 text-sm text-slate-600">{empty}</p>;
  return (
    <div className="overflow-x-auto rounded-md border border-slate-200 bg-white">
      <table className={`w-full text-left text-sm ${busy ? "opacity-60" : ""}`} aria-busy={busy} data-testid="request-table">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            {["#", "Task", "Scope", "Status", "Requester", "Approvals", "Created", "Expires"].map((h) => (
              <th key={h} scope="col" className="whitespace-nowrap px-3 py-1.5 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {requests.map((r) => (
            <tr key={r.id} className="border-t border-slate-100 hover:bg-slate-50">
              <td className="px-3 py-1 tabular-nums">
                <Link href={`/requests/${r.id}`} className="font-medium text-blue-700 hover:underline">
                  <span className="sr-only">Request </span>#{r.number}
                </Link>
              </td>
              <td className="whitespace-nowrap px-3 py-1">
                {TASKS[r.taskType as keyof typeof TASKS]?.label ?? r.taskType}
                {r.breakGlass ? (
                  <span className="ml-1 rounded bg-red-700 px-1 py-0.5 text-[11px] font-semibold uppercase text-white" title="Ran without approval">
                    break-glass
                  </span>
                ) : null}
              </td>
              <td className="max-w-[20rem] truncate px-3 py-1" title={r.scopeLabel}>
                {r.scopeLabel}
                {r.targetCount > 1 ? <span className="text-slate-500"> · {r.targetCount} targets</span> : null}
              </td>
              <td className="px-3 py-1">
                <RequestStatusBadge status={r.status} />
              </td>
              <td className="whitespace-nowrap px-3 py-1">{r.requestedByLabel}</td>
              <td className="px-3 py-1 tabular-nums" aria-label={`${r.approvals} of ${r.requiredApprovals} approvals`}>
                {r.approvals}/{r.requiredApprovals}
              </td>
              <td className="whitespace-nowrap px-3 py-1 text-slate-600" title={formatDateTime(r.createdAt)}>
                {formatRelative(r.createdAt, now)}
              </td>
              <td className="whitespace-nowrap px-3 py-1 text-slate-600" title={formatDateTime(r.status === "APPROVED" ? r.startBy : r.expiresAt)}>
                {r.status === "PENDING" ? formatRelative(r.expiresAt, now) : r.status === "APPROVED" && r.startBy ? `start ${formatRelative(r.startBy, now)}` : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

