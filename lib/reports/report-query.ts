// What an export is asked for: the Accounts page's filters (same parser, so the same rows), the
// as-of time, the kind of report and the format. Shared by the API route, the pages and the libs.
import { z } from "zod";
import { ZListAccountsQuery, searchParamsToListQueryInput } from "@/lib/inventory/list-accounts";

export const REPORT_FORMATS = ["csv", "json", "jsonl", "pdf"] as const;
export type TReportFormat = (typeof REPORT_FORMATS)[number];
/** compliance: one row per account x rule plus the organization rules; accounts: one row per account. */
export const REPORT_KINDS = ["compliance", "accounts"] as const;
export type TReportKind = (typeof REPORT_KINDS)[number];

const ZFilters = ZListAccountsQuery.pick({ status: true, rule: true, ouId: true, q: true });

export const ZReportQuery = ZFilters.extend({
  format: z.enum(REPORT_FORMATS, { message: `must be one of ${REPORT_FORMATS.join(", ")}` }).optional().default("csv"),
  kind: z.enum(REPORT_KINDS, { message: `must be one of ${REPORT_KINDS.join(", ")}` }).optional().default("compliance"),
  asOf: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const iso = z.iso.datetime({ offset: true }).safeParse(v.trim());
      const at = new Date(v.trim());
      if (!iso.success || Number.isNaN(at.getTime())) {
        ctx.addIssue({ code: "custom", message: `must be an ISO 8601 time with a zone, e.g. 2026-11-30T23:59:59Z (got "${v.slice(0, 40)}")` });
        return z.NEVER;
      }
      return at;
    }),
});
export type TReportQuery = z.output<typeof ZReportQuery>;
export type TReportFilters = Pick<TReportQuery, "status" | "rule" | "ouId" | "q">;

/** URL search params -> ZReportQuery's input (the Accounts page's keys plus format, kind, asOf). */
export function searchParamsToReportQueryInput(params: URLSearchParams): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const list = searchParamsToListQueryInput(params);
  for (const key of ["status", "rule", "ouId", "q"]) if (list[key] !== undefined) out[key] = list[key];
  for (const key of ["format", "kind", "asOf"]) {
    const values = params.getAll(key);
    if (values.length > 0) out[key] = values[values.length - 1];
  }
  return out;
}

/** The filters as stored with an export and put back into URLs: only those that are set. */
export function filtersToRecord(filters: TReportFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (filters.status.length > 0) out.status = filters.status.join(",");
  if (filters.rule) out.rule = filters.rule;
  if (filters.ouId) out.ouId = filters.ouId;
  if (filters.q) out.q = filters.q;
  return out;
}
