"use client";
// The compliance trend: accounts per effective status per day (stacked), with the same numbers in
// a table for screen readers and for anyone who wants the figures. The chart itself is hidden from
// assistive technology and out of the tab order: the summary and the table say what it shows.
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { STATUS_COLORS, STATUS_LABELS } from "@/components/status-badge";
import type { TSerialized } from "@/components/fetch-json";
import type { TTrendPoint } from "@/lib/inventory/get-overview";

const ORDER = ["NON_COMPLIANT", "ERROR", "UNKNOWN", "COMPLIANT", "NOT_APPLICABLE"] as const;

export function TrendChart({ trend }: { trend: TSerialized<TTrendPoint>[] }) {
  return (
    <div>
      <p className="sr-only" data-testid="trend-summary">
        {summarize(trend)}
      </p>
      <div className="h-64" aria-hidden="true" data-testid="trend-chart">
        <ResponsiveContainer width="100%" height="100%">
          {/* recharts' accessibility layer makes the chart a focusable role="application": not inside aria-hidden. */}
          <AreaChart data={trend} margin={{ top: 8, right: 16, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} fontSize={11} minTickGap={16} />
            <YAxis allowDecimals={false} fontSize={11} width={48} />
            <Tooltip />
            {/* Legend text in the series colour is unreadable for the light ones; the swatch carries the colour. */}
            <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value: string) => <span className="text-slate-700">{value}</span>} />
            {ORDER.map((s) => (
              <Area
                key={s}
                type="stepAfter"
                dataKey={s}
                name={STATUS_LABELS[s]}
                stackId="status"
                stroke={STATUS_COLORS[s]}
                fill={STATUS_COLORS[s]}
                fillOpacity={0.75}
                isAnimationActive={false}
              />
            ))}
          </AreaChart>
        </ResponsiveContainer>
      </div>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer text-slate-600">Trend as a table</summary>
        <div className="max-h-64 overflow-auto">
          <table className="mt-2 w-full text-right tabular-nums">
            <caption className="sr-only">Accounts per status per day</caption>
            <thead className="sticky top-0 bg-white text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-2 py-1 text-left font-medium">Day (UTC)</th>
                {ORDER.map((s) => (
                  <th key={s} scope="col" className="px-2 py-1 font-medium">
                    {STATUS_LABELS[s]}
                  </th>
                ))}
                <th scope="col" className="px-2 py-1 font-medium">Compliant %</th>
              </tr>
            </thead>
            <tbody>
              {[...trend].reverse().map((p) => (
                <tr key={p.day} className="border-t border-slate-100">
                  <th scope="row" className="px-2 py-1 text-left font-normal">{p.day}</th>
                  {ORDER.map((s) => (
                    <td key={s} className="px-2 py-1">{p[s]}</td>
                  ))}
                  <td className="px-2 py-1">{p.compliancePercent === null ? "—" : `${p.compliancePercent}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}

function summarize(trend: TSerialized<TTrendPoint>[]): string {
  const last = trend.at(-1);
  if (!last) return "Compliance trend: no days recorded yet.";
  const counts = ORDER.map((s) => `${last[s]} ${STATUS_LABELS[s].toLowerCase()}`).join(", ");
  const percent = last.compliancePercent === null ? "" : ` (${last.compliancePercent}% compliant)`;
  return `Compliance trend chart from ${trend[0].day} to ${last.day}. On ${last.day}: ${counts}${percent}. Every day's figures are in the table below.`;
}
