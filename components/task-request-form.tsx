"use client";
// The parts every task request dialog shares: reason and ticket fields, the break-glass option,
// submitting once per dialog (clientRequestId), and the way out of a stale scan (re-scan, then
// preview again).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import type { TRequestSummary } from "@/lib/tasks/list";
import type { TPlan, TTaskScope } from "@/lib/tasks/plan";
import type { TTaskType } from "@/lib/tasks/catalogue";
import { ApiError, fetchJson, type TSerialized } from "./fetch-json";
import { formatCount } from "./format";
import { BUTTON_SECONDARY } from "./modal";

export type TPlanJson = TSerialized<TPlan>;
export type TTaskRequestOptions = { requireTicket: boolean; canBreakGlass: boolean };

export const REASON_MIN = 10;
export const REASON_MAX = 2000;

export type TRequestDetails = { reason: string; ticket: string; breakGlass: boolean };

export function RequestDetailsFields({
  value,
  onChange,
  options,
}: {
  value: TRequestDetails;
  onChange: (next: TRequestDetails) => void;
  options: TTaskRequestOptions;
}) {
  const reasonId = useId();
  const counterId = useId();
  const ticketId = useId();
  const length = value.reason.trim().length;
  const tooShort = length > 0 && length < REASON_MIN;
  return (
    <div className="space-y-3">
      <div>
        <label htmlFor={reasonId} className="block font-medium text-slate-900">
          Reason <span className="font-normal text-slate-600">(required, {REASON_MIN}–{formatCount(REASON_MAX)} characters)</span>
        </label>
        <textarea
          id={reasonId}
          required
          aria-describedby={counterId}
          aria-invalid={tooShort || length > REASON_MAX ? true : undefined}
          maxLength={REASON_MAX}
          rows={3}
          value={value.reason}
          onChange={(e) => onChange({ ...value, reason: e.target.value })}
          className="mt-1 w-full rounded border border-slate-300 px-2 py-1"
          placeholder="Why is this needed? Approvers read this."
        />
        <p id={counterId} className={`text-xs ${tooShort ? "text-red-700" : "text-slate-500"}`} aria-live="polite">
          {formatCount(length)} / {formatCount(REASON_MAX)}
          {tooShort ? ` · at least ${REASON_MIN} characters` : ""}
        </p>
      </div>
      <div>
        <label htmlFor={ticketId} className="block font-medium text-slate-900">
          Ticket <span className="font-normal text-slate-600">{options.requireTicket ? "(required by the settings)" : "(optional)"}</span>
        </label>
        <input
          id={ticketId}
          required={options.requireTicket}
          maxLength={200}
          value={value.ticket}
          onChange={(e) => onChange({ ...value, ticket: e.target.value })}
          className="mt-1 w-64 rounded border border-slate-300 px-2 py-1"
          placeholder="CHG-1234"
        />
      </div>
      {options.canBreakGlass ? (
        <label className="flex items-start gap-2 rounded border border-red-300 bg-red-50 px-3 py-2 text-red-950">
          <input
            type="checkbox"
            checked={value.breakGlass}
            onChange={(e) => onChange({ ...value, breakGlass: e.target.checked })}
            className="mt-0.5"
          />
          <span>
            <strong className="font-semibold">Break-glass:</strong> run now without approval. Only for an outage; the reason above is
            recorded, every approver is told, and the run stays on the Approvals page until an approver reviews it. You may be asked to sign in
            again first.
          </span>
        </label>
      ) : null}
    </div>
  );
}

export function detailsReady(value: TRequestDetails, options: TTaskRequestOptions): boolean {
  const length = value.reason.trim().length;
  return length >= REASON_MIN && length <= REASON_MAX && (!options.requireTicket || value.ticket.trim() !== "");
}

