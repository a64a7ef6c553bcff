// Request and target states as badges: colour plus a glyph and a text label, so state never relies
// on colour alone (like status-badge.tsx for compliance).
import { STATUS_LABELS, type TRequestStatus, type TTargetStatus } from "@/lib/tasks/catalogue";

type TTone = "neutral" | "active" | "good" | "warn" | "bad";

const TONES: Record<TTone, string> = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-500/30",
  active: "bg-blue-50 text-blue-800 ring-blue-600/30",
  good: "bg-emerald-50 text-emerald-800 ring-emerald-600/30",
  warn: "bg-amber-50 text-amber-900 ring-amber-600/40",
  bad: "bg-red-50 text-red-800 ring-red-600/30",
};

const REQUEST_STYLES: Record<TRequestStatus, [TTone, string]> = {
  PENDING: ["warn", "…"],
  APPROVED: ["active", "✓"],
  EXECUTING: ["active", "▶"],
  SUCCEEDED: ["good", "✓"],
  PARTIALLY_SUCCEEDED: ["warn", "◐"],
  FAILED: ["bad", "✕"],
  REJECTED: ["bad", "✕"],
  CANCELLED: ["neutral", "–"],
  EXPIRED: ["neutral", "⌛"],
};

export const TARGET_STATUS_LABELS: Record<TTargetStatus, string> = {
  PENDING: "Pending",
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  ALREADY_DONE: "Already done",
  PRECONDITION_FAILED: "Precondition failed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

const TARGET_STYLES: Record<TTargetStatus, [TTone, string]> = {
  PENDING: ["neutral", "…"],
  RUNNING: ["active", "▶"],
  SUCCEEDED: ["good", "✓"],
  ALREADY_DONE: ["good", "✓"],
  PRECONDITION_FAILED: ["warn", "!"],
  FAILED: ["bad", "✕"],
  CANCELLED: ["neutral", "–"],
};

export function RequestStatusBadge({ status }: { status: string }) {
  return <Badge status={status} styles={REQUEST_STYLES} labels={STATUS_LABELS} />;
}

export function TargetStatusBadge({ status }: { status: string }) {
  return <Badge status={status} styles={TARGET_STYLES} labels={TARGET_STATUS_LABELS} />;
}

function Badge({ status, styles, labels }: { status: string; styles: Record<string, [TTone, string]>; labels: Record<string, string> }) {
  const known = Object.hasOwn(styles, status);
  const [tone, glyph]: [TTone, string] = known ? styles[status]! : ["neutral", "?"];
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}
    >
      <span aria-hidden="true" className="font-bold">
        {glyph}
      </span>
      {known ? labels[status] : status}
    </span>
  );
}
