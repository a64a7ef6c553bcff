"use client";
// "Delete root credentials" for one account, a selection or an OU: choose the kinds, preview the
// frozen plan (per account, from which scan), read the GuardDuty notice, give a reason, submit.
import { useId, useState } from "react";
import { CREDENTIAL_KIND_LABELS, CREDENTIAL_KINDS, type TCredentialKindName } from "@/lib/tasks/catalogue";
import type { TTaskScope } from "@/lib/tasks/plan";
import { ApiErrorMessage } from "./api-error-message";
import { formatCount } from "./format";
import { BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Modal } from "./modal";
import { ExcludedAccounts, PlanTargetsTable, PlanTotals } from "./plan-preview";
import {
  detailsReady,
  GuardDutyNotice,
  RequestDetailsFields,
  RescanAndRetry,
  staleAccountIds,
  usePreview,
  useSubmitTaskRequest,
  type TRequestDetails,
  type TTaskRequestOptions,
} from "./task-request-form";

export function DeleteCredentialsDialog({
  scope,
  scopeLabel,
  options,
  onClose,
}: {
  scope: TTaskScope;
  scopeLabel: string;
  options: TTaskRequestOptions;
  onClose: () => void;
}) {
  const [kinds, setKinds] = useState<Set<TCredentialKindName>>(() => new Set(CREDENTIAL_KINDS));
  const [deleteVirtualMfa, setDeleteVirtualMfa] = useState(false);
  const [details, setDetails] = useState<TRequestDetails>({ reason: "", ticket: "", breakGlass: false });
  const preview = usePreview();
  const submit = useSubmitTaskRequest();
  const kindsId = useId();
  const params = { kinds: CREDENTIAL_KINDS.filter((k) => kinds.has(k)), deleteVirtualMfa };
  const plan = preview.data;
  const stale = staleAccountIds(preview.error);

  const runPreview = () => preview.mutate({ taskType: "DELETE_ROOT_CREDENTIALS", scope, params });
  const toggle = (k: TCredentialKindName) => {
    const next = new Set(kinds);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    setKinds(next);
    preview.reset();
  };

  const footer = (
    <>
      <button type="button" className={BUTTON_SECONDARY} onClick={onClose}>
        Cancel
      </button>
      {plan ? (
        <button
          type="button"
          className={BUTTON_DANGER}
          disabled={!detailsReady(details, options) || submit.isPending || submit.isSuccess}
          onClick={() => submit.mutate({ taskType: "DELETE_ROOT_CREDENTIALS", scope, params, details })}
        >
          {submit.isPending || submit.isSuccess ? "Submitting…" : details.breakGlass ? "Run now (break-glass)" : "Submit request"}
        </button>
      ) : (
        <button type="button" className={BUTTON_PRIMARY} disabled={kinds.size === 0 || preview.isPending} onClick={runPreview}>
          {preview.isPending ? "Building preview…" : "Preview"}
        </button>
      )}
    </>
  );

  return (
    <Modal title="Delete root credentials" description={`In ${scopeLabel}.`} onClose={onClose} footer={footer} size="xl" testId="delete-credentials-dialog">
      <fieldset aria-describedby={kindsId} disabled={preview.isPending}>
        <legend className="font-medium text-slate-900">What to delete</legend>
        <p id={kindsId} className="text-slate-600">
          All kinds by default. The preview lists exactly which credentials, from the latest scan of each account.
        </p>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {CREDENTIAL_KINDS.map((k) => (
            <label key={k} className="flex items-center gap-1.5">
              <input type="checkbox" checked={kinds.has(k)} onChange={() => toggle(k)} />
              {CREDENTIAL_KIND_LABELS[k].charAt(0).toUpperCase() + CREDENTIAL_KIND_LABELS[k].slice(1)}
            </label>
          ))}
        </div>
        <label className="mt-2 flex items-start gap-1.5">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={deleteVirtualMfa}
            disabled={!kinds.has("mfaDevices")}
            onChange={(e) => {
              setDeleteVirtualMfa(e.target.checked);
              preview.reset();
            }}
          />
          <span>
            Also delete virtual MFA devices after deactivating them{" "}
            <span className="text-slate-600">(AWS&apos;s own procedure only deactivates; hardware devices are only deactivated)</span>
          </span>
        </label>
        {kinds.size === 0 ? <p className="mt-1 text-red-700">Choose at least one kind of credential.</p> : null}
      </fieldset>

      {stale ? <RescanAndRetry accountIds={stale} onDone={runPreview} /> : <ApiErrorMessage error={preview.error} />}

      {plan ? (
        <section aria-label="Preview" className="space-y-3">
          <h3 className="font-semibold text-slate-900">
            Preview: {formatCount(plan.totals.credentials)} credential{plan.totals.credentials === 1 ? "" : "s"} in {formatCount(plan.totals.accounts)}{" "}
            account{plan.totals.accounts === 1 ? "" : "s"}
          </h3>
          <PlanTotals plan={plan} />
          <ExcludedAccounts excluded={plan.excluded} />
          <PlanTargetsTable targets={plan.targets} />
          <GuardDutyNotice />
          <RequestDetailsFields value={details} onChange={setDetails} options={options} />
          <ApiErrorMessage error={submit.error} />
        </section>
      ) : null}
    </Modal>
  );
}
