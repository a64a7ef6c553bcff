// CSV encoding: RFC 4180 (CRLF line ends, quoted when needed, quotes doubled), safe to open in a
// spreadsheet (a cell that would start a formula is prefixed with an apostrophe, as OWASP advises).

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | boolean | Date | null | undefined): string {
  if (value === null || value === undefined) return "";
  let s = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === "string" && FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly (string | number | boolean | Date | null | undefined)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
