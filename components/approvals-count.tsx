"use client";
// The Approvals navigation link's count: requests awaiting my vote plus break-glass runs awaiting
// review, from GET /api/approvals, polled each minute. The count is part of the link's name
// ("Approvals 3 waiting"), and the visible text ("Approvals 3") is a prefix of it.
import { useQuery } from "@tanstack/react-query";
import type { TRequestSummary } from "@/lib/tasks/list";
import { fetchJson, type TSerialized } from "./fetch-json";

export type TApprovalInboxJson = { pending: TSerialized<TRequestSummary>[]; toReview: TSerialized<TRequestSummary>[]; count: number };
export const APPROVALS_QUERY_KEY = ["approvals"] as const;

export function useApprovalsCount(enabled: boolean): number | null {
  const inbox = useQuery({
    queryKey: APPROVALS_QUERY_KEY,
    queryFn: () => fetchJson<TApprovalInboxJson>("/api/approvals"),
    enabled,
    refetchInterval: 60_000,
  });
  return enabled && inbox.data ? inbox.data.count : null;
}

export function CountBadge({ count, current }: { count: number; current: boolean }) {
  if (count === 0) return null;
  return (
    <>
      {" "}
      <span
        data-testid="approvals-count"
        className={`ml-1 inline-flex min-w-[1.25rem] justify-center rounded-full px-1.5 text-xs font-semibold tabular-nums ${current ? "bg-white text-slate-900" : "bg-red-700 text-white"}`}
      >
        {count > 99 ? "99+" : count}
      </span>
      <span className="sr-only"> waiting</span>
    </>
  );
}
