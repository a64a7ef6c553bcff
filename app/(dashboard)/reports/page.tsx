// Reports (auditors, admins): the standard compliance exports and the organization's recent
// exports with who, when, filters and data hash, each downloadable again as of the same time.
import type { Metadata } from "next";
import { Card } from "@/components/card";
import { requirePagePermission } from "@/lib/auth/page";
import { prisma } from "@/lib/db/client";
import { listReportExports } from "@/lib/reports/list-report-exports";
import { standardReportTimes } from "@/lib/reports/standard-report-times";

export const metadata: Metadata = { title: "Reports" };
export const dynamic = "force-dynamic";

const LINK = "rounded border border-slate-300 bg-white px-2 py-0.5 text-sm font-medium text-slate-900 hover:bg-slate-100";
const FORMATS = ["csv", "json", "pdf"] as const;

export default async function ReportsPage() {
  const actor = await requirePagePermission("reports.export");
  const exports = await listReportExports({ actor, db: prisma });
  const standard = standardReportTimes(new Date());

  return (
    <div className="space-y-8">
      <h1 className="text-xl font-semibold tracking-tight">Reports</h1>

      <Card title="Standard exports" note="Every account and rule, plus the organization rules, FAIL first. CSV and JSON list account × rule; the PDF adds a summary, a table per OU and remediation.">
        <ul className="divide-y divide-slate-100" data-testid="standard-exports">
          {standard.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-3 px-3 py-2">
              <span className="min-w-64 font-medium">{s.label}</span>
              {FORMATS.map((f) => (
                <a key={f} className={LINK} download href={`/api/reports/compliance?format=${f}${s.asOf ? `&asOf=${s.asOf.toISOString()}` : ""}`}>
                  {f.toUpperCase()}
                </a>
              ))}
            </li>
          ))}
        </ul>
      </Card>

      <Card title={`Recent exports (${exports.length})`} note="Each export is recorded with its data's SHA-256. Downloading one again uses the same as-of time, filters and format; the same hash proves the same data.">
        {exports.length === 0 ? (
          <p className="px-3 py-2 text-sm text-slate-600">No exports yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="recent-exports">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="px-3 py-2 font-medium">When</th>
                  <th className="px-3 py-2 font-medium">Who</th>
                  <th className="px-3 py-2 font-medium">Report</th>
                  <th className="px-3 py-2 font-medium">Filters</th>
                  <th className="px-3 py-2 font-medium">As of</th>
                  <th className="px-3 py-2 font-medium">Rows</th>
                  <th className="px-3 py-2 font-medium">SHA-256</th>
                  <th className="px-3 py-2 font-medium"><span className="sr-only">Download</span></th>
                </tr>
              </thead>
              <tbody>
                {exports.map((e) => {
                  const params = new URLSearchParams({ format: e.format, kind: e.kind, asOf: e.asOf.toISOString(), ...e.filters });
                  const filters = Object.entries(e.filters).map(([k, v]) => `${k}=${v}`).join(", ");
                  return (
                    <tr key={e.id} className="border-t border-slate-100 align-top" data-testid="export-row">
                      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{utc(e.createdAt)}</td>
                      <td className="px-3 py-2">{e.actorLabel}</td>
                      <td className="px-3 py-2 whitespace-nowrap">
                        {e.kind} <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-semibold uppercase">{e.format}</span>
                      </td>
                      <td className="px-3 py-2 text-slate-700">{filters || <em className="text-slate-500">none</em>}</td>
                      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{utc(e.asOf)}</td>
                      <td className="px-3 py-2 tabular-nums">{e.rowCount.toLocaleString("en-US")}</td>
                      <td className="px-3 py-2 font-mono text-xs" title={e.sha256}>
                        {e.sha256.slice(0, 16)}…
                      </td>
                      <td className="px-3 py-2">
                        <a className={`${LINK} whitespace-nowrap`} download href={`/api/reports/compliance?${params.toString()}`}>
                          Download again
                        </a>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function utc(d: Date): string {
  return d.toISOString().replace("T", " ").replace(/:\d{2}\.\d{3}Z$/, " UTC");
}
