"use client";
// Live progress of the scans that cover what a page shows (org, an OU, an account): polls every
// second while a scan runs, then shows a final summary and tells the page to refresh its data.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { fetchJson } from "./fetch-json";
import { STARTED_SCANS_KEY, type TScanViewJson } from "./scan-button";

export type TScanWatchScope = { type: "org" } | { type: "ou"; ouId: string } | { type: "account"; accountId: string };

const ACTIVE = new Set(["QUEUED", "RUNNING"]);

export function ScanProgress({
  scope,
  onFinished,
  canCancel = false,
}: {
  scope: TScanWatchScope;
  onFinished?: (scan: TScanViewJson) => void;
  canCancel?: boolean;
}) {
  const qs = scopeQuery(scope);
  const active = useQuery({
    queryKey: ["scans", "active", qs],
    queryFn: () => fetchJson<{ scans: TScanViewJson[] }>(`/api/scans?active=1&${qs}`),
    // Fast while something runs; slower otherwise, to notice scans started elsewhere.
    refetchInterval: (q) => ((q.state.data?.scans.length ?? 0) > 0 ? 1000 : 5000),
    staleTime: 0,
  });
  const started = useQuery({
    queryKey: STARTED_SCANS_KEY,
    queryFn: () => [] as TScanViewJson[],
    enabled: false,
    initialData: [],
  });

  // Scans started from a page belong to that page: forget them when it goes away.
  const queryClient = useQueryClient();
  useEffect(
    () => () => {
      queryClient.setQueryData<TScanViewJson[]>(STARTED_SCANS_KEY, []);
    },
    [queryClient],
  );

  // Scans shown on this page so far (so a scan stays visible after it stops being "active").
  const [tracked, setTracked] = useState<{ key: string; ids: string[] }>({ key: qs, ids: [] });
  const ids = tracked.key === qs ? tracked.ids : [];
  const incoming = [...(active.data?.scans ?? []), ...started.data].map((s) => s.id);
  const missing = incoming.filter((id) => !ids.includes(id));
  if (missing.length > 0 || tracked.key !== qs) {
    setTracked({ key: qs, ids: [...ids, ...missing] });
  }
  const initial = new Map([...(active.data?.scans ?? []), ...started.data].map((s) => [s.id, s]));

  if (ids.length === 0) return null;
  return (
    <div className="space-y-2" data-testid="scan-progress">
      {ids.map((id) => (
        <ScanItem
          key={id}
          id={id}
          initial={initial.get(id)}
          canCancel={canCancel}
          onFinished={onFinished}
          onDismiss={() => setTracked({ key: qs, ids: ids.filter((x) => x !== id) })}
        />
      ))}
    </div>
  );
}

