"use client";
// "Unlock S3 bucket policy" / "Unlock SQS queue policy": pick the bucket or queue (listed on demand
// in an audited, List/Get-only root session, those denying everyone marked) or type its name; delete
// the policy or replace it; the preview shows the policy read now and, for a replacement, the diff.
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ApiErrorMessage } from "@/components/api-error-message";
import { fetchJson } from "@/components/fetch-json";
import { formatCount } from "@/components/format";
import { BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Modal } from "@/components/modal";
import { UnlockPreview } from "@/components/plan-preview";
import {
  detailsReady,
  RequestDetailsFields,
  usePreview,
  useSubmitTaskRequest,
  type TRequestDetails,
  type TTaskRequestOptions,
} from "@/components/task-request-form";
import type { TTaskResource } from "@/lib/tasks/resources";

const POLICY_MAX_BYTES = 20 * 1024;

export function UnlockPolicyDialog({
  service,
  account,
  options,
  onClose,
}: {
  service: "s3" | "sqs";
  account: { id: string; name: string };
  options: TTaskRequestOptions;
  onClose: () => void;
}) {
  const s3 = service === "s3";
  const noun = s3 ? "bucket" : "queue";
  const taskType = s3 ? "UNLOCK_S3_BUCKET_POLICY" : "UNLOCK_SQS_QUEUE_POLICY";
  const [name, setName] = useState("");
  const [action, setAction] = useState<"DELETE" | "REPLACE">("DELETE");
  const [policy, setPolicy] = useState("");
  const [details, setDetails] = useState<TRequestDetails>({ reason: "", ticket: "", breakGlass: false });
  const nameId = useId();
  const policyId = useId();
  const policyHelpId = useId();
  const list = useMutation({
    mutationFn: () => fetchJson<{ resources: TTaskResource[]; truncated: boolean }>(`/api/accounts/${account.id}/resources?service=${service}`),
  });
  const preview = usePreview();
  const submit = useSubmitTaskRequest();
  const params = { [s3 ? "bucket" : "queueName"]: name.trim(), action, ...(action === "REPLACE" ? { policy } : {}) };
  const scope = { type: "ACCOUNT" as const, accountId: account.id };
  const target = preview.data?.targets[0];
  const policyBytes = new TextEncoder().encode(policy).length;
  const changed = () => preview.reset();
  const canPreview = name.trim() !== "" && (action === "DELETE" || (policy.trim() !== "" && policyBytes <= POLICY_MAX_BYTES));

  return (
    <Modal
      title={s3 ? "Unlock S3 bucket policy" : "Unlock SQS queue policy"}
      description={`In ${account.name} (${account.id}).`}
      onClose={onClose}
      size="xl"
      testId="unlock-policy-dialog"
      footer={
        <>
          <button type="button" className={BUTTON_SECONDARY} onClick={onClose}>
            Cancel
          </button>
          {preview.data ? (
            <button
              type="button"
              className={BUTTON_DANGER}
              disabled={!detailsReady(details, options) || submit.isPending || submit.isSuccess}
              onClick={() => submit.mutate({ taskType, scope, params, details })}
            >
              {submit.isPending || submit.isSuccess ? "Submitting…" : details.breakGlass ? "Run now (break-glass)" : "Submit request"}
            </button>
          ) : (
            <button type="button" className={BUTTON_PRIMARY} disabled={!canPreview || preview.isPending} onClick={() => preview.mutate({ taskType, scope, params })}>
              {preview.isPending ? "Reading the current policy…" : "Preview"}
            </button>
          )}
        </>
      }
    >
      <section aria-label={`Choose the ${noun}`} className="space-y-2">
        <div className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor={nameId} className="block font-medium text-slate-900">
              {s3 ? "Bucket name" : "Queue name"}
            </label>
            <input
              id={nameId}
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                changed();
              }}
              className="mt-1 w-80 rounded border border-slate-300 px-2 py-1 font-mono text-xs"
              spellCheck={false}
              autoComplete="off"
            />
          </div>
          <button type="button" className={BUTTON_SECONDARY} disabled={list.isPending} onClick={() => list.mutate()}>
            {list.isPending ? `Listing ${noun}s…` : s3 ? "List buckets" : "List queues"}
          </button>
        </div>
        <p className="text-xs text-slate-600">
          Listing opens a short root session ({s3 ? "S3UnlockBucketPolicy" : "SQSUnlockQueuePolicy"}, List and Get calls only), which is recorded
          in the audit trail. You can also type the name.
        </p>
        <ApiErrorMessage error={list.error} />
        {list.data ? (
          <ResourceList
            noun={noun}
            resources={list.data.resources}
            truncated={list.data.truncated}
            selected={name.trim()}
            onSelect={(r) => {
              setName(r.name);
              if (r.policy && policy === "") setPolicy(r.policy);
              changed();
            }}
          />
        ) : null}
      </section>

      <fieldset>
        <legend className="font-medium text-slate-900">Action</legend>
        <div className="mt-1 flex flex-wrap gap-x-4">
          <label className="flex items-center gap-1.5">
            <input
              type="radio"
              name="unlock-action"
              checked={action === "DELETE"}
              onChange={() => {
                setAction("DELETE");
                changed();
              }}
            />
            Delete the policy
          </label>
          <label className="flex items-center gap-1.5">
            <input
              type="radio"
              name="unlock-action"
              checked={action === "REPLACE"}
              onChange={() => {
                setAction("REPLACE");
                changed();
              }}
            />
            Replace it with a new policy
          </label>
        </div>
      </fieldset>
      {action === "REPLACE" ? (
        <div>
          <label htmlFor={policyId} className="block font-medium text-slate-900">
            New policy (JSON)
          </label>
          <textarea
            id={policyId}
            aria-describedby={policyHelpId}
            rows={10}
            value={policy}
            onChange={(e) => {
              setPolicy(e.target.value);
              changed();
            }}
            spellCheck={false}
            className="mt-1 w-full rounded border border-slate-300 px-2 py-1 font-mono text-xs"
          />
          <p id={policyHelpId} className={`text-xs ${policyBytes > POLICY_MAX_BYTES ? "text-red-700" : "text-slate-500"}`}>
            A policy document with Version and Statement, at most 20 KB ({formatCount(policyBytes)} bytes now). A policy that still denies every
            principal is refused.
          </p>
        </div>
      ) : null}

      <ApiErrorMessage error={preview.error} />
      {target ? (
        <section aria-label="Preview" className="space-y-3">
          <h3 className="font-semibold text-slate-900">Preview</h3>
          <UnlockPreview target={target} />
          <RequestDetailsFields value={details} onChange={setDetails} options={options} />
          <ApiErrorMessage error={submit.error} />
        </section>
      ) : null}
    </Modal>
  );
}

