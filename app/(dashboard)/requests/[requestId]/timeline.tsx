// The request's history from its audit events: requested, each vote with comment and sign-in time,
// approved, started, per-target results (grouped when there are many), finished, and the rest.
import type { ReactNode } from "react";
import type { TSerialized } from "@/components/fetch-json";
import { formatDateTime } from "@/components/format";
import { TargetStatusBadge } from "@/components/task-status-badge";
import { STATUS_LABELS, type TRequestStatus } from "@/lib/tasks/catalogue";
import type { TRequestDetail } from "@/lib/tasks/list";

type TEvent = TSerialized<TRequestDetail>["timeline"][number];
type TPayload = Record<string, unknown>;

const GROUP_AFTER = 5;

export function Timeline({ request }: { request: TSerialized<TRequestDetail> }) {
  if (request.timeline.length === 0) return <p className="text-sm text-slate-600">No events yet.</p>;
  // Runs of per-target results become one collapsible entry, so a 1,000-account run stays readable.
  const items: ({ kind: "event"; event: TEvent } | { kind: "targets"; events: TEvent[] })[] = [];
  for (const event of request.timeline) {
    const last = items[items.length - 1];
    if (event.type === "task.target_finished" && last?.kind === "targets") last.events.push(event);
    else if (event.type === "task.target_finished") items.push({ kind: "targets", events: [event] });
    else items.push({ kind: "event", event });
  }
  return (
    <ol className="space-y-2 text-sm" data-testid="timeline">
      {items.map((item) =>
        item.kind === "event" ? (
          <Entry key={item.event.seq} time={item.event.time} seq={item.event.seq}>
            {describe(item.event)}
          </Entry>
        ) : item.events.length <= GROUP_AFTER ? (
          item.events.map((e) => (
            <Entry key={e.seq} time={e.time} seq={e.seq}>
              <TargetResult event={e} />
            </Entry>
          ))
        ) : (
          <Entry key={item.events[0]!.seq} time={item.events[0]!.time} seq={item.events[0]!.seq}>
            <details>
              <summary className="cursor-pointer">
                {item.events.length} per-target results ({summarizeTargets(item.events)})
              </summary>
              <ul className="mt-1 space-y-0.5">
                {item.events.map((e) => (
                  <li key={e.seq}>
                    <TargetResult event={e} />
                  </li>
                ))}
              </ul>
            </details>
          </Entry>
        ),
      )}
      {request.timeline.length >= 200 ? <li className="text-xs text-slate-500">The first 200 events; the audit trail has all of them.</li> : null}
    </ol>
  );
}

function Entry({ time, seq, children }: { time: string; seq: number; children: ReactNode }) {
  return (
    <li className="border-l-2 border-slate-200 pl-3">
      <div className="text-xs text-slate-500">
        {formatDateTime(time)} · event {seq}
      </div>
      <div className="text-slate-800">{children}</div>
    </li>
  );
}

function describe(e: TEvent): ReactNode {
  const p = (e.payload ?? {}) as TPayload;
  const who = e.actor ?? "someone";
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  switch (e.type) {
    case "request.created":
      return (
        <>
          Requested by {who}: {String(p.targets ?? "?")} target(s), {String(p.requiredApprovals ?? "?")} approval(s) needed.
          {str(p.planSha256) ? <span className="block text-xs text-slate-500">Plan SHA-256 <code>{str(p.planSha256)!.slice(0, 16)}…</code></span> : null}
        </>
      );
    case "request.voted":
      return (
        <>
          <strong className="font-medium">{who}</strong> {p.decision === "APPROVE" ? "approved" : "rejected"} ({String(p.approvals)}/{String(p.requiredApprovals)})
          {str(p.comment) ? <q className="block italic text-slate-700">{str(p.comment)}</q> : null}
          <span className="block text-xs text-slate-500">Signed in at the IdP {str(p.authTime) ? formatDateTime(str(p.authTime)) : "(time unknown)"}</span>
        </>
      );
    case "request.approved":
      return <>Approved with {String(p.approvals)} approval(s); must start by {formatDateTime(str(p.startBy))}.</>;
    case "request.rejected":
      return <>Rejected{str(p.comment) ? `: ${str(p.comment)}` : "."}</>;
    case "request.cancelled":
      return <>Cancelled by {who} (was {statusLabel(p.from)}).</>;
    case "request.expired":
      return <>Expired while {statusLabel(p.from).toLowerCase()}.</>;
    case "request.break_glass":
      return (
        <>
          <strong className="font-medium text-red-800">Break-glass</strong> by {who}: run without approval. {str(p.reason)}
          <span className="block text-xs text-slate-500">Signed in at the IdP {str(p.authTime) ? formatDateTime(str(p.authTime)) : "(time unknown)"}</span>
        </>
      );
    case "request.reviewed":
      return <>Reviewed by {who}{str(p.comment) ? `: ${str(p.comment)}` : "."}</>;
    case "task.started":
      return <>Execution started: {String(p.targets)} target(s).</>;
    case "task.finished":
      return (
        <>
          Finished: <strong className="font-medium">{statusLabel(p.status)}</strong> ({String(p.succeeded)} succeeded, {String(p.alreadyDone)} already done,{" "}
          {String(p.preconditionFailed)} precondition failed, {String(p.failed)} failed).
        </>
      );
    default:
      return (
        <>
          <code className="text-xs">{e.type}</code> by {who}
        </>
      );
  }
}

function TargetResult({ event }: { event: TEvent }) {
  const p = (event.payload ?? {}) as TPayload;
  return (
    <span>
      <code className="text-xs">{String(p.accountId)}</code>
      {typeof p.resource === "string" ? <> / <code className="text-xs">{p.resource}</code></> : null} <TargetStatusBadge status={String(p.status)} />{" "}
      <span className="text-xs text-slate-500">
        {String(p.mutatingCalls ?? 0)} change call(s){typeof p.assumeRootRequestId === "string" ? ` · AssumeRoot ${p.assumeRootRequestId}` : ""}
      </span>
    </span>
  );
}

function summarizeTargets(events: TEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) {
    const s = String((e.payload as TPayload | null)?.status ?? "?");
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts].map(([s, n]) => `${n} ${s.toLowerCase().replace(/_/g, " ")}`).join(", ");
}

function statusLabel(v: unknown): string {
  return typeof v === "string" && v in STATUS_LABELS ? STATUS_LABELS[v as TRequestStatus] : String(v);
}
