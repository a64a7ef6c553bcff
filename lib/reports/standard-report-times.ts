// The standard exports the Reports page offers, as as-of times from the caller's clock: the
// organization now, the end of last month and the end of last quarter (UTC, last millisecond).

export type TStandardReport = { id: "now" | "last-month" | "last-quarter"; label: string; asOf: Date | null };

export function standardReportTimes(now: Date): TStandardReport[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const endOfLastMonth = new Date(Date.UTC(y, m, 1) - 1);
  const endOfLastQuarter = new Date(Date.UTC(y, Math.floor(m / 3) * 3, 1) - 1);
  return [
    { id: "now", label: "The whole organization now", asOf: null },
    { id: "last-month", label: `End of last month (${endOfLastMonth.toISOString().slice(0, 10)})`, asOf: endOfLastMonth },
    { id: "last-quarter", label: `End of last quarter (${quarterName(endOfLastQuarter)})`, asOf: endOfLastQuarter },
  ];
}

function quarterName(d: Date): string {
  return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${d.getUTCFullYear()}`;
}
