"use client";
// An export as of any time in the inventory's history (UTC), of either kind, in any format. The link
// is built as the fields change, like the standard exports' links; the Accounts page's "Export this
// view" adds its filters.
import { useState } from "react";

const INPUT = "rounded border border-slate-300 bg-white px-2 py-1 text-sm";
const LINK = "rounded border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100";
const FORMATS = [
  ["csv", "CSV"],
  ["json", "JSON"],
  ["jsonl", "JSON Lines"],
  ["pdf", "PDF"],
] as const;

export function CustomExport({ nowIso }: { nowIso: string }) {
  // The minute the page was rendered, in UTC, as datetime-local wants it.
  const max = nowIso.slice(0, 16);
  const [asOf, setAsOf] = useState(max);
  const [kind, setKind] = useState<"compliance" | "accounts">("compliance");
  const [format, setFormat] = useState<(typeof FORMATS)[number][0]>("csv");
  const valid = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(asOf) && asOf <= max;
  const params = new URLSearchParams({ format, kind, ...(valid ? { asOf: `${asOf}:59.999Z` } : {}) });
  const error = asOf === "" ? "Pick a date and time." : !valid ? "Pick a time that is not in the future." : null;

  return (
    <form className="flex flex-wrap items-end gap-3 px-3 py-2 text-sm" aria-label="Export as of a time" onSubmit={(e) => e.preventDefault()}>
      <label className="flex flex-col gap-0.5">
        <span className="text-slate-600">As of (UTC, end of the minute)</span>
        <input type="datetime-local" className={INPUT} value={asOf} max={max} onChange={(e) => setAsOf(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? "custom-export-error" : undefined} />
      </label>
      <label className="flex flex-col gap-0.5">
        <span className="text-slate-600">Report</span>
        <select
          className={INPUT}
          value={kind}
          onChange={(e) => {
            const next = e.target.value as "compliance" | "accounts";
            setKind(next);
            // The PDF is the compliance report; the account summary comes as data only.
            if (next === "accounts" && format === "pdf") setFormat("csv");
          }}
        >
          <option value="compliance">Compliance (account × rule)</option>
          <option value="accounts">Account summary (one row per account)</option>
        </select>
      </label>
      <label className="flex flex-col gap-0.5">
        <span className="text-slate-600">Format</span>
        <select className={INPUT} value={format} onChange={(e) => setFormat(e.target.value as (typeof FORMATS)[number][0])}>
          {FORMATS.filter(([f]) => kind === "compliance" || f !== "pdf").map(([f, label]) => (
            <option key={f} value={f}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {error ? (
        <span id="custom-export-error" role="alert" className="py-1 text-red-800">
          {error}
        </span>
      ) : (
        <a className={LINK} download href={`/api/reports/compliance?${params.toString()}`} data-testid="custom-export-link">
          Download
        </a>
      )}
    </form>
  );
}
