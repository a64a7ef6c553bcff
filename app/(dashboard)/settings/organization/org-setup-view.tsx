"use client";
// The set-up steps as AWS reports them now, with a request button per step (disabling behind a
// warning read from the request's own plan), the open requests of each step, and "Sync now".
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Card } from "@/components/card";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { ApiError, fetchJson, type TSerialized } from "@/components/fetch-json";
import type { TOrgSetupStatus, TOrgSetupStepView } from "@/lib/tasks/org-setup-status";

type TStatus = TSerialized<TOrgSetupStatus>;
type TStep = TSerialized<TOrgSetupStepView>;
type TDialog = { step: TStep; taskType: string; enable: boolean };

const QUERY_KEY = ["org", "setup"] as const;
const button = "rounded border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-50";
const dangerButton = "rounded border border-red-300 bg-white px-2.5 py-1 text-sm font-medium text-red-800 hover:bg-red-50 disabled:opacity-50";

export function OrgSetupView() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: QUERY_KEY, queryFn: () => fetchJson<TStatus>("/api/org/setup") });
  const [dialog, setDialog] = useState<TDialog | null>(null);
  const [message, setMessage] = useState<{ text: string; link?: string } | null>(null);
  const [syncing, setSyncing] = useState(false);

  async function syncNow() {
    setSyncing(true);
    setMessage(null);
    try {
      await fetchJson("/api/org/sync", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      setMessage({ text: "Organization sync queued. A worker walks the organization; the Overview and the account list update when it finishes." });
    } catch (err) {
      setMessage({ text: err instanceof Error ? err.message : "The sync could not be queued. Try again." });
    } finally {
      setSyncing(false);
    }
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className={button} onClick={() => void status.refetch()} disabled={status.isFetching}>
          {status.isFetching ? "Reading AWS…" : "Read again"}
        </button>
        <button type="button" className={button} onClick={() => void syncNow()} disabled={syncing} data-testid="org-sync-now">
          Sync now
        </button>
        {status.data ? (
          <span className="text-sm text-slate-600">
            Organization <code>{status.data.organizationId}</code> · management account <code>{status.data.managementAccountId}</code> · read from AWS{" "}
            {status.data.readAt.slice(11, 19)} UTC
          </span>
        ) : null}
      </div>
      {message ? (
        <p role="status" className="rounded border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-800">
          {message.text}{" "}
          {message.link ? (
            <Link href={message.link} className="underline">
              Open the request
            </Link>
          ) : null}
        </p>
      ) : null}
      {status.error ? (
        <p role="alert" className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          {status.error.message}
        </p>
      ) : null}
      {status.isPending ? <p className="text-sm text-slate-600">Reading the organization&apos;s set-up from AWS…</p> : null}
      {status.data ? (
        <Card title="Set-up steps" note="As AWS reports them now (not the last sync).">
          <ol className="divide-y divide-slate-100" data-testid="org-setup-steps">
            {status.data.steps.map((step) => (
              <StepRow key={step.step} step={step} onRequest={(taskType, enable) => setDialog({ step, taskType, enable })} />
            ))}
          </ol>
        </Card>
      ) : null}
      {dialog && status.data ? (
        <RequestDialog
          dialog={dialog}
          accounts={status.data.accounts}
          onClose={() => setDialog(null)}
          onCreated={(id, number) => {
            setDialog(null);
            setMessage({ text: `Request #${number} created; it runs once an approver approves it.`, link: `/requests/${id}` });
            void queryClient.invalidateQueries({ queryKey: QUERY_KEY });
          }}
        />
      ) : null}
    </div>
  );
}

function stateText(step: TStep): { text: string; tone: "on" | "off" | "unknown" } {
  if (step.problem) return { text: "Unknown", tone: "unknown" };
  if (step.step === "DELEGATED_ADMIN") return step.value ? { text: `Account ${String(step.value)}`, tone: "on" } : { text: "None", tone: "off" };
  if (step.step === "ALL_FEATURES") return step.value ? { text: "All features", tone: "on" } : { text: "Consolidated billing", tone: "off" };
  return step.value === true ? { text: "Enabled", tone: "on" } : step.value === false ? { text: "Disabled", tone: "off" } : { text: "Unknown", tone: "unknown" };
}

const TONES = { on: "bg-emerald-100 text-emerald-900", off: "bg-amber-100 text-amber-900", unknown: "bg-slate-100 text-slate-800" };

