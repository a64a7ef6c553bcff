// Date and number formatting shared by server and client components. Times are shown in UTC with
// the zone named, so server and browser render the same text and nobody guesses the zone.

export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDate(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? "—" : d.toISOString().slice(0, 10);
}

/** "3 h ago", "in 5 min": coarse on purpose, exact time goes in a title attribute. */
export function formatRelative(value: Date | string | null | undefined, now: Date = new Date()): string {
  if (!value) return "never";
  const d = typeof value === "string" ? new Date(value) : value;
  const diff = (d.getTime() - now.getTime()) / 1000;
  const abs = Math.abs(diff);
  const text =
    abs < 60 ? "moments" : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 172_800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} days`;
  if (text === "moments") return diff < 0 ? "just now" : "in a moment";
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
