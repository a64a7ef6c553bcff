"use client";
// The request page's live part: polls while the request is pending, approved or running, and offers
// the actions GET /api/requests/[requestId] says the user may take (`can`), or says why not.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { ApiErrorMessage } from "@/components/api-error-message";
import { handleReauth } from "@/components/reauth";
import { Card } from "@/components/card";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import { formatCount, formatDateTime, formatRelative } from "@/components/format";
import { BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Modal } from "@/components/modal";
import { RequestStatusBadge } from "@/components/task-status-badge";
import { OPEN_STATUSES, TASKS, type TRequestStatus } from "@/lib/tasks/catalogue";
import type { TRequestDetail, TRequestSummary } from "@/lib/tasks/list";
import { Timeline } from "./timeline";
import { TargetsTable } from "./targets-table";

type TDetail = TSerialized<TRequestDetail>;

export function RequestView({
  initial,
  requireApproverComment,
  requireTicket,
  canRequest,
}: {
  initial: TDetail;
  requireApproverComment: boolean;
  requireTicket: boolean;
  canRequest: boolean;
}) {
  const query = useQuery({
    queryKey: ["requests", "detail", initial.id],
    queryFn: () => fetchJson<{ request: TDetail }>(`/api/requests/${initial.id}`).then((r) => r.request),
    initialData: initial,
    refetchInterval: (q) => (OPEN_STATUSES.includes((q.state.data?.status ?? "") as TRequestStatus) ? 3000 : false),
  });
  const r = query.data;
  const open = OPEN_STATUSES.includes(r.status as TRequestStatus);
  const task = TASKS[r.taskType as keyof typeof TASKS];
  const now = new Date();

  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <Link href="/requests" className="text-blue-700 hover:underline">
          Requests
        </Link>
      </nav>
      <div className="flex flex-wrap items-start gap-x-4 gap-y-2">
        <div className="min-w-0 space-y-1">
          <h1 className="flex flex-wrap items-center gap-3 text-xl font-semibold tracking-tight">
            Request #{r.number}: {task?.label ?? r.taskType} <RequestStatusBadge status={r.status} />
            {r.breakGlass ? (
              <span className="rounded bg-red-700 px-1.5 py-0.5 text-xs font-semibold uppercase tracking-wide text-white" data-testid="break-glass-flag">
                Break-glass{r.reviewedAt ? ", reviewed" : ", awaiting review"}
              </span>
            ) : null}
          </h1>
          <p className="text-sm text-slate-600">
            {r.scopeLabel} · {formatCount(r.targetCount)} target{r.targetCount === 1 ? "" : "s"} · requested by {r.requestedByLabel}{" "}
            <span title={formatDateTime(r.createdAt)}>{formatRelative(r.createdAt, now)}</span> · approvals {r.approvals}/{r.requiredApprovals}
            {r.status === "PENDING" ? <> · expires {formatRelative(r.expiresAt, now)}</> : null}
            {r.status === "APPROVED" && r.startBy ? <> · must start {formatRelative(r.startBy, now)}</> : null}
            {open ? <span className="sr-only"> (updates automatically)</span> : null}
          </p>
          {r.statusReason ? <p className="text-sm text-slate-700">{r.statusReason}</p> : null}
        </div>
      </div>

      <div className="grid gap-4 xl:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <div className="min-w-0 space-y-4">
          <Card title="Request" bodyClassName="px-3 py-2 text-sm">
            <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1">
              <dt className="text-slate-600">Reason</dt>
              <dd className="whitespace-pre-wrap" data-testid="request-reason">
                {r.reason}
              </dd>
              <dt className="text-slate-600">Ticket</dt>
              <dd>{r.ticket ?? "—"}</dd>
              {r.breakGlass ? (
                <>
                  <dt className="text-slate-600">Break-glass</dt>
                  <dd>
                    Ran without approval{r.breakGlassReason ? `: ${r.breakGlassReason}` : ""}.{" "}
                    {r.reviewedAt ? `Reviewed ${formatDateTime(r.reviewedAt)}.` : "Not reviewed yet."}
                  </dd>
                </>
              ) : null}
              <dt className="text-slate-600">Task</dt>
              <dd>{task?.description ?? r.taskType}</dd>
              {r.retryOfId ? (
                <>
                  <dt className="text-slate-600">Retry of</dt>
                  <dd>
                    <Link href={`/requests/${r.retryOfId}`} className="text-blue-700 underline">
                      the original request
                    </Link>
                  </dd>
                </>
              ) : null}
              {r.retries.length > 0 ? (
                <>
                  <dt className="text-slate-600">Retries</dt>
                  <dd className="flex flex-wrap gap-2" data-testid="retries">
                    {r.retries.map((x) => (
                      <Link key={x.id} href={`/requests/${x.id}`} className="inline-flex items-center gap-1 text-blue-700 underline">
                        #{x.number} <RequestStatusBadge status={x.status} />
                      </Link>
                    ))}
                  </dd>
                </>
              ) : null}
            </dl>
          </Card>

          <TargetsTable request={r} />
        </div>

        <div className="min-w-0 space-y-4">
          <Actions request={r} requireApproverComment={requireApproverComment} requireTicket={requireTicket} canRequest={canRequest} />
          <Card title="Timeline" note="From the audit trail" bodyClassName="px-3 py-2">
            <Timeline request={r} />
          </Card>
        </div>
      </div>
    </div>
  );
}

