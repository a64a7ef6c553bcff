"use client";
// A frozen plan as people check it before submitting or approving: totals first (accounts,
// credentials by kind, excluded accounts with reasons), then per account exactly what is removed and
// from which scan. Paged so a 10,000-account OU renders 50 rows at a time.
import { useState } from "react";
import { CREDENTIAL_KIND_LABELS, CREDENTIAL_KINDS } from "@/lib/tasks/catalogue";
import type { TExcludedAccount, TPlannedTarget, TTargetPreview } from "@/lib/tasks/plan";
import type { TSerialized } from "./fetch-json";
import { formatCount, formatDateTime } from "./format";
import { PolicyDiff, PolicyText } from "./policy-diff";
import type { TPlanJson } from "./task-request-form";

const PAGE = 50;

export function PlanTotals({ plan }: { plan: TPlanJson }) {
  if (plan.taskType !== "DELETE_ROOT_CREDENTIALS") return null;
  return (
    <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4" data-testid="plan-totals">
      <Total label="Accounts" value={plan.totals.accounts} />
      <Total label="Credentials" value={plan.totals.credentials} />
      {CREDENTIAL_KINDS.map((k) => (
        <Total key={k} label={capitalize(CREDENTIAL_KIND_LABELS[k])} value={plan.totals.byKind[k]} />
      ))}
      <Total label="Excluded accounts" value={plan.excluded.length} />
    </dl>
  );
}

function Total({ label, value }: { label: string; value: number }) {
  return (
    <div className="rounded border border-slate-200 px-2 py-1">
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums text-slate-900">{formatCount(value)}</dd>
    </div>
  );
}

export function ExcludedAccounts({ excluded }: { excluded: TSerialized<TExcludedAccount>[] }) {
  const [page, setPage] = useState(0);
  if (excluded.length === 0) return null;
  const rows = excluded.slice(page * PAGE, page * PAGE + PAGE);
  return (
    <details className="rounded border border-slate-200">
      <summary className="cursor-pointer px-3 py-1.5 font-medium text-slate-900">
        {formatCount(excluded.length)} account{excluded.length === 1 ? "" : "s"} left out, with the reason
      </summary>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Accounts left out of the request</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="px-3 py-1 font-medium">Account</th>
            <th scope="col" className="px-3 py-1 font-medium">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.accountId} className="border-t border-slate-100">
              <td className="whitespace-nowrap px-3 py-1">
                {e.accountName} <code className="text-xs text-slate-600">{e.accountId}</code>
              </td>
              <td className="px-3 py-1">{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={page} total={excluded.length} onPage={setPage} label="Excluded accounts pages" />
    </details>
  );
}

