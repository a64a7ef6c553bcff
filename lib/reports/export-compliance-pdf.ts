// The compliance report as a PDF. The data is read and hashed first (the same bytes as the JSON
// Lines export), the export is recorded, and only then is the PDF laid out: its last page names the
// hash and the audit event, which exist only once the data is complete.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type pg from "pg";
import { AppError } from "@/lib/errors";
import { CONTENT_TYPES, encodeRow, reportFilename, type TExportReportOptions, type TReportDownload } from "./export-report";
import { openReportReader } from "./read-report-rows";
import { recordReportExport, reportActorLabel, type TRecordedExport } from "./record-report-export";
import { filtersToRecord } from "./report-query";
import { COMPLIANCE } from "./report-rows";
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
  const reader = await openReportReader(scope, pool, "compliance");
  const take = (row: (string | number | null)[]) => {
    hash.update(encodeRow("jsonl", "compliance", row, rowCount));
    rowCount++;
    const text = (i: number) => String(row[i] ?? "");
    const ruleId = text(COMPLIANCE.ruleId);
    const status = text(COMPLIANCE.status);
    if (ruleId.startsWith("org.")) {
      orgRules.push({ ruleId, status, finding: text(COMPLIANCE.finding) });
      return;
    }
    const id = text(COMPLIANCE.accountId);
    let a = accounts.get(id);
    if (!a) {
      const snapshotAt = row[COMPLIANCE.snapshotAt];
      a = { id, name: text(COMPLIANCE.accountName), ouPath: text(COMPLIANCE.ouPath), state: text(COMPLIANCE.state), status: "", failingRules: [], snapshotAt: snapshotAt === null ? null : String(snapshotAt), statuses: new Set() };
      accounts.set(id, a);
    }
    a.statuses.add(status);
    if (status === "FAIL") a.failingRules.push(ruleId);
  };
  try {
    while (!(await reader.next(take)));
  } finally {
    await reader.close();
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
