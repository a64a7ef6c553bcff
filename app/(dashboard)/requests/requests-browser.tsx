"use client";
// The Requests list: Mine / All tabs and filters in the URL, a dense table, and paging by cursor
// (the request number), through GET /api/requests.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useState } from "react";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import { RequestTable } from "@/components/request-table";
import { REQUEST_STATUSES, STATUS_LABELS, TASK_TYPES, TASKS } from "@/lib/tasks/catalogue";
import type { TRequestSummary } from "@/lib/tasks/list";
import { requestListKey } from "./list-key";

type TList = { requests: TSerialized<TRequestSummary>[]; nextCursor: string | null };

export function RequestsBrowser({
  initialList,
  initialKey,
  requesters,
  canRequest,
}: {
  initialList: TList | null;
  initialKey: string;
  requesters: { id: string; label: string }[];
  canRequest: boolean;
}) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const key = requestListKey(searchParams);
  const mine = searchParams.get("mine") === "1";
  const list = useQuery({
    queryKey: ["requests", "list", key],
    queryFn: () => fetchJson<TList>(`/api/requests?${key}`),
    initialData: key === initialKey && initialList ? initialList : undefined,
    placeholderData: keepPreviousData,
  });

  const href = (changes: Record<string, string | null>, keepCursor = false) => {
    const next = new URLSearchParams(key);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (!keepCursor) next.delete("cursor");
    return `${pathname}${next.size > 0 ? `?${next.toString()}` : ""}`;
  };
  const update = (changes: Record<string, string | null>) => window.history.pushState(null, "", href(changes));

  const urlAccount = searchParams.get("accountId") ?? "";
  const [account, setAccount] = useState(urlAccount);
  const [lastUrlAccount, setLastUrlAccount] = useState(urlAccount);
  if (urlAccount !== lastUrlAccount) {
    setLastUrlAccount(urlAccount);
    setAccount(urlAccount);
  }
  const accountValid = account === "" || /^\d{12}$/.test(account);
  const filtered = ["status", "taskType", "accountId", "requester"].some((k) => searchParams.get(k));

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold tracking-tight">Requests</h1>
        <nav aria-label="Whose requests" className="flex gap-1 rounded-md border border-slate-200 bg-white p-0.5 text-sm">
          <Link href={href({ mine: null })} aria-current={!mine ? "page" : undefined} className={tabClass(!mine)}>
            All
          </Link>
          {canRequest || mine ? (
            <Link href={href({ mine: "1", requester: null })} aria-current={mine ? "page" : undefined} className={tabClass(mine)}>
              Mine
            </Link>
          ) : null}
        </nav>
      </div>

      <form
        role="search"
        aria-label="Filter requests"
        onSubmit={(e) => {
          e.preventDefault();
          if (accountValid) update({ accountId: account || null });
        }}
        className="flex flex-wrap items-center gap-3 rounded-md border border-slate-200 bg-white px-3 py-2 text-sm"
      >
        <label className="flex items-center gap-1">
          <span className="text-slate-600">Status</span>
          <select value={searchParams.get("status") ?? ""} onChange={(e) => update({ status: e.target.value || null })} className="rounded border border-slate-300 bg-white px-1 py-1">
            <option value="">Any</option>
            <option value="OPEN">Open (pending, approved, running)</option>
            {REQUEST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-1">
          <span className="text-slate-600">Task</span>
          <select value={searchParams.get("taskType") ?? ""} onChange={(e) => update({ taskType: e.target.value || null })} className="rounded border border-slate-300 bg-white px-1 py-1">
            <option value="">Any</option>
            {TASK_TYPES.map((t) => (
              <option key={t} value={t}>
                {TASKS[t].label}
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-1">
          <span className="text-slate-600">Account</span>
          <input
            value={account}
            onChange={(e) => setAccount(e.target.value.trim())}
            onBlur={() => accountValid && account !== urlAccount && update({ accountId: account || null })}
            inputMode="numeric"
            placeholder="12-digit id"
            aria-invalid={!accountValid || undefined}
            className="w-36 rounded border border-slate-300 px-2 py-1"
          />
        </label>
        {!mine ? (
          <label className="flex items-center gap-1">
            <span className="text-slate-600">Requester</span>
            <select value={searchParams.get("requester") ?? ""} onChange={(e) => update({ requester: e.target.value || null })} className="rounded border border-slate-300 bg-white px-1 py-1">
              <option value="">Anyone</option>
              {requesters.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {filtered ? (
          <Link href={href({ status: null, taskType: null, accountId: null, requester: null })} className="text-blue-700 underline">
            Clear filters
          </Link>
        ) : null}
        {!accountValid ? <span className="text-red-700">An account id has 12 digits.</span> : null}
      </form>

      {list.isError ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          {list.error.message}
        </p>
      ) : null}
      {list.data ? (
        <RequestTable requests={list.data.requests} busy={list.isFetching && list.isPlaceholderData} caption="Requests, newest first" />
      ) : list.isPending ? (
        <p className="text-sm text-slate-500">Loading requests…</p>
      ) : null}
      {list.data && (searchParams.get("cursor") || list.data.nextCursor) ? (
        <nav aria-label="Pages" className="flex gap-3 text-sm">
          {searchParams.get("cursor") ? (
            <Link href={href({})} className="text-blue-700 underline">
              Newest
            </Link>
          ) : null}
          {list.data.nextCursor ? (
            <Link href={href({ cursor: list.data.nextCursor }, true)} className="text-blue-700 underline">
              Older requests
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}

function tabClass(current: boolean): string {
  return current ? "rounded bg-slate-900 px-2.5 py-1 font-medium text-white" : "rounded px-2.5 py-1 text-slate-700 hover:bg-slate-100";
}
