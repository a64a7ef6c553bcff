"use client";
// Settings, "Privileged tasks" (admin): ticket and comment requirements, break-glass, expiry windows,
// and the approval rules (approvals needed per task type, optionally per OU subtree; the most
// specific rule wins, default 1). Every change is audited by the API.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ApiErrorMessage } from "@/components/api-error-message";
import { SaveBar } from "@/components/save-bar";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import { BUTTON_SECONDARY } from "@/components/modal";
import type { TOuTree } from "@/lib/inventory/get-ou-tree";
import { TASK_TYPES, TASKS, type TTaskType } from "@/lib/tasks/catalogue";
import type { TApprovalRule, TTaskSettings } from "@/lib/tasks/settings";

type TRule = TSerialized<TApprovalRule>;
const APPROVALS = [1, 2, 3, 4, 5] as const;

export function TaskSettingsSection({ settings, rules, canWrite }: { settings: TTaskSettings; rules: TRule[] | null; canWrite: boolean }) {
  return (
    <div className="space-y-4 px-3 py-3 text-sm">
      <SettingsForm initial={settings} canWrite={canWrite} />
      {rules ? <ApprovalRules initial={rules} canWrite={canWrite} /> : <p className="text-slate-600">Approval rules need a synced organization.</p>}
    </div>
  );
}

function SettingsForm({ initial, canWrite }: { initial: TTaskSettings; canWrite: boolean }) {
  const [saved, setSaved] = useState(initial);
  const [value, setValue] = useState(initial);
  const expiryId = useId();
  const startId = useId();
  const save = useMutation({
    mutationFn: () =>
      fetchJson<{ settings: TTaskSettings }>("/api/settings/tasks", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(value) }),
    onSuccess: ({ settings }) => {
      setSaved(settings);
      setValue(settings);
    },
  });
  const dirty = JSON.stringify(saved) !== JSON.stringify(value);
  const check = (key: "requireTicket" | "requireApproverComment" | "breakGlassEnabled", label: string, help: string) => (
    <label className="flex items-start gap-2">
      <input type="checkbox" className="mt-0.5" disabled={!canWrite} checked={value[key]} onChange={(e) => setValue({ ...value, [key]: e.target.checked })} />
      <span>
        <span className="font-medium text-slate-900">{label}</span> <span className="text-slate-600">{help}</span>
      </span>
    </label>
  );
  return (
    <form
      aria-label="Task settings"
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (canWrite && dirty) save.mutate();
      }}
      data-testid="task-settings"
    >
      {check("requireTicket", "Require a ticket reference", "on every request.")}
      {check("requireApproverComment", "Require an approver comment", "when approving or rejecting.")}
      {check("breakGlassEnabled", "Allow break-glass", "— admins may run a task without approval, with a mandatory reason, reviewed afterwards. Off by default; for outages.")}
      <div className="flex flex-wrap gap-6 pt-1">
        <label htmlFor={expiryId} className="flex items-center gap-2">
          <span className="text-slate-700">A pending request expires after</span>
          <input
            id={expiryId}
            type="number"
            min={1}
            max={336}
            disabled={!canWrite}
            value={value.pendingExpiryHours}
            onChange={(e) => setValue({ ...value, pendingExpiryHours: Number(e.target.value) })}
            className="w-20 rounded border border-slate-300 px-2 py-1 tabular-nums"
          />
          <span className="text-slate-700">hours (1–336)</span>
        </label>
        <label htmlFor={startId} className="flex items-center gap-2">
          <span className="text-slate-700">An approved request must start within</span>
          <input
            id={startId}
            type="number"
            min={5}
            max={1440}
            disabled={!canWrite}
            value={value.approvedStartMinutes}
            onChange={(e) => setValue({ ...value, approvedStartMinutes: Number(e.target.value) })}
            className="w-20 rounded border border-slate-300 px-2 py-1 tabular-nums"
          />
          <span className="text-slate-700">minutes (5–1,440)</span>
        </label>
      </div>
      <SaveBar label="Save task settings" dirty={dirty} save={save} canWrite={canWrite} />
    </form>
  );
}

