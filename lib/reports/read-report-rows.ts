// The report's rows in order, batch by batch from a Postgres cursor, with the organization rules
// merged in at their place in the FAIL-first order. Used by every format, so all carry the same
// data. Each row reaches the caller as its values while pg parses it (see stream-query-rows.ts).
import type pg from "pg";
import { getRule } from "@/lib/inventory/compliance";
import { openRowCursor } from "./stream-query-rows";
import { RAW_COMPLIANCE, accountRowsSql, complianceRowsSql, type TRowStatus } from "./report-rows-sql";
import { COMPLIANCE, accountValues, complianceValues, organizationRows, rowValues, statusRank, type TRowValues } from "./report-rows";
import type { TReportKind } from "./report-query";
import type { TReportScope } from "./resolve-report-scope";

export type TReportReader = {
  /** Calls onRow for each row of the next batch, in report order; resolves true once every row has been given. */
  next: (onRow: (row: TRowValues) => void) => Promise<boolean>;
  /** Stops early (a cancelled download): ends the cursor's transaction. */
  close: () => Promise<void>;
};

export async function openReportReader(scope: TReportScope, pool: pg.Pool, kind: TReportKind, batchSize = 500): Promise<TReportReader> {
  const sqlScope = {
    organizationId: scope.organization.id,
    asOf: scope.asOf,
    freshnessHours: scope.freshnessHours,
    filters: scope.query,
  };
  const ctx = { asOf: scope.asOf, freshnessHours: scope.freshnessHours };
  if (kind === "accounts") {
    const cursor = await openRowCursor(pool, accountRowsSql(sqlScope), batchSize);
    return {
      next: async (onRow) => (await cursor.next((raw) => onRow(accountValues(raw, ctx)))) === 0,
      close: cursor.close,
    };
  }
  const pendingOrg = orgRowsFor(scope);
  const cursor = await openRowCursor(pool, complianceRowsSql(sqlScope), batchSize);
  return {
    next: async (onRow) => {
      const count = await cursor.next((raw) => {
        const rank = statusRank(raw[RAW_COMPLIANCE.status] as TRowStatus);
        while (pendingOrg.length > 0 && statusRank(pendingOrg[0]![COMPLIANCE.status] as TRowStatus) <= rank) onRow(pendingOrg.shift()!);
        onRow(complianceValues(raw, ctx));
      });
      if (count > 0) return false;
      while (pendingOrg.length > 0) onRow(pendingOrg.shift()!);
      return true;
    },
    close: cursor.close,
  };
}

/**
 * The organization rules belong to a report of the whole organization: a filter by OU, status or
 * text narrows it to accounts, and a rule filter keeps only that rule.
 */
function orgRowsFor(scope: TReportScope): TRowValues[] {
  const f = scope.query;
  const whole = f.status.length === 0 && !f.q && (!f.ouId || f.ouId.startsWith("r-"));
  if (!whole) return [];
  if (f.rule && getRule(f.rule)?.scope !== "org") return [];
  return organizationRows(scope.organization, scope.asOf)
    .filter((r) => !f.rule || r.ruleId === f.rule)
    .map(rowValues);
}
