// Compliance status as a badge: colour plus a text label and a shape, so it never relies on colour alone.
import type { TComplianceStatus } from "@/lib/inventory/compliance";

export const STATUS_LABELS: Record<TComplianceStatus, string> = {
  COMPLIANT: "Compliant",
  NON_COMPLIANT: "Non-compliant",
  UNKNOWN: "Unknown",
  ERROR: "Error",
  NOT_APPLICABLE: "Not applicable",
};

const STYLES: Record<TComplianceStatus, { className: string; glyph: string }> = {
  COMPLIANT: { className: "bg-emerald-50 text-emerald-800 ring-emerald-600/30", glyph: "✓" },
  NON_COMPLIANT: { className: "bg-red-50 text-red-800 ring-red-600/30", glyph: "✕" },
  UNKNOWN: { className: "bg-slate-100 text-slate-700 ring-slate-500/30", glyph: "?" },
  ERROR: { className: "bg-amber-50 text-amber-900 ring-amber-600/40", glyph: "!" },
  NOT_APPLICABLE: { className: "bg-white text-slate-500 ring-slate-300", glyph: "–" },
};

/** Hex colours matching the badges, for charts. */
export const STATUS_COLORS: Record<TComplianceStatus, string> = {
  COMPLIANT: "#059669",
  NON_COMPLIANT: "#dc2626",
  UNKNOWN: "#94a3b8",
  ERROR: "#d97706",
  NOT_APPLICABLE: "#cbd5e1",
};

export function StatusBadge({ status, title }: { status: TComplianceStatus; title?: string }) {
  const style = STYLES[status];
  return (
    <span
      title={title}
      data-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${style.className}`}
    >
      <span aria-hidden="true" className="font-bold">
        {style.glyph}
      </span>
      {STATUS_LABELS[status]}
    </span>
  );
}

const SEVERITY_STYLES: Record<string, string> = {
  critical: "bg-red-700 text-white",
  high: "bg-red-100 text-red-900",
  medium: "bg-amber-100 text-amber-900",
  low: "bg-slate-100 text-slate-700",
};

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <span className={`rounded px-1.5 py-0.5 text-[11px] font-semibold uppercase tracking-wide ${SEVERITY_STYLES[severity] ?? SEVERITY_STYLES.low}`}>
      {severity}
    </span>
  );
}
