"use client";
// "Allow password recovery": CreateLoginProfile with no password, so the root e-mail's owner can
// reset it. The preview confirms the latest scan still shows no root credentials.
import { useEffect, useRef, useState } from "react";
import { ApiErrorMessage } from "@/components/api-error-message";
import { formatDateTime } from "@/components/format";
import { BUTTON_PRIMARY, BUTTON_SECONDARY, Modal } from "@/components/modal";
import {
  detailsReady,
  RequestDetailsFields,
  RescanAndRetry,
  staleAccountIds,
  usePreview,
  useSubmitTaskRequest,
  type TRequestDetails,
  type TTaskRequestOptions,
} from "@/components/task-request-form";

export function PasswordRecoveryDialog({ account, options, onClose }: { account: { id: string; name: string }; options: TTaskRequestOptions; onClose: () => void }) {
  const [details, setDetails] = useState<TRequestDetails>({ reason: "", ticket: "", breakGlass: false });
  const preview = usePreview();
  const submit = useSubmitTaskRequest();
  const scope = { type: "ACCOUNT" as const, accountId: account.id };
  const runPreview = () => preview.mutate({ taskType: "ALLOW_PASSWORD_RECOVERY", scope, params: {} });
  // The preview is one read of Postgres: build it as the dialog opens.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    runPreview();
  });
  const stale = staleAccountIds(preview.error);
  const target = preview.data?.targets[0];

  return (
    <Modal
      title="Allow password recovery"
      description={`In ${account.name} (${account.id}).`}
      onClose={onClose}
      size="md"
      testId="password-recovery-dialog"
      footer={
        <>
          <button type="button" className={BUTTON_SECONDARY} onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={BUTTON_PRIMARY}
            disabled={!preview.data || !detailsReady(details, options) || submit.isPending || submit.isSuccess}
            onClick={() => submit.mutate({ taskType: "ALLOW_PASSWORD_RECOVERY", scope, params: {}, details })}
          >
            {submit.isPending || submit.isSuccess ? "Submitting…" : "Submit request"}
          </button>
        </>
      }
    >
      <p>
        This creates a root login profile without a password, so the owner of the root e-mail address can reset the password with &quot;Forgot
        password&quot;. Nobody learns a password.
      </p>
      {preview.isPending ? <p className="text-slate-600">Checking the latest scan…</p> : null}
      {stale ? <RescanAndRetry accountIds={stale} onDone={runPreview} /> : <ApiErrorMessage error={preview.error} />}
      {target && target.preview.kind === "ALLOW_PASSWORD_RECOVERY" ? (
        <p data-testid="recovery-preview">The scan of {formatDateTime(target.preview.snapshotTakenAt)} shows no root credentials in this account.</p>
      ) : null}
      {preview.data ? <RequestDetailsFields value={details} onChange={setDetails} options={options} /> : null}
      <ApiErrorMessage error={submit.error} />
    </Modal>
  );
}