function StepRow({ step, onRequest }: { step: TStep; onRequest: (taskType: string, enable: boolean) => void }) {
  const state = stateText(step);
  const on = step.step === "DELEGATED_ADMIN" ? step.value !== null : step.value === true;
  const busy = step.open.length > 0;
  return (
    <li className="flex flex-wrap items-start gap-x-4 gap-y-2 px-3 py-3" data-testid={`org-step-${step.step}`}>
      <span className="w-6 font-semibold tabular-nums text-slate-500">{step.number}.</span>
      <div className="min-w-64 flex-1">
        <div className="font-medium">
          {step.label}
          {step.step === "DELEGATED_ADMIN" ? <span className="ml-1 text-xs font-normal text-slate-500">(optional)</span> : null}
        </div>
        {step.step === "ALL_FEATURES" ? <p className="text-xs text-slate-600">Checked only: changing the organization&apos;s mode is done in AWS Organizations.</p> : null}
        {step.problem ? <p className="mt-1 text-sm text-red-800">{step.problem}</p> : null}
        {step.open.map((r) => (
          <p key={r.id} className="mt-1 text-sm">
            <Link href={r.link} className="underline">
              #{r.number} {r.label}
            </Link>{" "}
            <span className="text-slate-600">({r.status.toLowerCase()})</span>
          </p>
        ))}
      </div>
      <span className={`rounded px-2 py-0.5 text-sm font-medium ${TONES[state.tone]}`} data-testid="org-step-state">
        {state.text}
      </span>
      {step.enableTaskType && step.disableTaskType && !step.problem ? (
        <span className="flex gap-2">
          {on ? (
            <button type="button" className={dangerButton} disabled={busy} onClick={() => onRequest(step.disableTaskType!, false)}>
              {step.step === "DELEGATED_ADMIN" ? "Deregister…" : "Disable…"}
              <span className="sr-only"> {step.label}</span>
            </button>
          ) : (
            <button type="button" className={button} disabled={busy} onClick={() => onRequest(step.enableTaskType!, true)}>
              {step.step === "DELEGATED_ADMIN" ? "Register…" : "Enable…"}
              <span className="sr-only"> {step.label}</span>
            </button>
          )}
        </span>
      ) : null}
    </li>
  );
}

function RequestDialog({
  dialog,
  accounts,
  onClose,
  onCreated,
}: {
  dialog: TDialog;
  accounts: TStatus["accounts"];
  onClose: () => void;
  onCreated: (id: string, number: number) => void;
}) {
  const { step, taskType, enable } = dialog;
  const register = step.step === "DELEGATED_ADMIN" && enable;
  const [reason, setReason] = useState("");
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? "");
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [clientRequestId] = useState(() => crypto.randomUUID());
  const params = register ? { accountId } : {};
  // The plan says what AWS shows now and, for a disabling change, what it breaks.
  const preview = useQuery({
    queryKey: ["org", "setup", "preview", taskType, register ? accountId : ""],
    queryFn: () =>
      fetchJson<{ plan: { warning?: string | null } }>("/api/requests/preview", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ taskType, scope: { type: "ORG" }, params }),
      }),
    retry: false,
  });
  const warning = preview.data?.plan.warning ?? null;
  const reasonOk = reason.trim().length >= 10;

  async function submit() {
    setSending(true);
    setError(null);
    try {
      const out = await fetchJson<{ request: { id: string; number: number } }>("/api/requests", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ taskType, scope: { type: "ORG" }, params, reason: reason.trim(), clientRequestId }),
      });
      onCreated(out.request.id, out.request.number);
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : "The request could not be created.");
    } finally {
      setSending(false);
    }
  }

  const verb = step.step === "DELEGATED_ADMIN" ? (enable ? "Register" : "Deregister") : enable ? "Enable" : "Disable";
  return (
    <ConfirmDialog
      title={`${verb} ${step.label}`}
      confirmLabel={sending ? "Requesting…" : "Request approval"}
      confirmDisabled={sending || !reasonOk || preview.isError || (!enable && !understood) || (register && !accountId)}
      onConfirm={() => void submit()}
      onCancel={onClose}
    >
      {!enable ? (
        <div role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-red-900">
          <p className="font-semibold">This is a disabling change.</p>
          <p>{warning ?? (preview.isPending ? "Reading what this change would break…" : "")}</p>
        </div>
      ) : null}
      {preview.isError ? (
        <p role="alert" className="rounded border border-amber-300 bg-amber-50 p-3 text-amber-900">
          {preview.error.message}
        </p>
      ) : null}
      {register ? (
        <label className="block">
          <span className="font-medium">Member account</span>
          <select className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={accountId} onChange={(e) => setAccountId(e.target.value)}>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.id})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="block">
        <span className="font-medium">Reason</span> <span className="text-xs text-slate-500">(required, at least 10 characters)</span>
        <textarea
          className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
          rows={3}
          value={reason}
          maxLength={2000}
          onChange={(e) => setReason(e.target.value)}
          data-testid="org-request-reason"
        />
      </label>
      {!enable ? (
        <label className="flex items-start gap-2">
          <input type="checkbox" className="mt-1" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
          <span>I understand what this change stops, and approvers will see this warning.</span>
        </label>
      ) : null}
      {error ? (
        <p role="alert" className="text-red-800">
          {error}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