function ApprovalRules({ initial, canWrite }: { initial: TRule[]; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const rules = useQuery({
    queryKey: ["settings", "approval-rules"],
    queryFn: () => fetchJson<{ rules: TRule[] }>("/api/settings/approval-rules").then((r) => r.rules),
    initialData: initial,
  });
  const tree = useQuery({ queryKey: ["ous"], queryFn: () => fetchJson<TSerialized<TOuTree>>("/api/ous"), enabled: canWrite });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["settings", "approval-rules"] });
  const saveRule = useMutation({
    mutationFn: (rule: { taskType: TTaskType; ouId: string | null; approvalsRequired: number }) =>
      fetchJson("/api/settings/approval-rules", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) }),
    onSuccess: refresh,
  });
  const deleteRule = useMutation({
    mutationFn: (id: string) => fetchJson(`/api/settings/approval-rules/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  const [taskType, setTaskType] = useState<TTaskType>("DELETE_ROOT_CREDENTIALS");
  const [ouId, setOuId] = useState("");
  const [approvals, setApprovals] = useState(2);
  const ous = (tree.data?.nodes ?? []).filter((n) => !n.isRoot);

  return (
    <section aria-labelledby="approval-rules-heading" className="space-y-2">
      <h3 id="approval-rules-heading" className="font-semibold text-slate-900">
        Approval rules
      </h3>
      <p className="text-slate-600">
        Approvals a request needs, per task type and optionally per OU subtree. For each target account the rule of the deepest OU on its path applies, then
        the organization-wide rule, then 1; a request needs the largest. Any single rejection rejects.
      </p>
      <table className="w-full text-left" data-testid="approval-rules">
        <caption className="sr-only">Approval rules</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="px-2 py-1.5 font-medium">Task</th>
            <th scope="col" className="px-2 py-1.5 font-medium">Applies to</th>
            <th scope="col" className="px-2 py-1.5 font-medium">Approvals</th>
            {canWrite ? <th scope="col" className="px-2 py-1.5 font-medium"><span className="sr-only">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {rules.data.length === 0 ? (
            <tr>
              <td colSpan={4} className="px-2 py-1.5 text-slate-600">
                No rules: every request needs 1 approval.
              </td>
            </tr>
          ) : null}
          {rules.data.map((r) => (
            <tr key={r.id} className="border-t border-slate-100">
              <td className="px-2 py-1.5">{TASKS[r.taskType].label}</td>
              <td className="px-2 py-1.5">{r.ouId ? <>OU {r.ouName ?? r.ouId} <code className="text-xs text-slate-500">{r.ouId}</code></> : "Whole organization"}</td>
              <td className="px-2 py-1.5">
                {canWrite ? (
                  <select
                    aria-label={`Approvals for ${TASKS[r.taskType].label} in ${r.ouName ?? r.ouId ?? "the whole organization"}`}
                    value={r.approvalsRequired}
                    disabled={saveRule.isPending}
                    onChange={(e) => saveRule.mutate({ taskType: r.taskType, ouId: r.ouId, approvalsRequired: Number(e.target.value) })}
                    className="rounded border border-slate-300 bg-white px-1 py-0.5 tabular-nums"
                  >
                    {APPROVALS.map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                ) : (
                  r.approvalsRequired
                )}
              </td>
              {canWrite ? (
                <td className="px-2 py-1.5 text-right">
                  <button type="button" className="text-blue-700 underline disabled:opacity-50" disabled={deleteRule.isPending} onClick={() => deleteRule.mutate(r.id)}>
                    Delete<span className="sr-only"> the rule for {TASKS[r.taskType].label} in {r.ouName ?? r.ouId ?? "the whole organization"}</span>
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {canWrite ? (
        <form
          aria-label="Add or change an approval rule"
          className="flex flex-wrap items-end gap-3 rounded border border-slate-200 px-3 py-2"
          onSubmit={(e) => {
            e.preventDefault();
            saveRule.mutate({ taskType, ouId: ouId || null, approvalsRequired: approvals });
          }}
        >
          <label className="flex flex-col">
            <span className="text-xs text-slate-600">Task</span>
            <select value={taskType} onChange={(e) => setTaskType(e.target.value as TTaskType)} className="rounded border border-slate-300 bg-white px-1 py-1">
              {TASK_TYPES.map((t) => (
                <option key={t} value={t}>
                  {TASKS[t].label}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            <span className="text-xs text-slate-600">Applies to</span>
            <select value={ouId} onChange={(e) => setOuId(e.target.value)} className="max-w-xs rounded border border-slate-300 bg-white px-1 py-1">
              <option value="">Whole organization</option>
              {ous.map((n) => (
                <option key={n.id} value={n.id}>
                  {`${"\u00a0\u00a0".repeat(Math.max(0, n.depth - 1))}${n.path}`}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            <span className="text-xs text-slate-600">Approvals</span>
            <select value={approvals} onChange={(e) => setApprovals(Number(e.target.value))} className="rounded border border-slate-300 bg-white px-1 py-1 tabular-nums">
              {APPROVALS.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className={BUTTON_SECONDARY} disabled={saveRule.isPending}>
            Save rule
          </button>
          <span className="text-xs text-slate-600">An existing rule for the same task and OU is changed.</span>
        </form>
      ) : null}
      <ApiErrorMessage error={saveRule.error ?? deleteRule.error} />
    </section>
  );
}
