"use client";
// Settings › Scheduled report (admin): the monthly compliance report, where the workers write it
// (a directory on their machines or an S3 bucket) and in which formats. The API checks the values
// (a 400 names the fix) and audits each change.
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { SaveBar } from "@/components/save-bar";
import { fetchJson } from "@/components/fetch-json";
import type { TReportFormat } from "@/lib/reports/report-query";
import type { TReportSchedule } from "@/lib/reports/report-schedule";

const FORMATS: { id: TReportFormat; label: string }[] = [
  { id: "csv", label: "CSV" },
  { id: "json", label: "JSON" },
  { id: "jsonl", label: "JSON Lines" },
  { id: "pdf", label: "PDF" },
];

type TForm = { enabled: boolean; type: "directory" | "s3"; path: string; bucket: string; prefix: string; formats: TReportFormat[] };

function toForm(s: TReportSchedule): TForm {
  const d = s.destination;
  return {
    enabled: s.enabled,
    type: d?.type ?? "directory",
    path: d?.type === "directory" ? d.path : "",
    bucket: d?.type === "s3" ? d.bucket : "",
    prefix: d?.type === "s3" ? d.prefix : "",
    formats: s.formats,
  };
}

function toBody(f: TForm) {
  const destination =
    f.type === "directory"
      ? f.path.trim() === "" ? null : { type: "directory", path: f.path }
      : f.bucket.trim() === "" ? null : { type: "s3", bucket: f.bucket, prefix: f.prefix };
  return { enabled: f.enabled, destination, formats: FORMATS.map((x) => x.id).filter((id) => f.formats.includes(id)) };
}

export function ReportScheduleSettings({ initial, canWrite }: { initial: TReportSchedule; canWrite: boolean }) {
  const [saved, setSaved] = useState(() => toForm(initial));
  const [form, setForm] = useState(() => toForm(initial));
  const ids = { path: useId(), bucket: useId(), prefix: useId() };
  const save = useMutation({
    mutationFn: () =>
      fetchJson<{ schedule: TReportSchedule }>("/api/settings/report-schedule", {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toBody(form)),
      }),
    onSuccess: ({ schedule }) => {
      setSaved(toForm(schedule));
      setForm(toForm(schedule));
    },
  });
  const dirty = JSON.stringify(saved) !== JSON.stringify(form);
  const input = "rounded border border-slate-300 px-2 py-1 disabled:bg-slate-50";

  return (
    <form
      aria-label="Scheduled report"
      className="space-y-3 px-3 py-3 text-sm"
      data-testid="report-schedule-settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (canWrite && dirty) save.mutate();
      }}
    >
      <label className="flex items-start gap-2">
        <input type="checkbox" className="mt-0.5" disabled={!canWrite} checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />
        <span>
          <span className="font-medium text-slate-900">Write the compliance report of each month</span>{" "}
          <span className="text-slate-600">
            as of its last millisecond (UTC), once the month is over. The workers write it within 15 minutes of midnight on the 1st (or of turning this on), once per
            month and format, each recorded as report.exported by the system.
          </span>
        </span>
      </label>

      <fieldset className="space-y-2">
        <legend className="font-medium text-slate-900">Destination</legend>
        <div className="flex flex-wrap gap-4">
          <label className="flex items-center gap-2">
            <input type="radio" name="destination-type" disabled={!canWrite} checked={form.type === "directory"} onChange={() => setForm({ ...form, type: "directory" })} />
            A directory on the worker machines
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="destination-type" disabled={!canWrite} checked={form.type === "s3"} onChange={() => setForm({ ...form, type: "s3" })} />
            An S3 bucket
          </label>
        </div>
        {form.type === "directory" ? (
          <div className="flex flex-wrap items-center gap-2">
            <label htmlFor={ids.path} className="text-slate-700">
              Directory
            </label>
            <input id={ids.path} className={`${input} w-96 font-mono`} disabled={!canWrite} placeholder="/srv/rootwarden/reports" value={form.path} onChange={(e) => setForm({ ...form, path: e.target.value })} />
            <span className="text-xs text-slate-600">An absolute path that exists on every worker and that the worker&apos;s user may write to.</span>
          </div>
        ) : (
          <div className="flex flex-wrap items-center gap-2">
            <label htmlFor={ids.bucket} className="text-slate-700">
              Bucket
            </label>
            <input id={ids.bucket} className={`${input} w-64 font-mono`} disabled={!canWrite} placeholder="audit-reports" value={form.bucket} onChange={(e) => setForm({ ...form, bucket: e.target.value })} />
            <label htmlFor={ids.prefix} className="text-slate-700">
              Key prefix
            </label>
            <input id={ids.prefix} className={`${input} w-64 font-mono`} disabled={!canWrite} placeholder="rootwarden/reports/" value={form.prefix} onChange={(e) => setForm({ ...form, prefix: e.target.value })} />
            <span className="text-xs text-slate-600">Written with the workers&apos; AWS identity, which needs s3:PutObject on the bucket and prefix.</span>
          </div>
        )}
      </fieldset>

      <fieldset className="flex flex-wrap items-center gap-4">
        <legend className="mb-1 font-medium text-slate-900">Formats</legend>
        {FORMATS.map((f) => (
          <label key={f.id} className="flex items-center gap-2">
            <input
              type="checkbox"
              disabled={!canWrite}
              checked={form.formats.includes(f.id)}
              onChange={(e) => setForm({ ...form, formats: e.target.checked ? [...form.formats, f.id] : form.formats.filter((x) => x !== f.id) })}
            />
            {f.label}
          </label>
        ))}
      </fieldset>

      <SaveBar label="Save scheduled report" dirty={dirty} save={save} canWrite={canWrite} />
    </form>
  );
}
