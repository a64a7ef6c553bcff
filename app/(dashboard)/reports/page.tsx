// Reports (auditors, admins): the standard compliance exports, the scheduled monthly report (its
// next run and the latest runs with their result) and the organization's recent exports with who,
// when, filters and data hash, each downloadable again as of the same time.
import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/card";
import { requirePagePermission } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";
import { prisma } from "@/lib/db/client";
import { SCHEDULE_TICK_MINUTES, getReportScheduleStatus, type TReportScheduleStatus } from "@/lib/reports/get-report-schedule-status";
import { listReportExports } from "@/lib/reports/list-report-exports";
import { standardReportTimes } from "@/lib/reports/standard-report-times";
import { CustomExport } from "./custom-export";

export const metadata: Metadata = { title: "Reports" };
export const dynamic = "force-dynamic";

const LINK = "rounded border border-slate-300 bg-white px-2 py-0.5 text-sm font-medium text-slate-900 hover:bg-slate-100";
const FORMATS = ["csv", "json", "pdf"] as const;

export default async function ReportsPage() {
  const actor = await requirePagePermission("reports.export");
  const now = new Date();
  const exports = await listReportExports({ actor, db: prisma });
  const standard = standardReportTimes(now);
  const schedule = await getReportScheduleStatus({ actor, db: prisma, now });
  const canConfigure = hasPermission(actor.roles, "settings.write");

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

      <Card title="Export as of a time" note="Any moment in the inventory's history: each account as its last scan before then showed it, with the organization's membership and OUs as they were.">
        <CustomExport nowIso={now.toISOString()} />
      </Card>

      <ScheduledReport status={schedule} now={now} canConfigure={canConfigure} />

      <Card title={`Recent exports (${exports.length})`} note="Each export is recorded with its data's SHA-256. Downloading one again uses what was recorded: as-of time, filters, format and freshness window; the same hash proves the same data.">
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
                        <a className={`${LINK} whitespace-nowrap`} download href={`/api/reports/compliance?export=${e.id}`}>
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

const RESULT: Record<string, { label: string; className: string }> = {
  SUCCEEDED: { label: "Written", className: "bg-green-100 text-green-900" },
  FAILED: { label: "Failed", className: "bg-red-100 text-red-900" },
  RUNNING: { label: "Running", className: "bg-amber-100 text-amber-900" },
};

function ScheduledReport({ status, now, canConfigure }: { status: TReportScheduleStatus; now: Date; canConfigure: boolean }) {
  const { schedule, next, runs } = status;
  const settingsLink = canConfigure ? (
    <Link href="/settings#scheduled-report" className="font-medium text-blue-800 underline">
      Settings › Scheduled report
    </Link>
  ) : (
    "Settings › Scheduled report (admins)"
  );
  return (
    <Card title="Scheduled report" note="The compliance report of each month, as of its last millisecond (UTC), written by the workers once the month is over and recorded like any export.">
      <div className="space-y-3 px-3 py-2 text-sm" data-testid="scheduled-report">
        {schedule.enabled ? (
          <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1">
            <dt className="text-slate-500">Writes</dt>
            <dd>
              {schedule.formats.map((f) => f.toUpperCase()).join(", ")} to <code>{status.destination}</code>
            </dd>
            <dt className="text-slate-500">Next run</dt>
            <dd data-testid="scheduled-next-run">
              {next
                ? `${monthName(next.period)} (as of ${utcSeconds(next.asOf)}): ${
                    next.dueFrom.getTime() <= now.getTime()
                      ? `due now, at the workers' next tick (within ${SCHEDULE_TICK_MINUTES} minutes)`
                      : `from ${utc(next.dueFrom)}`
                  }`
                : "—"}
            </dd>
            <dt className="text-slate-500">Setting</dt>
            <dd>{settingsLink}</dd>
          </dl>
        ) : (
          <p data-testid="scheduled-off">Off. {canConfigure ? "Turn it on in " : "An admin turns it on in "}{settingsLink}.</p>
        )}
        {runs.length === 0 ? (
          <p className="text-slate-600">No scheduled run yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left" data-testid="scheduled-runs">
              <caption className="sr-only">Scheduled report runs</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="px-2 py-1.5 font-medium">Month</th>
                  <th className="px-2 py-1.5 font-medium">Format</th>
                  <th className="px-2 py-1.5 font-medium">Result</th>
                  <th className="px-2 py-1.5 font-medium">Written to</th>
                  <th className="px-2 py-1.5 font-medium">Finished</th>
                  <th className="px-2 py-1.5 font-medium">Attempts</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => {
                  const result = RESULT[r.status] ?? RESULT.RUNNING!;
                  return (
                    <tr key={`${r.period}-${r.format}`} className="border-t border-slate-100 align-top" data-testid="scheduled-run">
                      <td className="whitespace-nowrap px-2 py-1.5">{monthName(r.period)}</td>
                      <td className="px-2 py-1.5 uppercase">{r.format}</td>
                      <td className="px-2 py-1.5">
                        <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${result.className}`}>{result.label}</span>
                        {r.error ? <p className="mt-1 max-w-xl text-xs text-red-900">{r.error}</p> : null}
                        {r.status === "SUCCEEDED" && r.sha256 ? (
                          <p className="mt-1 font-mono text-xs text-slate-500" title={r.sha256}>
                            SHA-256 {r.sha256.slice(0, 16)}…
                          </p>
                        ) : null}
                      </td>
                      <td className="break-all px-2 py-1.5 font-mono text-xs text-slate-700">{r.location}</td>
                      <td className="whitespace-nowrap px-2 py-1.5 text-slate-600">{r.finishedAt ? utc(r.finishedAt) : "—"}</td>
                      <td className="px-2 py-1.5 tabular-nums">{r.attempts}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Card>
  );
}

function monthName(period: string): string {
  const [y, m] = period.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, 1)).toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}

function utcSeconds(d: Date): string {
  return d.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}

function utc(d: Date): string {
  return d.toISOString().replace("T", " ").replace(/:\d{2}\.\d{3}Z$/, " UTC");
}
