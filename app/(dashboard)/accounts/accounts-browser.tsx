"use client";
// The accounts page's interactive part: OU tree + filters + table, all state in the URL's search
// params (deep-linkable, back button works) and data from the API through TanStack Query. Operators
// can also select rows of the current page and scan just those; requesters can ask to delete the
// root credentials of the selection or of the OU in view.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import { formatCount } from "@/components/format";
import { DeleteCredentialsDialog } from "@/components/delete-credentials-dialog";
import { ScanButton } from "@/components/scan-button";
import type { TTaskRequestOptions } from "@/components/task-request-form";
import { ScanProgress } from "@/components/scan-progress";
import { STATUS_LABELS } from "@/components/status-badge";
import { RULES } from "@/lib/inventory/compliance";
import type { TOuTree } from "@/lib/inventory/get-ou-tree";
import type { TListAccountsResult } from "@/lib/inventory/list-accounts";
import type { TTaskScope } from "@/lib/tasks/plan";
import { AccountTable } from "./account-table";
import { canonicalListKey } from "./list-key";
import { OuTree } from "./ou-tree";

type TList = TSerialized<TListAccountsResult>;
type TTree = TSerialized<TOuTree>;

const STATUS_FILTERS = ["NON_COMPLIANT", "ERROR", "UNKNOWN", "COMPLIANT", "NOT_APPLICABLE"] as const;
const ACCOUNT_RULES = RULES.filter((r) => r.scope === "account");
const SELECTION_SCAN_BUTTON =
  "inline-flex items-center gap-1.5 rounded border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100 aria-disabled:cursor-not-allowed aria-disabled:opacity-50";

