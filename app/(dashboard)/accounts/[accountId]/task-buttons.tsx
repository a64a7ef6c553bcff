"use client";
// The account page's privileged task buttons (rendered only for people holding tasks.request); each
// opens its request dialog. Password recovery is offered only when the latest scan shows no root
// credentials, as the AWS console does.
import { useState } from "react";
import { DeleteCredentialsDialog } from "@/components/delete-credentials-dialog";
import { BUTTON_SECONDARY } from "@/components/modal";
import type { TTaskRequestOptions } from "@/components/task-request-form";
import { PasswordRecoveryDialog } from "./password-recovery-dialog";
import { UnlockPolicyDialog } from "./unlock-policy-dialog";

type TOpen = null | "delete" | "recovery" | "s3" | "sqs";

export function TaskButtons({
  account,
  hasRootCredentials,
  options,
}: {
  account: { id: string; name: string };
  /** null: never scanned, so neither deletion nor recovery can be planned. */
  hasRootCredentials: boolean | null;
  options: TTaskRequestOptions;
}) {
  const [open, setOpen] = useState<TOpen>(null);
  const close = () => setOpen(null);
  const label = `${account.name} (${account.id})`;
  return (
    <div role="group" aria-label="Privileged tasks" className="flex flex-wrap items-center justify-end gap-2" data-testid="task-buttons">
      {hasRootCredentials ? (
        <button type="button" className={BUTTON_SECONDARY} onClick={() => setOpen("delete")}>
          Delete root credentials
        </button>
      ) : null}
      {hasRootCredentials === false ? (
        <button type="button" className={BUTTON_SECONDARY} onClick={() => setOpen("recovery")}>
          Allow password recovery
        </button>
      ) : null}
      <button type="button" className={BUTTON_SECONDARY} onClick={() => setOpen("s3")}>
        Unlock S3 bucket policy
      </button>
      <button type="button" className={BUTTON_SECONDARY} onClick={() => setOpen("sqs")}>
        Unlock SQS queue policy
      </button>
      {open === "delete" ? <DeleteCredentialsDialog scope={{ type: "ACCOUNT", accountId: account.id }} scopeLabel={label} options={options} onClose={close} /> : null}
      {open === "recovery" ? <PasswordRecoveryDialog account={account} options={options} onClose={close} /> : null}
      {open === "s3" || open === "sqs" ? <UnlockPolicyDialog service={open} account={account} options={options} onClose={close} /> : null}
    </div>
  );
}
