"use client";
// Starts a scan (org, OU subtree or accounts) through POST /api/scans. Pages render it only for
// actors holding scans.start; the API checks again. The started scan is handed to <ScanProgress>.
// Org and OU scans are confirmed first: each audit opens a root session, which GuardDuty can report.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TOuTree } from "@/lib/inventory/get-ou-tree";
import type { TScanScope } from "@/lib/inventory/start-scan";
import type { TScanView } from "@/lib/inventory/list-scans";
import { ConfirmDialog } from "./confirm-dialog";
import { fetchJson, type TSerialized } from "./fetch-json";
import { formatCount } from "./format";

export type TScanViewJson = TSerialized<TScanView>;

/** Query key under which scans started from this browser tab are remembered for the progress panel. */
export const STARTED_SCANS_KEY = ["scans", "started"] as const;

export function ScanButton({
  scope,
  label,
  className,
  disabled = false,
  onStarted,
}: {
  scope: TScanScope;
  label: string;
  className?: string;
  disabled?: boolean;
  onStarted?: (scan: TScanViewJson) => void;
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const mutation = useMutation({
    // `confirmed`: the person accepted the dialog; the server refuses org and OU scans without it.
    mutationFn: (confirmed: boolean) =>
      fetchJson<{ scan: TScanViewJson }>("/api/scans", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(confirmed ? { scope, confirm: true } : { scope }),
      }),
    onSuccess: ({ scan }) => {
      queryClient.setQueryData<TScanViewJson[]>(STARTED_SCANS_KEY, (old = []) => [...old.filter((s) => s.id !== scan.id), scan]);
      void queryClient.invalidateQueries({ queryKey: ["scans", "active"] });
      onStarted?.(scan);
    },
  });
  // An explicit list of accounts is what the operator just chose; only org and OU scopes can be
  // larger than they look.
  const needsConfirm = scope.type !== "ACCOUNTS";

  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        onClick={() => {
          if (disabled || mutation.isPending) return;
          if (needsConfirm) setConfirming(true);
          else mutation.mutate(false);
        }}
        // aria-disabled rather than disabled: the button keeps focus while the scan starts and when
        // the dialog hands focus back.
        aria-disabled={disabled || mutation.isPending}
        data-testid="scan-button"
        className={
          className ??
          "inline-flex items-center gap-1.5 rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 aria-disabled:cursor-wait aria-disabled:opacity-60"
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
      {needsConfirm && confirming ? (
        <ConfirmScanDialog
          scope={scope}
          onConfirm={() => {
            setConfirming(false);
            mutation.mutate(true);
          }}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </span>
  );
}

function ConfirmScanDialog({
  scope,
  onConfirm,
  onCancel,
}: {
  scope: Exclude<TScanScope, { type: "ACCOUNTS" }>;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  // The same query as the accounts page's OU tree, so there the counts are already in the cache.
  const tree = useQuery({
    queryKey: ["ous"],
    queryFn: () => fetchJson<TSerialized<TOuTree>>("/api/ous"),
  });
  const nodeId = scope.type === "OU" ? scope.ouId : tree.data?.rootId;
  const node = tree.data?.nodes.find((n) => n.id === nodeId);
  const where = scope.type === "ORG" ? "the whole organization" : node ? `OU ${node.path}` : `OU ${scope.ouId}`;
  const count = node ? node.subtree.total : null;

  return (
    <ConfirmDialog
      title={`Scan ${where}?`}
      confirmLabel={count === null ? "Start scan" : `Scan ${accountsText(count)}`}
      confirmDisabled={tree.isPending}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        {count !== null ? (
          <>
            This audits the root user of <strong className="font-semibold text-slate-900">{accountsText(count)}</strong>.
          </>
        ) : tree.isPending ? (
          "Counting the accounts in scope…"
        ) : (
          <>This audits the root user of every account in {where} (the number could not be read: {tree.error?.message}).</>
        )}{" "}
        The management account and accounts that are not active are skipped.
      </p>
      <div className="space-y-1 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950">
        <p>
          Each audit opens a short root session in the member account (<code className="text-xs">sts:AssumeRoot</code> with
          the task policy <code className="text-xs">IAMAuditRootUserCredentials</code>). GuardDuty can report it as{" "}
          <code className="text-xs">Policy:IAMUser/RootCredentialUsage</code> (severity Low) in those accounts.
        </p>
        <p className="font-medium">Tell your security team before large scans.</p>
      </div>
    </ConfirmDialog>
  );
}

function accountsText(n: number): string {
  return `${formatCount(n)} ${n === 1 ? "account" : "accounts"}`;
}