function Actions({
  request: r,
  requireApproverComment,
  requireTicket,
  canRequest,
}: {
  request: TDetail;
  requireApproverComment: boolean;
  requireTicket: boolean;
  canRequest: boolean;
}) {
  const queryClient = useQueryClient();
  const commentId = useId();
  const [comment, setComment] = useState("");
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [retrying, setRetrying] = useState(false);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["requests"] });
    void queryClient.invalidateQueries({ queryKey: ["approvals"] });
  };
  const post = (path: string, body: unknown) =>
    fetchJson<unknown>(`/api/requests/${r.id}/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const vote = useMutation({
    mutationFn: (decision: "APPROVE" | "REJECT") => post("votes", { decision, comment: comment.trim() || null }),
    onSuccess: () => {
      setComment("");
      refresh();
    },
    // A stale IdP sign-in: off to the IdP and back here, where the approver votes again.
    onError: (err) => void handleReauth(err),
  });
  const cancel = useMutation({ mutationFn: () => post("cancel", {}), onSuccess: refresh });
  const review = useMutation({ mutationFn: () => post("review", { comment: comment.trim() || null }), onSuccess: refresh, onError: (err) => void handleReauth(err) });
  const commentMissing = requireApproverComment && comment.trim() === "";
  const canVote = r.can.approve || r.can.reject;
  const any = canVote || r.can.cancel || r.can.retry || r.can.review || r.whyNot;
  if (!any) return null;

  return (
    <Card title="Actions" bodyClassName="space-y-3 px-3 py-3 text-sm">
      {r.whyNot ? (
        <p className="rounded border border-slate-200 bg-slate-50 px-3 py-2 text-slate-700" data-testid="why-not">
          {r.whyNot}
        </p>
      ) : null}
      {canVote || r.can.review ? (
        <div>
          <label htmlFor={commentId} className="block font-medium text-slate-900">
            Comment <span className="font-normal text-slate-600">{requireApproverComment && canVote ? "(required by the settings)" : "(optional)"}</span>
          </label>
          <textarea
            id={commentId}
            rows={3}
            maxLength={2000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            className="mt-1 w-full rounded border border-slate-300 px-2 py-1"
          />
        </div>
      ) : null}
      {canVote ? (
        <div className="flex flex-wrap gap-2">
          {r.can.approve ? (
            <button type="button" className={BUTTON_PRIMARY} disabled={vote.isPending || commentMissing} onClick={() => vote.mutate("APPROVE")}>
              Approve
            </button>
          ) : null}
          {r.can.reject ? (
            <button type="button" className={BUTTON_DANGER} disabled={vote.isPending || commentMissing} onClick={() => vote.mutate("REJECT")}>
              Reject
            </button>
          ) : null}
          <p className="w-full text-xs text-slate-600">Approving may ask you to sign in again at the identity provider (a recent sign-in is required).</p>
        </div>
      ) : null}
      <ApiErrorMessage error={vote.error} />
      {r.can.review ? (
        <div className="space-y-1">
          <p>This request ran without approval (break-glass). Acknowledge it once you have checked the reason and the results.</p>
          <button type="button" className={BUTTON_PRIMARY} disabled={review.isPending} onClick={() => review.mutate()}>
            Acknowledge
          </button>
          <ApiErrorMessage error={review.error} />
        </div>
      ) : null}
      {r.can.cancel || r.can.retry ? (
        <div className="flex flex-wrap gap-2 border-t border-slate-100 pt-3">
          {r.can.cancel ? (
            <button type="button" className={BUTTON_SECONDARY} disabled={cancel.isPending} onClick={() => setConfirmCancel(true)}>
              Cancel request
            </button>
          ) : null}
          {r.can.retry && canRequest ? (
            <button type="button" className={BUTTON_SECONDARY} onClick={() => setRetrying(true)}>
              Retry failed targets
            </button>
          ) : null}
        </div>
      ) : null}
      <ApiErrorMessage error={cancel.error} />
      {confirmCancel ? (
        <ConfirmDialog
          title={`Cancel request #${r.number}?`}
          confirmLabel="Cancel request"
          onCancel={() => setConfirmCancel(false)}
          onConfirm={() => {
            setConfirmCancel(false);
            cancel.mutate();
          }}
        >
          <p>Nothing runs after this. Approvals given so far are kept in the audit trail.</p>
        </ConfirmDialog>
      ) : null}
      {retrying ? <RetryDialog request={r} requireTicket={requireTicket} onClose={() => setRetrying(false)} /> : null}
    </Card>
  );
}

