// GET /api/reports/compliance - a compliance export (format=csv|json|jsonl|pdf, kind=compliance|accounts,
// asOf=ISO time, plus the Accounts page's filters status, rule, ouId, q), streamed as a download
import { withPermission } from "@/lib/auth/route";
import { getConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import { sqlPool } from "@/lib/db/sql-pool";
import { exportCompliancePdf } from "@/lib/reports/export-compliance-pdf";
import { exportReport } from "@/lib/reports/export-report";
import { searchParamsToReportQueryInput } from "@/lib/reports/report-query";

export const dynamic = "force-dynamic";

export const GET = withPermission("reports.export", async (req, { actor }) => {
  const query = searchParamsToReportQueryInput(new URL(req.url).searchParams);
  const options = { actor, db: prisma, pool: sqlPool(), query, now: new Date(), freshnessHours: getConfig().COMPLIANCE_FRESHNESS_HOURS };
  const out = query.format === "pdf" ? await exportCompliancePdf(options) : await exportReport(options);
  return new Response(out.stream, {
    headers: {
      "Content-Type": out.contentType,
      "Content-Disposition": `attachment; filename="${out.filename}"`,
      "X-Report-As-Of": out.scope.asOf.toISOString(),
      "Cache-Control": "no-store",
    },
  });
});