/** Creates the request once per dialog (a double click reuses the id) and goes to its page. */
export function useSubmitTaskRequest() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [clientRequestId] = useState(() => crypto.randomUUID());
  return useMutation({
    mutationFn: (input: { taskType: TTaskType; scope: TTaskScope; params: Record<string, unknown>; details: TRequestDetails }) =>
      fetchJson<{ request: TSerialized<TRequestSummary>; isNew: boolean }>("/api/requests", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          taskType: input.taskType,
          scope: input.scope,
          params: input.params,
          reason: input.details.reason.trim(),
          ticket: input.details.ticket.trim() || null,
          clientRequestId,
          ...(input.details.breakGlass ? { breakGlass: true } : {}),
        }),
      }),
    onSuccess: ({ request }) => {
      void queryClient.invalidateQueries({ queryKey: ["requests"] });
      router.push(`/requests/${request.id}`);
    },
  });
}

export function usePreview() {
  return useMutation({
    mutationFn: (input: { taskType: TTaskType; scope: TTaskScope; params: Record<string, unknown> }) =>
      fetchJson<{ plan: TPlanJson }>("/api/requests/preview", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      }).then((r) => r.plan),
  });
}

/** The accounts whose scan is too old, when the preview answered STALE_SCAN. */
export function staleAccountIds(err: unknown): string[] | null {
  if (!(err instanceof ApiError) || err.details?.reason !== "STALE_SCAN") return null;
  const ids = err.details.staleAccountIds;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
}

type TScanJson = { id: string; status: string; done: number; total: number; failed: number };

/** "Re-scan these accounts": starts an accounts scan, follows it, then calls onDone (preview again). */
export function RescanAndRetry({ accountIds, onDone }: { accountIds: string[]; onDone: () => void }) {
  const [scanId, setScanId] = useState<string | null>(null);
  const [progress, setProgress] = useState<TScanJson | null>(null);
  // The parent's callback changes every render; the poll below must not restart for that.
  const onDoneRef = useRef(onDone);
  useEffect(() => {
    onDoneRef.current = onDone;
  });
  const start = useMutation({
    mutationFn: () =>
      fetchJson<{ scan: TScanJson }>("/api/scans", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ scope: { type: "ACCOUNTS", accountIds } }),
      }),
    onSuccess: ({ scan }) => {
      setScanId(scan.id);
      setProgress(scan);
    },
  });
  useEffect(() => {
    if (!scanId) return;
    let stopped = false;
    const tick = async () => {
      try {
        const { scan } = await fetchJson<{ scan: TScanJson }>(`/api/scans/${scanId}`);
        if (stopped) return;
        setProgress(scan);
        if (scan.status !== "QUEUED" && scan.status !== "RUNNING") {
          onDoneRef.current();
          return;
        }
      } catch {
        // A failed poll is retried on the next tick.
      }
      if (!stopped) timer = setTimeout(tick, 1000);
    };
    let timer = setTimeout(tick, 800);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [scanId]);

  const running = scanId !== null && progress !== null && (progress.status === "QUEUED" || progress.status === "RUNNING");
  return (
    <div className="space-y-2 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950" data-testid="stale-scan">
      <p>
        The latest scan of {formatCount(accountIds.length)} account{accountIds.length === 1 ? "" : "s"} is too old to request from. Re-scan
        {accountIds.length === 1 ? " it" : " them"}, and the preview is built again from the new result.
      </p>
      {accountIds.length > 0 && accountIds.length <= 10 ? <p className="text-xs">{accountIds.join(", ")}</p> : null}
      <div className="flex items-center gap-3">
        <button type="button" className={BUTTON_SECONDARY} disabled={start.isPending || running} onClick={() => start.mutate()}>
          {running ? "Scanning…" : "Re-scan these accounts"}
        </button>
        <span aria-live="polite" className="text-xs">
          {progress ? `${formatCount(progress.done)} of ${formatCount(progress.total)} scanned${progress.failed ? `, ${progress.failed} failed` : ""}` : ""}
        </span>
      </div>
      {start.isError ? (
        <p role="alert" className="text-red-800">
          {start.error.message}
        </p>
      ) : null}
    </div>
  );
}

export function GuardDutyNotice() {
  return (
    <div className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950" data-testid="guardduty-notice">
      <p>
        <strong className="font-semibold">GuardDuty:</strong> GuardDuty may raise <code className="text-xs">Policy:IAMUser/RootCredentialUsage</code>{" "}
        findings in the affected accounts; tell your monitoring team.
      </p>
    </div>
  );
}