export function AccountsBrowser({
  initialList,
  initialListKey,
  initialTree,
  canScan,
  canExport,
  taskOptions,
}: {
  initialList: TList | null;
  initialListKey: string;
  initialTree: TTree;
  canScan: boolean;
  canExport: boolean;
  /** null: the user may not request tasks. */
  taskOptions: TTaskRequestOptions | null;
}) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const listKey = canonicalListKey(searchParams);
  const ouId = searchParams.get("ouId");
  const statuses = (searchParams.get("status") ?? "").split(",").filter(Boolean);
  const rule = searchParams.get("rule") ?? "";

  const tree = useQuery({
    queryKey: ["ous"],
    queryFn: () => fetchJson<TTree>("/api/ous"),
    initialData: initialTree,
  });
  const list = useQuery({
    queryKey: ["accounts", listKey],
    queryFn: () => fetchJson<TList>(`/api/accounts?${listKey}`),
    initialData: listKey === initialListKey && initialList ? initialList : undefined,
    placeholderData: keepPreviousData,
  });

  // Search-param changes go through history.pushState: Next's router picks them up without a server round trip.
  const update = (changes: Record<string, string | null>, options: { replace?: boolean; keepPage?: boolean } = {}) => {
    const next = new URLSearchParams(searchParams.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (!options.keepPage) next.delete("page");
    const url = `${pathname}${next.size > 0 ? `?${next.toString()}` : ""}`;
    if (options.replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
  };

  // Text search: typed locally, written to the URL after a pause.
  const urlQ = searchParams.get("q") ?? "";
  const [q, setQ] = useState(urlQ);
  const [lastUrlQ, setLastUrlQ] = useState(urlQ);
  if (urlQ !== lastUrlQ) {
    setLastUrlQ(urlQ);
    setQ(urlQ);
  }
  useEffect(() => {
    if (q === urlQ) return;
    const t = setTimeout(() => update({ q: q.trim() || null }, { replace: true }), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the typed text should restart the timer
  }, [q]);

  const nodes = useMemo(() => new Map(tree.data.nodes.map((n) => [n.id, n])), [tree.data.nodes]);
  const selected = ouId ? nodes.get(ouId) : tree.data.rootId ? nodes.get(tree.data.rootId) : undefined;
  const scopeLabel = ouId && selected ? selected.path : "Whole organization";

  // A selection belongs to one page of one query: new filters, sort or page clear it. So it never
  // exceeds the largest page size (200), far below the 20,000 accounts one scan request accepts.
  const [picked, setPicked] = useState<{ key: string; ids: Set<string> }>(() => ({ key: listKey, ids: new Set() }));
  if (picked.key !== listKey) setPicked({ key: listKey, ids: new Set() });
  const setPickedIds = (ids: Set<string>) => setPicked({ key: listKey, ids });

  const canSelect = canScan || taskOptions !== null;
  const [deleting, setDeleting] = useState<null | { scope: TTaskScope; label: string }>(null);

  const toggleStatus = (s: string) => {
    const next = statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s];
    update({ status: next.join(",") || null });
  };

  return (
    <div className="grid gap-4 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <aside aria-label="OU tree" className="rounded-md border border-slate-200 bg-white p-2 lg:sticky lg:top-16 lg:max-h-[calc(100vh-5rem)] lg:overflow-auto">
        <OuTree tree={tree.data} selectedId={ouId} onSelect={(id) => update({ ouId: id })} />
      </aside>

      <div className="min-w-0 space-y-3">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
          <h1 className="text-xl font-semibold tracking-tight">Accounts</h1>
          <span className="text-sm text-slate-600" data-testid="scope-label">
            in <strong className="font-medium text-slate-900">{scopeLabel}</strong>
            {selected ? (
              <>
                {" "}
                · {formatCount(selected.subtree.total)} accounts, {formatCount(selected.subtree.NON_COMPLIANT)} non-compliant
              </>
            ) : null}
          </span>
          {canExport ? <ExportThisView searchParams={searchParams} /> : null}
          {taskOptions ? (
            <button
              type="button"
              className={`${SELECTION_SCAN_BUTTON} ${canExport ? "" : "ml-auto"}`}
              onClick={() => {
                const id = ouId ?? tree.data.rootId;
                if (id) setDeleting({ scope: { type: "OU", ouId: id }, label: ouId && selected ? `OU ${selected.path}` : "the whole organization" });
              }}
            >
              {ouId ? "Delete root credentials in this OU" : "Delete root credentials in the organization"}
            </button>
          ) : null}
          {canScan ? (
            <span className={canExport || taskOptions ? "" : "ml-auto"}>
              <ScanButton
                key={ouId ?? "org"}
                scope={ouId ? { type: "OU", ouId } : { type: "ORG" }}
                label={ouId ? "Scan this OU" : "Scan organization"}
              />
            </span>
          ) : null}
        </div>

        <ScanProgress scope={ouId ? { type: "ou", ouId } : { type: "org" }} canCancel={canScan} />

        <form
          role="search"
          aria-label="Filter accounts"
          onSubmit={(e) => e.preventDefault()}
          className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-2"
        >
          <label className="flex items-center gap-1 text-sm">
            <span className="sr-only">Search accounts</span>
            <input
              type="search"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder="Name, account id or email"
              className="w-60 rounded border border-slate-300 px-2 py-1"
            />
          </label>
          <fieldset className="flex flex-wrap items-center gap-1">
            <legend className="sr-only">Status</legend>
            {STATUS_FILTERS.map((s) => {
              const on = statuses.includes(s);
              return (
                <button
                  key={s}
                  type="button"
                  aria-pressed={on}
                  onClick={() => toggleStatus(s)}
                  className={`rounded-full border px-2 py-0.5 text-xs ${
                    on ? "border-slate-900 bg-slate-900 text-white" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-100"
                  }`}
                >
                  {on ? <span aria-hidden="true">✓ </span> : null}
                  {STATUS_LABELS[s]}
                </button>
              );
            })}
          </fieldset>
          <label className="flex items-center gap-1 text-sm">
            <span className="text-slate-600">Failing rule</span>
            <select
              value={rule}
              onChange={(e) => update({ rule: e.target.value || null })}
              className="max-w-[16rem] rounded border border-slate-300 bg-white px-1 py-1 text-sm"
            >
              <option value="">Any</option>
              {ACCOUNT_RULES.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.title}
                </option>
              ))}
            </select>
          </label>
          {statuses.length > 0 || rule || urlQ ? (
            <button
              type="button"
              onClick={() => {
                setQ("");
                update({ status: null, rule: null, q: null });
              }}
              className="text-sm text-blue-700 underline"
            >
              Clear filters
            </button>
          ) : null}
        </form>

        {list.isError ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
            {list.error.message}
          </p>
        ) : null}
        {canSelect && list.data ? (
          <div
            role="region"
            aria-label="Selected accounts"
            className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-slate-200 bg-white px-3 py-1.5 text-sm"
          >
            <span aria-live="polite" className="text-slate-600" data-testid="selection-count">
              {picked.ids.size === 0
                ? canScan
                  ? "Select accounts on this page to scan just those."
                  : "Select accounts on this page to act on just those."
                : `${formatCount(picked.ids.size)} of ${formatCount(list.data.items.length)} on this page selected`}
            </span>
            {picked.ids.size > 0 ? (
              <button type="button" onClick={() => setPickedIds(new Set())} className="text-blue-700 underline">
                Clear selection
              </button>
            ) : null}
            <span className="ml-auto flex flex-wrap gap-2">
              {taskOptions ? (
                <button
                  type="button"
                  className={SELECTION_SCAN_BUTTON}
                  aria-disabled={picked.ids.size === 0}
                  onClick={() => {
                    if (picked.ids.size === 0) return;
                    setDeleting({ scope: { type: "ACCOUNTS", accountIds: [...picked.ids] }, label: `${formatCount(picked.ids.size)} selected account${picked.ids.size === 1 ? "" : "s"}` });
                  }}
                >
                  Delete root credentials ({formatCount(picked.ids.size)})
                </button>
              ) : null}
              {canScan ? (
                <ScanButton
                  scope={{ type: "ACCOUNTS", accountIds: [...picked.ids] }}
                  label={`Scan selected (${formatCount(picked.ids.size)})`}
                  disabled={picked.ids.size === 0}
                  onStarted={() => setPickedIds(new Set())}
                  className={SELECTION_SCAN_BUTTON}
                />
              ) : null}
            </span>
          </div>
        ) : null}
        {list.data ? (
          <AccountTable
            data={list.data}
            busy={list.isFetching && list.isPlaceholderData}
            selection={canSelect ? { ids: picked.ids, onChange: setPickedIds } : undefined}
            onSort={(sort) =>
              update({ sort, dir: list.data.query.sort === sort && list.data.query.dir === "asc" ? "desc" : "asc" })
            }
            onPage={(page) => update({ page: String(page) }, { keepPage: true })}
            onPageSize={(size) => update({ pageSize: String(size) })}
          />
        ) : list.isPending ? (
          <p className="text-sm text-slate-500">Loading accounts…</p>
        ) : null}
      </div>
      {deleting && taskOptions ? (
        <DeleteCredentialsDialog scope={deleting.scope} scopeLabel={deleting.label} options={taskOptions} onClose={() => setDeleting(null)} />
      ) : null}
    </div>
  );
}

const EXPORT_LINK =
  "inline-flex items-center rounded border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100";

/** "Export this view": the compliance report with the URL's filters (not its sort or page). */
function ExportThisView({ searchParams }: { searchParams: URLSearchParams }) {
  const filters = new URLSearchParams();
  for (const key of ["status", "rule", "ouId", "q"]) {
    const value = searchParams.get(key);
    if (value) filters.set(key, value);
  }
  const href = (format: "csv" | "pdf") => `/api/reports/compliance?format=${format}${filters.size > 0 ? `&${filters.toString()}` : ""}`;
  return (
    <span className="ml-auto flex items-center gap-2" role="group" aria-label="Export this view">
      <span className="text-sm text-slate-600">Export this view:</span>
      <a href={href("csv")} download className={EXPORT_LINK} data-testid="export-csv">
        CSV
      </a>
      <a href={href("pdf")} download className={EXPORT_LINK} data-testid="export-pdf">
        PDF
      </a>
    </span>
  );
}
