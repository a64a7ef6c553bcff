// The report's rows in order, batch by batch from a Postgres cursor, with the organization rules
// merged in at their place in the FAIL-first order. Used by every format, so all carry the same data.
import type pg from "pg";
import { getRule } from "@/lib/inventory/compliance";
import { openRowCursor } from "./stream-query-rows";
import { accountRowsSql, complianceRowsSql, type TRawAccountRow, type TRawComplianceRow } from "./report-rows-sql";
import { organizationRows, statusRank, toAccountSummaryRow, toComplianceRow, type TAccountSummaryRow, type TComplianceRow } from "./report-rows";
import type { TReportKind } from "./report-query";
import type { TReportScope } from "./resolve-report-scope";

export type TReportRow = TComplianceRow | TAccountSummaryRow;

export async function* readReportBatches(
  scope: TReportScope,
  pool: pg.Pool,
  kind: TReportKind,
  batchSize = 500,
): AsyncGenerator<TReportRow[], void, undefined> {
  const sqlScope = {
    organizationId: scope.organization.id,
    asOf: scope.asOf,
    freshnessHours: scope.freshnessHours,
    filters: scope.query,
  };
  const ctx = { asOf: scope.asOf, freshnessHours: scope.freshnessHours };
  if (kind === "accounts") {
    const cursor = await openRowCursor<TRawAccountRow>(pool, accountRowsSql(sqlScope), batchSize);
    try {
      for (let rows = await cursor.next(); rows.length > 0; rows = await cursor.next()) {
        yield rows.map((r) => toAccountSummaryRow(r, ctx));
      }
    } finally {
      await cursor.close();
    }
    return;
  }
  const pendingOrg = orgRowsFor(scope);
  const cursor = await openRowCursor<TRawComplianceRow>(pool, complianceRowsSql(sqlScope), batchSize);
  try {
    for (let rows = await cursor.next(); rows.length > 0; rows = await cursor.next()) {
      const out: TComplianceRow[] = [];
      for (const raw of rows) {
        const row = toComplianceRow(raw, ctx);
        while (pendingOrg.length > 0 && statusRank(pendingOrg[0].status) <= statusRank(row.status)) out.push(pendingOrg.shift()!);
        out.push(row);
      }
      yield out;
    }
  } finally {
    await cursor.close();
  }
  if (pendingOrg.length > 0) yield pendingOrg;
}

/**
 * The organization rules belong to a report of the whole organization: a filter by OU, status or
 * text narrows it to accounts, and a rule filter keeps only that rule.
 */
function orgRowsFor(scope: TReportScope): TComplianceRow[] {
  const f = scope.query;
  const whole = f.status.length === 0 && !f.q && (!f.ouId || f.ouId.startsWith("r-"));
  if (!whole) return [];
  if (f.rule && getRule(f.rule)?.scope !== "org") return [];
  return organizationRows(scope.organization, scope.asOf).filter((r) => !f.rule || r.ruleId === f.rule);
}
