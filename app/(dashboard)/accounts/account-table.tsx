"use client";
// One page of accounts: dense rows that link to the account, sortable headers (aria-sort), pagination
// controls and, for operators, row checkboxes. Data and sorting come from the server; this only
// renders and reports clicks.
import Link from "next/link";
import { Fragment } from "react";
import type { TSerialized } from "@/components/fetch-json";
import { formatCount, formatDateTime, formatRelative } from "@/components/format";
import { StatusBadge } from "@/components/status-badge";
import { getRule } from "@/lib/inventory/compliance";
import type { TListAccountsResult } from "@/lib/inventory/list-accounts";

type TResult = TSerialized<TListAccountsResult>;
type TSort = TResult["query"]["sort"];

const PAGE_SIZES = [25, 50, 100, 200];
const CHECKBOX = "h-4 w-4 cursor-pointer rounded border-slate-300 accent-slate-900 align-middle disabled:cursor-not-allowed";

/** Row selection on the current page; absent for users who cannot act on a selection. */
export type TTableSelection = {
  ids: ReadonlySet<string>;
  onChange: (ids: Set<string>) => void;
};

export function AccountTable({
  data,
  busy,
  selection,
  onSort,
  onPage,
  onPageSize,
}: {
  data: TResult;
  busy: boolean;
  selection?: TTableSelection;
  onSort: (sort: TSort) => void;
  onPage: (page: number) => void;
  onPageSize: (size: number) => void;
}) {
  const { query } = data;
  const header = (sort: TSort, label: string, className = "") => {
    const active = query.sort === sort;
    return (
      <th
        scope="col"
        aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : "none"}
        className={`whitespace-nowrap px-2 py-1.5 font-medium ${className}`}
      >
        <button type="button" onClick={() => onSort(sort)} className="inline-flex items-center gap-1 uppercase hover:text-slate-900">
          {label}
          <span aria-hidden="true" className={active ? "text-slate-900" : "text-slate-300"}>
            {active && query.dir === "desc" ? "▼" : "▲"}
          </span>
        </button>
      </th>
    );
  };
  const first = data.total === 0 ? 0 : (data.page - 1) * data.pageSize + 1;
  const last = Math.min(data.total, data.page * data.pageSize);
  const selectedOnPage = selection ? data.items.filter((a) => selection.ids.has(a.id)).length : 0;
  const allSelected = data.items.length > 0 && selectedOnPage === data.items.length;
  const toggle = (id: string, on: boolean) => {
    if (!selection) return;
    const next = new Set(selection.ids);
    if (on) next.add(id);
    else next.delete(id);
    selection.onChange(next);
  };

  return (
    <div className="rounded-md border border-slate-200 bg-white">
      <div className="overflow-x-auto">
        <table className={`w-full text-left text-sm ${busy ? "opacity-60" : ""}`} aria-busy={busy} data-testid="account-table">
          <caption className="sr-only">Accounts, {formatCount(data.total)} matching the filters</caption>
          <thead className="border-b border-slate-200 text-xs text-slate-500">
            <tr>
              {selection ? (
                <th scope="col" className="w-px py-1.5 pl-3 pr-1">
                  <input
                    type="checkbox"
                    aria-label={`Select all ${data.items.length} accounts on this page`}
                    checked={allSelected}
                    ref={(el) => {
                      if (el) el.indeterminate = selectedOnPage > 0 && !allSelected;
                    }}
                    disabled={busy || data.items.length === 0}
                    onChange={(e) => selection.onChange(e.target.checked ? new Set(data.items.map((a) => a.id)) : new Set())}
                    className={CHECKBOX}
                  />
                </th>
              ) : null}
              {header("name", "Account")}
              {header("status", "Status")}
              {header("failing", "Failing rules")}
              <th scope="col" className="px-2 py-1.5 font-medium uppercase">
                Root credentials
              </th>
              {header("ou", "OU")}
              {header("lastScannedAt", "Last scan")}
            </tr>
          </thead>
          <tbody>
            {data.items.length === 0 ? (
              <tr>
                <td colSpan={selection ? 7 : 6} className="px-3 py-6 text-center text-slate-600">
                  No accounts match these filters.
                </td>
              </tr>
            ) : null}
            {data.items.map((a) => (
              <tr
                key={a.id}
                className={`border-t border-slate-100 ${selection?.ids.has(a.id) ? "bg-blue-50 hover:bg-blue-100/70" : "hover:bg-slate-50"}`}
                data-account-id={a.id}
              >
                {selection ? (
                  <td className="w-px py-1 pl-3 pr-1">
                    <input
                      type="checkbox"
                      aria-label={`Select ${a.name} (${a.id})`}
                      checked={selection.ids.has(a.id)}
                      disabled={busy}
                      onChange={(e) => toggle(a.id, e.target.checked)}
                      className={CHECKBOX}
                    />
                  </td>
                ) : null}
                <td className="px-2 py-1">
                  <Link href={`/accounts/${a.id}`} className="whitespace-nowrap font-medium text-blue-700 hover:underline">
                    {a.name}
                  </Link>
                  <div className="font-mono text-[11px] text-slate-600">
                    {a.id}
                    {a.isManagement ? " · management" : ""}
                    {a.state !== "ACTIVE" ? ` · ${a.state.toLowerCase()}` : ""}
                  </div>
                </td>
                <td className="px-2 py-1">
                  <StatusBadge
                    status={a.status}
                    title={a.status !== a.scannedStatus ? `Last scan said ${a.scannedStatus}; older than ${data.freshnessHours} h` : undefined}
                  />
                </td>
                <td className="px-2 py-1">
                  <RuleChips rules={a.failingRules} />
                </td>
                <td className="px-2 py-1">
                  <Credentials row={a} />
                </td>
                <td className="max-w-[18rem] break-words px-2 py-1 text-xs text-slate-600" title={a.ouId ?? undefined}>
                  {a.ouPath ? <OuPath path={a.ouPath} /> : "—"}
                </td>
                <td className="whitespace-nowrap px-2 py-1 text-slate-600" title={formatDateTime(a.lastScannedAt)}>
                  {formatRelative(a.lastScannedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pagination" className="flex flex-wrap items-center gap-3 border-t border-slate-200 px-3 py-2 text-sm">
        <span className="tabular-nums text-slate-600" data-testid="result-range">
          {formatCount(first)}–{formatCount(last)} of {formatCount(data.total)}
        </span>
        <label className="flex items-center gap-1 text-slate-600">
          Rows
          <select
            value={data.pageSize}
            onChange={(e) => onPageSize(Number(e.target.value))}
            className="rounded border border-slate-300 bg-white px-1 py-0.5"
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span className="ml-auto flex items-center gap-1">
          <PageButton label="First page" disabled={data.page <= 1} onClick={() => onPage(1)}>
            «
          </PageButton>
          <PageButton label="Previous page" disabled={data.page <= 1} onClick={() => onPage(data.page - 1)}>
            ‹ Previous
          </PageButton>
          <span className="px-2 tabular-nums">
            Page {data.page} of {Math.max(1, data.pageCount)}
          </span>
          <PageButton label="Next page" disabled={data.page >= data.pageCount} onClick={() => onPage(data.page + 1)}>
            Next ›
          </PageButton>
          <PageButton label="Last page" disabled={data.page >= data.pageCount} onClick={() => onPage(data.pageCount)}>
            »
          </PageButton>
        </span>
      </nav>
    </div>
  );
}

function PageButton({ label, disabled, onClick, children }: { label: string; disabled: boolean; onClick: () => void; children: string }) {
  return (
    <button
      type="button"
      aria-label={label}
      disabled={disabled}
      onClick={onClick}
      className="rounded border border-slate-300 bg-white px-2 py-0.5 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-40"
    >
      {children}
    </button>
  );
}

function RuleChips({ rules }: { rules: string[] }) {
  if (rules.length === 0) return <span className="text-slate-600">—</span>;
  const shown = rules.slice(0, 2);
  return (
    <span className="flex flex-wrap gap-1">
      {shown.map((id) => (
        <span key={id} title={getRule(id)?.title ?? id} className="rounded bg-red-50 px-1 text-[11px] text-red-900 ring-1 ring-red-200">
          {id.replace(/^account\./, "")}
        </span>
      ))}
      {rules.length > shown.length ? (
        <span className="text-[11px] text-slate-600" title={rules.slice(2).join(", ")}>
          +{rules.length - shown.length}
        </span>
      ) : null}
    </span>
  );
}

function Credentials({ row }: { row: TResult["items"][number] }) {
  if (row.passwordPresent === null) return <span className="text-slate-600">not read yet</span>;
  const item = (label: string, present: boolean, text: string) => (
    <span className={present ? "font-medium text-red-800" : "text-slate-600"}>
      {label} {text}
    </span>
  );
  return (
    <span className="flex gap-2 whitespace-nowrap text-xs">
      {item("Password", row.passwordPresent, row.passwordPresent ? "yes" : "no")}
      {item("Keys", (row.accessKeyCount ?? 0) > 0, String(row.accessKeyCount ?? 0))}
      {item("Certs", (row.certificateCount ?? 0) > 0, String(row.certificateCount ?? 0))}
      <span className="text-slate-600">MFA {row.mfaCount ?? 0}</span>
    </span>
  );
}

// Long OU paths wrap after a slash (never inside a name) when the table runs out of width.
function OuPath({ path }: { path: string }) {
  return path.split("/").map((part, i) => (
    <Fragment key={i}>
      {i > 0 ? (
        <>
          /<wbr />
        </>
      ) : null}
      {part}
    </Fragment>
  ));
}
