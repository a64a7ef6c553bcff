"use client";
// The approver's inbox, refreshed every 15 s: the same query as the navigation's count badge.
import { useQuery } from "@tanstack/react-query";
import { Card } from "@/components/card";
import { APPROVALS_QUERY_KEY, type TApprovalInboxJson } from "@/components/approvals-count";
import { fetchJson } from "@/components/fetch-json";
import { RequestTable } from "@/components/request-table";

export function ApprovalsInbox({ initial }: { initial: TApprovalInboxJson }) {
  const inbox = useQuery({
    queryKey: APPROVALS_QUERY_KEY,
    queryFn: () => fetchJson<TApprovalInboxJson>("/api/approvals"),
    initialData: initial,
    refetchInterval: 15_000,
  });
  const { pending, toReview } = inbox.data;
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Approvals</h1>
      <Card title={`Awaiting your vote (${pending.length})`} note="Pending requests by others that you have not voted on, oldest first. Open one to see its plan and approve or reject it." bodyClassName="p-0">
        <RequestTable requests={pending} caption="Requests awaiting your vote" empty="Nothing awaits your vote." />
      </Card>
      <Card title={`Break-glass executions awaiting review (${toReview.length})`} note="Tasks an admin ran without approval. Open one, check the reason and results, and acknowledge it." bodyClassName="p-0">
        <RequestTable requests={toReview} caption="Break-glass executions awaiting review" empty="No break-glass execution awaits review." />
      </Card>
    </div>
  );
}
