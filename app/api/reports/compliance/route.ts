// GET /api/reports/compliance - a compliance export (format=csv|json|jsonl|pdf, kind=compliance|accounts,
// asOf=ISO time, plus the Accounts page's filters status, rule, ouId, q), streamed as a download;
// export=<id> downloads a recorded export again with its recorded parameters (freshness window included)
import { withPermission } from "@/lib/auth/route";
import { getConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import { sqlPool } from "@/lib/db/sql-pool";
import { exportCompliancePdf } from "@/lib/reports/export-compliance-pdf";
import { exportReport } from "@/lib/reports/export-report";
import { recordedExportRequest } from "@/lib/reports/recorded-export-request";
import { searchParamsToReportQueryInput } from "@/lib/reports/report-query";

export const dynamic = "force-dynamic";

export const GET = withPermission("reports.export", async (req, { actor }) => {
  const params = new URL(req.url).searchParams;
  const exportId = params.get("export");
  // export=<id>: a recorded export again, every parameter from its record (other parameters are ignored).
  const request = exportId
    ? await recordedExportRequest({ actor, db: prisma, exportId })
    : { query: searchParamsToReportQueryInput(params), freshnessHours: getConfig().COMPLIANCE_FRESHNESS_HOURS, organizationId: undefined };
  const options = { actor, db: prisma, pool: sqlPool(), now: new Date(), ...request };
  const out = request.query.format === "pdf" ? await exportCompliancePdf(options) : await exportReport(options);
  return new Response(out.stream, {
    headers: {
      "Content-Type": out.contentType,
      "Content-Disposition": `attachment; filename="${out.filename}"`,
      "X-Report-As-Of": out.scope.asOf.toISOString(),
      "Cache-Control": "no-store",
    },
  });
});
