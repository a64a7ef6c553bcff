"use client";
// The frozen plan and the per-target results: what each target was to change (as approved), its
// status, the error or differing precondition, and the evidence (before / after) read back by the
// executor. Filtered by status and paged by cursor through GET /api/requests/[id]/targets.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Card } from "@/components/card";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import { formatCount, formatDateTime } from "@/components/format";
import { PreviewSummary, UnlockPreview } from "@/components/plan-preview";
import { TargetStatusBadge, TARGET_STATUS_LABELS } from "@/components/task-status-badge";
import { OPEN_STATUSES, TARGET_STATUSES, type TRequestStatus } from "@/lib/tasks/catalogue";
import type { TRequestDetail, TTargetView } from "@/lib/tasks/list";
import type { TTargetPreview } from "@/lib/tasks/plan";

type TPage = { targets: TSerialized<TTargetView>[]; nextCursor: string | null };
const LIMIT = 50;

export function TargetsTable({ request }: { request: TSerialized<TRequestDetail> }) {
  const [status, setStatus] = useState<string>("");
  // Cursors of the pages before the current one, so "Previous" works without the server.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const choose = (next: string) => {
    setStatus(next);
    setCursors([]);
  };
  const open = OPEN_STATUSES.includes(request.status as TRequestStatus);
  const params = new URLSearchParams({ limit: String(LIMIT), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
  // The request's status and per-status counts are part of the key: the detail query polls while the
  // request is open, so the rows are fetched again whenever a target moves, including the last one
  // (after which the request is closed and this table stops polling on its own).
  const revision = `${request.status}:${TARGET_STATUSES.map((s) => request.targetCounts[s] ?? 0).join(",")}`;
  const page = useQuery({
    queryKey: ["requests", "targets", request.id, params.toString(), revision],
    queryFn: () => fetchJson<TPage>(`/api/requests/${request.id}/targets?${params.toString()}`),
    placeholderData: keepPreviousData,
    refetchInterval: open ? 3000 : false,
  });
  const single = request.targetCount === 1 ? page.data?.targets[0] : undefined;
  const isUnlock = request.taskType === "UNLOCK_S3_BUCKET_POLICY" || request.taskType === "UNLOCK_SQS_QUEUE_POLICY";
  const counts = TARGET_STATUSES.filter((s) => (request.targetCounts[s] ?? 0) > 0);

  return (
    <>
      {isUnlock && single ? (
        <Card title="Approved change" note="The policy as read in a root session when the request was made; the executor changes it only if it is still this one." bodyClassName="px-3 py-2 text-sm">
          <UnlockPreview target={single} />
        </Card>
      ) : null}
      <Card title="Targets" note="The frozen plan per target, and each result with its evidence" bodyClassName="text-sm">
        <div className="flex flex-wrap items-center gap-1 border-b border-slate-100 px-3 py-2" role="group" aria-label="Filter targets by status">
          <FilterButton on={status === ""} onClick={() => choose("")}>
            All ({formatCount(request.targetCount)})
          </FilterButton>
          {counts.map((s) => (
            <FilterButton key={s} on={status === s} onClick={() => choose(s)}>
              {TARGET_STATUS_LABELS[s]} ({formatCount(request.targetCounts[s] ?? 0)})
            </FilterButton>
          ))}
        </div>
        {page.isError ? (
          <p role="alert" className="px-3 py-2 text-red-800">
            {page.error.message}
          </p>
        ) : null}
        {page.data ? (
          <div className="overflow-x-auto">
            <table className={`w-full text-left ${page.isPlaceholderData ? "opacity-60" : ""}`} data-testid="targets-table">
              <caption className="sr-only">Targets of the request</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  {["Account", "Planned change", "Status", "Result", "Evidence"].map((h) => (
                    <th key={h} scope="col" className="px-3 py-1.5 font-medium">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {page.data.targets.length === 0 ? (
                  <tr>
                    <td colSpan={5} className="px-3 py-2 text-slate-600">
                      No targets with this status.
                    </td>
                  </tr>
                ) : null}
                {page.data.targets.map((t) => (
                  <tr key={t.id} className="border-t border-slate-100 align-top">
                    <td className="whitespace-nowrap px-3 py-1.5">
                      <div>{t.accountName}</div>
                      <code className="text-xs text-slate-600">{t.accountId}</code>
                    </td>
                    <td className="px-3 py-1.5">
                      <PreviewSummary preview={t.preview as TTargetPreview} resourceName={t.resourceName} />
                    </td>
                    <td className="px-3 py-1.5">
                      <TargetStatusBadge status={t.status} />
                      {t.attempts > 1 ? <div className="text-xs text-slate-500">{t.attempts} attempts</div> : null}
                    </td>
                    <td className="px-3 py-1.5">
                      {t.errorCode ? <code className="text-xs text-amber-900">{t.errorCode}</code> : null}
                      {t.message ? <div>{t.message}</div> : null}
                      {t.finishedAt ? <div className="text-xs text-slate-500">{formatDateTime(t.finishedAt)}</div> : null}
                    </td>
                    <td className="px-3 py-1.5">
                      <Evidence evidence={t.evidence} label={`${t.accountName} ${t.resourceName ?? ""}`.trim()} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : page.isPending ? (
          <p className="px-3 py-2 text-slate-500">Loading targets…</p>
        ) : null}
        {cursors.length > 0 || page.data?.nextCursor ? (
          <nav aria-label="Target pages" className="flex gap-2 border-t border-slate-200 px-3 py-1.5">
            <button type="button" className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <button
              type="button"
              className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50"
              disabled={!page.data?.nextCursor}
              onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
            >
              Next
            </button>
          </nav>
        ) : null}
      </Card>
    </>
  );
}

function FilterButton({ on, onClick, children }: { on: boolean; onClick: () => void; children: React.ReactNode }) {
  return (
    <button
      type="button"
      aria-pressed={on}
      onClick={onClick}
      className={`rounded-full border px-2 py-0.5 text-xs ${on ? "border-slate-900 bg-slate-900 text-white" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-100"}`}
    >
      {children}
    </button>
  );
}

function Evidence({ evidence, label }: { evidence: unknown; label: string }) {
  if (!evidence || (typeof evidence === "object" && Object.keys(evidence).length === 0)) return <span className="text-slate-500">—</span>;
  const e = evidence as { before?: unknown; after?: unknown; verified?: unknown };
  return (
    <details>
      <summary className="cursor-pointer text-blue-700">
        Before / after<span className="sr-only"> for {label}</span>
        {e.verified === true ? " · verified" : e.verified === false ? " · not verified" : ""}
      </summary>
      <div className="mt-1 grid gap-2 md:grid-cols-2">
        <Json label="Before" value={e.before} />
        <Json label="After" value={e.after} />
      </div>
    </details>
  );
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <figure>
      <figcaption className="text-xs font-semibold uppercase text-slate-500">{label}</figcaption>
      <pre tabIndex={0} className="max-h-56 max-w-md overflow-auto rounded border border-slate-200 bg-slate-50 p-1.5 text-[11px] leading-4">
        {value === undefined ? "—" : JSON.stringify(value, null, 2)}
      </pre>
    </figure>
  );
}
