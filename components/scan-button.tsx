"use client";
// Starts a scan (org, OU subtree or accounts) through POST /api/scans. Pages render it only for
// actors holding scans.start; the API checks again. The started scan is handed to <ScanProgress>.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { TScanScope } from "@/lib/inventory/start-scan";
import type { TScanView } from "@/lib/inventory/list-scans";
import { fetchJson, type TSerialized } from "./fetch-json";

export type TScanViewJson = TSerialized<TScanView>;

/** Query key under which scans started from this browser tab are remembered for the progress panel. */
export const STARTED_SCANS_KEY = ["scans", "started"] as const;

export function ScanButton({ scope, label, className }: { scope: TScanScope; label: string; className?: string }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () =>
      fetchJson<{ scan: TScanViewJson }>("/api/scans", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ scope }),
      }),
    onSuccess: ({ scan }) => {
      queryClient.setQueryData<TScanViewJson[]>(STARTED_SCANS_KEY, (old = []) => [...old.filter((s) => s.id !== scan.id), scan]);
      void queryClient.invalidateQueries({ queryKey: ["scans", "active"] });
    },
  });
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        onClick={() => mutation.mutate()}
        disabled={mutation.isPending}
        data-testid="scan-button"
        className={
          className ??
          "inline-flex items-center gap-1.5 rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-wait disabled:opacity-60"
        }
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5" />
        </svg>
        {mutation.isPending ? "Starting…" : label}
      </button>
      {mutation.isError ? (
        <span role="alert" className="text-sm text-red-700">
          {mutation.error.message}
        </span>
      ) : null}
    </span>
  );
}