/** The per-account detail of a deletion (or password recovery) plan, paged on the client. */
export function PlanTargetsTable({ targets }: { targets: TSerialized<TPlannedTarget>[] }) {
  const [page, setPage] = useState(0);
  const rows = targets.slice(page * PAGE, page * PAGE + PAGE);
  return (
    <div className="rounded border border-slate-200" data-testid="plan-targets">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">What the request changes, per account</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="px-3 py-1 font-medium">Account</th>
            <th scope="col" className="px-3 py-1 font-medium">Changes</th>
            <th scope="col" className="px-3 py-1 font-medium">From scan</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={`${t.accountId}-${t.resourceName ?? ""}`} className="border-t border-slate-100 align-top">
              <td className="whitespace-nowrap px-3 py-1">
                <div>{t.accountName}</div>
                <code className="text-xs text-slate-600">{t.accountId}</code>
              </td>
              <td className="px-3 py-1">
                <PreviewSummary preview={t.preview as TTargetPreview} resourceName={t.resourceName} />
              </td>
              <td className="whitespace-nowrap px-3 py-1 text-xs text-slate-600">{previewTime(t.preview as TTargetPreview)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={page} total={targets.length} onPage={setPage} label="Plan pages" />
    </div>
  );
}

function previewTime(p: TTargetPreview): string {
  if (p.kind === "DELETE_ROOT_CREDENTIALS" || p.kind === "ALLOW_PASSWORD_RECOVERY") return formatDateTime(p.snapshotTakenAt);
  return `read ${formatDateTime(p.readAt)}`;
}

/** Exactly what one target changes: the credentials by id, or the policy action. */
export function PreviewSummary({ preview, resourceName }: { preview: TTargetPreview; resourceName: string | null }) {
  if (preview.kind === "DELETE_ROOT_CREDENTIALS") {
    const r = preview.remove;
    return (
      <ul className="space-y-0.5">
        {r.password ? <li>Console password</li> : null}
        {r.accessKeyIds.length > 0 ? (
          <li>
            Access keys: <Ids ids={r.accessKeyIds} />
          </li>
        ) : null}
        {r.certificateIds.length > 0 ? (
          <li>
            Signing certificates: <Ids ids={r.certificateIds} />
          </li>
        ) : null}
        {r.mfaDevices.length > 0 ? (
          <li>
            MFA devices:{" "}
            {r.mfaDevices.map((m, i) => (
              <span key={m.serialNumber}>
                {i > 0 ? ", " : ""}
                <code className="break-all text-xs">{m.serialNumber}</code> ({m.type}
                {m.type === "virtual" ? (preview.deleteVirtualMfa ? ", deactivated and deleted" : ", deactivated") : ", deactivated"})
              </span>
            ))}
          </li>
        ) : null}
      </ul>
    );
  }
  if (preview.kind === "ALLOW_PASSWORD_RECOVERY") return <span>Allow the root e-mail&apos;s owner to reset the password</span>;
  if (preview.kind === "ORG_SETUP") {
    const what = preview.step === "DELEGATED_ADMIN" ? `${preview.enable ? "Register" : "Deregister"} account ${preview.accountId ?? ""} as IAM's delegated administrator` : `${preview.enable ? "Enable" : "Disable"} ${resourceName ?? preview.step}`;
    return (
      <span>
        {what}
        {preview.warning ? <strong className="mt-1 block text-red-800">{preview.warning}</strong> : null}
      </span>
    );
  }
  return (
    <span>
      {preview.action === "DELETE" ? "Delete the policy of" : "Replace the policy of"} <code>{resourceName}</code>
    </span>
  );
}

function Ids({ ids }: { ids: string[] }) {
  return (
    <>
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 ? ", " : ""}
          <code className="text-xs">{id}</code>
        </span>
      ))}
    </>
  );
}

/** An unlock plan: the current policy as read in the root session and, for a replacement, the diff. */
export function UnlockPreview({ target }: { target: Pick<TSerialized<TPlannedTarget>, "accountId" | "accountName" | "resourceName"> & { preview: unknown } }) {
  const p = target.preview as TTargetPreview;
  if (p.kind !== "UNLOCK_S3_BUCKET_POLICY" && p.kind !== "UNLOCK_SQS_QUEUE_POLICY") return null;
  return (
    <div className="space-y-2" data-testid="unlock-preview">
      <p>
        {p.kind === "UNLOCK_S3_BUCKET_POLICY" ? "Bucket" : "Queue"} <code>{target.resourceName}</code> in {target.accountName} (
        <code>{target.accountId}</code>), policy read {formatDateTime(p.readAt)}.{" "}
        {p.currentDeniesEveryone ? <strong className="font-semibold text-red-800">The current policy denies everyone.</strong> : null}
      </p>
      {p.action === "DELETE" ? (
        <>
          <p className="font-medium text-slate-900">The policy below is deleted{p.kind === "UNLOCK_SQS_QUEUE_POLICY" ? " (set to empty)" : ""}.</p>
          <PolicyText policy={p.currentPolicy} label="Current policy" />
        </>
      ) : (
        <PolicyDiff before={p.currentPolicy} after={p.newPolicy} />
      )}
    </div>
  );
}

export function Pager({ page, total, onPage, label }: { page: number; total: number; onPage: (page: number) => void; label: string }) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  if (pages <= 1) return null;
  return (
    <nav aria-label={label} className="flex items-center gap-2 border-t border-slate-200 px-3 py-1.5 text-sm">
      <button type="button" className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span className="tabular-nums text-slate-600">
        {formatCount(page * PAGE + 1)}–{formatCount(Math.min(total, page * PAGE + PAGE))} of {formatCount(total)}
      </span>
      <button
        type="button"
        className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50"
        disabled={page >= pages - 1}
        onClick={() => onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