function ScanItem({
  id,
  initial,
  canCancel,
  onFinished,
  onDismiss,
}: {
  id: string;
  initial: TScanViewJson | undefined;
  canCancel: boolean;
  onFinished?: (scan: TScanViewJson) => void;
  onDismiss: () => void;
}) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ["scans", "one", id],
    queryFn: () => fetchJson<{ scan: TScanViewJson }>(`/api/scans/${id}`).then((r) => r.scan),
    initialData: initial,
    refetchInterval: (q) => (q.state.data && !ACTIVE.has(q.state.data.status) ? false : 1000),
    staleTime: 0,
  });
  const scan = query.data;
  const running = scan ? ACTIVE.has(scan.status) : true;

  // Tell the page once, when this scan is seen going from running to finished.
  const wasRunning = useRef(running);
  useEffect(() => {
    if (!scan) return;
    if (wasRunning.current && !running) {
      void queryClient.invalidateQueries({ queryKey: ["accounts"] });
      void queryClient.invalidateQueries({ queryKey: ["ous"] });
      void queryClient.invalidateQueries({ queryKey: ["scans", "active"] });
      onFinished?.(scan);
    }
    wasRunning.current = running;
  }, [running, scan, onFinished, queryClient]);

  const [cancelError, setCancelError] = useState<string | null>(null);
  const cancel = async () => {
    setCancelError(null);
    try {
      await fetchJson(`/api/scans/${id}/cancel`, { method: "POST" });
      await query.refetch();
    } catch (err) {
      setCancelError(err instanceof Error ? err.message : "Could not cancel the scan.");
    }
  };

  if (!scan) {
    return <div className="rounded border border-slate-200 bg-white px-3 py-2 text-sm text-slate-500">Loading scan…</div>;
  }
  const pct = scan.total > 0 ? Math.round((scan.done / scan.total) * 100) : running ? 0 : 100;
  const label = `Scan of ${scan.scopeLabel}`;

  if (!running) {
    const seconds = scan.startedAt && scan.finishedAt ? (Date.parse(scan.finishedAt) - Date.parse(scan.startedAt)) / 1000 : null;
    const ok = scan.status === "SUCCEEDED" && scan.failed === 0;
    return (
      <div
        role="status"
        data-testid="scan-summary"
        data-scan-status={scan.status}
        className={`flex flex-wrap items-center gap-x-3 gap-y-1 rounded border px-3 py-2 text-sm ${
          ok ? "border-emerald-300 bg-emerald-50 text-emerald-900" : "border-amber-300 bg-amber-50 text-amber-950"
        }`}
      >
        <span className="font-medium">
          {label} {scan.status === "SUCCEEDED" ? "finished" : scan.status.toLowerCase()}
        </span>
        <span>
          {scan.done - scan.failed - scan.skipped} scanned · {scan.failed} failed · {scan.skipped} skipped
          {scan.cancelled > 0 ? ` · ${scan.cancelled} not scanned (cancelled)` : ""} of {scan.total}
          {seconds !== null ? ` · ${formatDuration(seconds)}` : ""}
        </span>
        {scan.error ? <span className="w-full text-xs">{scan.error}</span> : null}
        <button type="button" onClick={onDismiss} className="ml-auto rounded px-2 py-0.5 text-xs underline hover:bg-white/60">
          Dismiss
        </button>
      </div>
    );
  }

  return (
    <div className="rounded border border-blue-200 bg-blue-50 px-3 py-2 text-sm" data-testid="scan-running" aria-live="polite">
      <div className="mb-1 flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="font-medium text-blue-950">
          {label} {scan.status === "QUEUED" ? "queued" : "running"}
        </span>
        <span className="tabular-nums text-blue-900">
          {scan.done} / {scan.total} accounts
          {scan.failed > 0 ? ` · ${scan.failed} failed` : ""}
          {scan.ratePerSecond !== null ? ` · ${scan.ratePerSecond}/s` : ""}
          {scan.etaSeconds !== null ? ` · about ${formatDuration(scan.etaSeconds)} left` : ""}
        </span>
        {canCancel ? (
          <button type="button" onClick={cancel} className="ml-auto rounded border border-blue-300 bg-white px-2 py-0.5 text-xs hover:bg-blue-100">
            Cancel scan
          </button>
        ) : null}
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={scan.total}
        aria-valuenow={scan.done}
        aria-valuetext={`${scan.done} of ${scan.total} accounts (${pct}%)`}
        className="h-2 overflow-hidden rounded bg-blue-100"
      >
        <div className="h-full bg-blue-600 transition-[width] duration-500" style={{ width: `${pct}%` }} />
      </div>
      {cancelError ? (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {cancelError}
        </p>
      ) : null}
    </div>
  );
}

function scopeQuery(scope: TScanWatchScope): string {
  if (scope.type === "org") return "scope=org";
  if (scope.type === "ou") return `scope=ou&ouId=${encodeURIComponent(scope.ouId)}`;
  return `scope=account&accountId=${encodeURIComponent(scope.accountId)}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