function ResourceList({
  noun,
  resources,
  truncated,
  selected,
  onSelect,
}: {
  noun: string;
  resources: TTaskResource[];
  truncated: boolean;
  selected: string;
  onSelect: (r: TTaskResource) => void;
}) {
  if (resources.length === 0) return <p className="text-slate-600">The account has no {noun}s.</p>;
  const locked = resources.filter((r) => r.deniesEveryone).length;
  return (
    <fieldset className="rounded border border-slate-200" data-testid="resource-list">
      <legend className="sr-only">{`${noun[0]!.toUpperCase()}${noun.slice(1)}s`}</legend>
      <p className="border-b border-slate-200 px-3 py-1 text-xs text-slate-600">
        {formatCount(resources.length)} {noun}s{truncated ? " (the first ones only: type the name of another)" : ""}; {formatCount(locked)} with a policy
        that denies everyone.
      </p>
      <ul className="max-h-56 overflow-y-auto">
        {resources.map((r) => (
          <li key={r.name} className="border-t border-slate-100 first:border-t-0">
            <label className="flex items-center gap-2 px-3 py-1 hover:bg-slate-50">
              <input type="radio" name="unlock-resource" checked={selected === r.name} onChange={() => onSelect(r)} />
              <code className="text-xs">{r.name}</code>
              {r.deniesEveryone ? (
                <span className="rounded bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-800 ring-1 ring-inset ring-red-600/30">
                  <span aria-hidden="true">✕ </span>Denies everyone
                </span>
              ) : r.hasPolicy ? (
                <span className="text-xs text-slate-600">has a policy</span>
              ) : (
                <span className="text-xs text-slate-500">no policy</span>
              )}
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