function RetryDialog({ request: r, requireTicket, onClose }: { request: TDetail; requireTicket: boolean; onClose: () => void }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const reasonId = useId();
  const ticketId = useId();
  const [clientRequestId] = useState(() => crypto.randomUUID());
  const [reason, setReason] = useState("");
  const [ticket, setTicket] = useState(r.ticket ?? "");
  const failed = (r.targetCounts.FAILED ?? 0) + (r.targetCounts.PRECONDITION_FAILED ?? 0);
  const retry = useMutation({
    mutationFn: () =>
      fetchJson<{ request: TSerialized<TRequestSummary> }>(`/api/requests/${r.id}/retry`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...(reason.trim() ? { reason: reason.trim() } : {}), ticket: ticket.trim() || null, clientRequestId }),
      }),
    onSuccess: ({ request }) => {
      void queryClient.invalidateQueries({ queryKey: ["requests"] });
      router.push(`/requests/${request.id}`);
    },
  });
  const reasonLength = reason.trim().length;
  const ready = (reasonLength === 0 || (reasonLength >= 10 && reasonLength <= 2000)) && (!requireTicket || ticket.trim() !== "");
  return (
    <Modal
      title={`Retry the failed targets of request #${r.number}`}
      onClose={onClose}
      size="md"
      footer={
        <>
          <button type="button" className={BUTTON_SECONDARY} onClick={onClose}>
            Cancel
          </button>
          <button type="button" className={BUTTON_PRIMARY} disabled={!ready || retry.isPending || retry.isSuccess} onClick={() => retry.mutate()}>
            {retry.isPending || retry.isSuccess ? "Creating…" : "Create retry request"}
          </button>
        </>
      }
    >
      <p>
        A new request, linked to this one, for the {formatCount(failed)} failed or precondition-failed target{failed === 1 ? "" : "s"}. Targets that
        succeeded are not touched. It is planned again from the latest scans and needs approval like any request.
      </p>
      <div>
        <label htmlFor={reasonId} className="block font-medium text-slate-900">
          Reason <span className="font-normal text-slate-600">(optional: the original reason is used; 10–2,000 characters)</span>
        </label>
        <textarea id={reasonId} rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
      </div>
      <div>
        <label htmlFor={ticketId} className="block font-medium text-slate-900">
          Ticket <span className="font-normal text-slate-600">{requireTicket ? "(required by the settings)" : "(optional)"}</span>
        </label>
        <input id={ticketId} maxLength={200} value={ticket} onChange={(e) => setTicket(e.target.value)} className="mt-1 w-64 rounded border border-slate-300 px-2 py-1" />
      </div>
      <ApiErrorMessage error={retry.error} />
    </Modal>
  );
}
