// Request and target states as badges: colour plus a glyph and a text label, so state never relies
// on colour alone (like status-badge.tsx for compliance).
import { STATUS_LABELS, type TRequestStatus, type TTargetStatus } from "@/lib/tasks/catalogue";

const REQUEST_STYLES: Record<TRequestStatus, { className: string; glyph: string }> = {
  PENDING: { className: "bg-amber-50 text-amber-900 ring-amber-600/40", glyph: "…" },
  APPROVED: { className: "bg-blue-50 text-blue-800 ring-blue-600/30", glyph: "✓" },
  EXECUTING: { className: "bg-blue-50 text-blue-800 ring-blue-600/30", glyph: "▶" },
  SUCCEEDED: { className: "bg-emerald-50 text-emerald-800 ring-emerald-600/30", glyph: "✓" },
  PARTIALLY_SUCCEEDED: { className: "bg-amber-50 text-amber-900 ring-amber-600/40", glyph: "◐" },
  FAILED: { className: "bg-red-50 text-red-800 ring-red-600/30", glyph: "✕" },
  REJECTED: { className: "bg-red-50 text-red-800 ring-red-600/30", glyph: "✕" },
  CANCELLED: { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "–" },
  EXPIRED: { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "⌛" },
};

export function RequestStatusBadge({ status }: { status: string }) {
  const known = status in REQUEST_STYLES ? (status as TRequestStatus) : null;
  const style = known ? REQUEST_STYLES[known] : { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "?" };
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${style.className}`}
    >
      <span aria-hidden="true" className="font-bold">
        {style.glyph}
      </span>
      {known ? STATUS_LABELS[known] : status}
    </span>
  );
}

export const TARGET_STATUS_LABELS: Record<TTargetStatus, string> = {
  PENDING: "Pending",
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  ALREADY_DONE: "Already done",
  PRECONDITION_FAILED: "Precondition failed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

const TARGET_STYLES: Record<TTargetStatus, { className: string; glyph: string }> = {
  PENDING: { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "…" },
  RUNNING: { className: "bg-blue-50 text-blue-800 ring-blue-600/30", glyph: "▶" },
  SUCCEEDED: { className: "bg-emerald-50 text-emerald-800 ring-emerald-600/30", glyph: "✓" },
  ALREADY_DONE: { className: "bg-emerald-50 text-emerald-800 ring-emerald-600/30", glyph: "✓" },
  PRECONDITION_FAILED: { className: "bg-amber-50 text-amber-900 ring-amber-600/40", glyph: "!" },
  FAILED: { className: "bg-red-50 text-red-800 ring-red-600/30", glyph: "✕" },
  CANCELLED: { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "–" },
};

export function TargetStatusBadge({ status }: { status: string }) {
  const known = status in TARGET_STYLES ? (status as TTargetStatus) : null;
  const style = known ? TARGET_STYLES[known] : { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "?" };
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${style.className}`}
    >
      <span aria-hidden="true" className="font-bold">
        {style.glyph}
      </span>
      {known ? TARGET_STATUS_LABELS[known] : status}
    </span>
  );
}
