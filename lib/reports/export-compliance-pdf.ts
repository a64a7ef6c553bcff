// The compliance report as a PDF. The data is read and hashed first (the same bytes as the JSON
// Lines export), the export is recorded, and only then is the PDF laid out: its last page names the
// hash and the audit event, which exist only once the data is complete.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type pg from "pg";
import { AppError } from "@/lib/errors";
import { CONTENT_TYPES, encodeRow, reportFilename, type TExportReportOptions, type TReportDownload } from "./export-report";
import { readReportBatches } from "./read-report-batches";
import { recordReportExport, reportActorLabel, type TRecordedExport } from "./record-report-export";
import { filtersToRecord } from "./report-query";
import type { TComplianceRow } from "./report-rows";
import { renderCompliancePdf, type TPdfAccount } from "./render-compliance-pdf";
import { resolveReportScope, type TReportScope } from "./resolve-report-scope";

/** What the PDF shows, read once from the report's rows, with their count and hash. */
export type TCompliancePdfData = {
  accounts: TPdfAccount[];
  orgRules: { ruleId: string; status: string; finding: string }[];
  rowCount: number;
  sha256: string;
};

export async function exportCompliancePdf(options: Omit<TExportReportOptions, "batchSize">): Promise<TReportDownload> {
  const scope = await resolveReportScope(options);
  if (scope.query.format !== "pdf") throw new AppError("BAD_REQUEST", "exportCompliancePdf makes PDFs; use exportReport for csv, json or jsonl.");
  const data = await readCompliancePdfData(scope, options.pool);
  const rec = await recordReportExport({
    actor: scope.actor,
    db: options.db,
    organizationId: scope.organization.id,
    kind: "compliance",
    format: "pdf",
    filters: filtersToRecord(scope.query),
    asOf: scope.asOf,
    freshnessHours: scope.freshnessHours,
    rowCount: data.rowCount,
    sha256: data.sha256,
    now: options.now,
  });
  return {
    stream: Readable.toWeb(compliancePdfDocument(scope, data, rec, options.now)) as ReadableStream<Uint8Array>,
    contentType: CONTENT_TYPES.pdf,
    filename: reportFilename(scope, "pdf"),
    scope,
    recorded: Promise.resolve({ ...rec, rowCount: data.rowCount, sha256: data.sha256 }),
  };
}

export async function readCompliancePdfData(scope: TReportScope, pool: pg.Pool): Promise<TCompliancePdfData> {
  const hash = createHash("sha256");
  const accounts = new Map<string, TPdfAccount & { statuses: Set<string> }>();
  const orgRules: TCompliancePdfData["orgRules"] = [];
  let rowCount = 0;
  for await (const batch of readReportBatches(scope, pool, "compliance")) {
    for (const row of batch as TComplianceRow[]) {
      hash.update(encodeRow("jsonl", "compliance", row, rowCount));
      rowCount++;
      if (row.ruleId.startsWith("org.")) {
        orgRules.push({ ruleId: row.ruleId, status: row.status, finding: row.finding });
        continue;
      }
      let a = accounts.get(row.accountId);
      if (!a) {
        a = { id: row.accountId, name: row.accountName, ouPath: row.ouPath, state: row.state, status: "", failingRules: [], snapshotAt: row.snapshotAt, statuses: new Set() };
        accounts.set(row.accountId, a);
      }
      a.statuses.add(row.status);
      if (row.status === "FAIL") a.failingRules.push(row.ruleId);
    }
  }
  const list: TPdfAccount[] = [...accounts.values()].map(({ statuses, ...a }) => ({ ...a, status: accountStatus(statuses) }));
  return { accounts: list, orgRules, rowCount, sha256: hash.digest("hex") };
}

/** The PDF of data already recorded as `rec`, generated at `generatedAt` (the export's time). */
export function compliancePdfDocument(scope: TReportScope, data: TCompliancePdfData, rec: TRecordedExport, generatedAt: Date): Readable {
  const doc = renderCompliancePdf({
    organizationId: scope.organization.id,
    managementAccountId: scope.organization.managementAccountId,
    asOf: scope.asOf,
    generatedAt,
    generatedBy: reportActorLabel(scope.actor),
    filters: filtersToRecord(scope.query),
    freshnessHours: scope.freshnessHours,
    accounts: data.accounts,
    orgRules: data.orgRules,
    rowCount: data.rowCount,
    sha256: data.sha256,
    exportId: rec.id,
    auditEventId: rec.auditEventId,
  });
  return doc as unknown as Readable;
}

/** An account's status from its rule rows (they share it unless some rule fails or passes). */
function accountStatus(statuses: Set<string>): string {
  if (statuses.has("FAIL")) return "NON_COMPLIANT";
  if (statuses.has("PASS")) return "COMPLIANT";
  return [...statuses][0] ?? "UNKNOWN";
}
