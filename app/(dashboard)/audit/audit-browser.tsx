"use client";
// The Audit page's interactive part: filters in the URL (deep-linkable), the event table paged by
// seq, the selected event's detail, the chain status with "Verify now", and the export link.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import type { FormEvent } from "react";
import { Card } from "@/components/card";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import { formatCount, formatDateTime, formatRelative } from "@/components/format";
import { AUDIT_EVENT_TYPES } from "@/lib/audit/event-types";
import type { TChainStatus } from "@/lib/audit/get-chain-status";
import type { TAuditEventDetail, TAuditEventPage } from "@/lib/audit/list-events";
import type { TVerificationRun } from "@/lib/audit/run-verification";
import { auditListKey } from "./list-key";

type TPage = TSerialized<TAuditEventPage>;
type TStatus = TSerialized<TChainStatus>;
type TDetail = TSerialized<TAuditEventDetail>;

const NAMESPACES = [...new Set(AUDIT_EVENT_TYPES.map((t) => `${t.split(".")[0]}.`))];
const INPUT = "rounded border border-slate-300 px-2 py-1 text-sm";
const BUTTON = "rounded border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100 disabled:opacity-50";

export function AuditBrowser({ initialPage, initialKey, initialStatus }: { initialPage: TPage | null; initialKey: string; initialStatus: TStatus }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const key = auditListKey(searchParams);
  const selected = searchParams.get("event");
  const queryClient = useQueryClient();

  const events = useQuery({
    queryKey: ["audit-events", key],
    queryFn: () => fetchJson<TPage>(`/api/audit/events?${key}`),
    initialData: key === initialKey && initialPage ? initialPage : undefined,
    placeholderData: keepPreviousData,
  });
  const status = useQuery({ queryKey: ["audit-status"], queryFn: () => fetchJson<{ status: TStatus }>("/api/audit/status").then((r) => r.status), initialData: initialStatus });
  const detail = useQuery({
    queryKey: ["audit-event", selected],
    queryFn: () => fetchJson<{ event: TDetail }>(`/api/audit/events/${selected}`).then((r) => r.event),
    enabled: selected !== null && /^\d+$/.test(selected),
  });
  const verify = useMutation({
    mutationFn: () => fetchJson<{ result: TSerialized<TVerificationRun> }>("/api/audit/verify").then((r) => r.result),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["audit-status"] });
      void queryClient.invalidateQueries({ queryKey: ["audit-events"] });
    },
  });

  const navigate = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(searchParams.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    window.history.pushState(null, "", `${pathname}${next.size > 0 ? `?${next.toString()}` : ""}`);
  };

  const onFilter = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const value = (name: string) => String(form.get(name) ?? "").trim();
    navigate({
      type: value("type"),
      actor: value("actor"),
      account: value("account"),
      from: localToIso(value("from")),
      to: localToIso(value("to")),
      before: null,
      event: null,
    });
  };

  const exportQuery = new URLSearchParams();
  for (const k of ["from", "to"]) if (searchParams.get(k)) exportQuery.set(k, searchParams.get(k)!);
  const s = status.data;
  const last = s.lastVerification;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-lg font-semibold">Audit trail</h1>
        <a className={BUTTON} href={`/api/audit/export${exportQuery.size > 0 ? `?${exportQuery}` : ""}`} download>
          Export bundle{exportQuery.size > 0 ? " of this time range" : ""}
        </a>
      </div>

      <Card title="Chain status" bodyClassName="px-3 py-2 text-sm">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1">
          <dt className="text-slate-500">Events</dt>
          <dd>{formatCount(s.treeSize)}</dd>
          <dt className="text-slate-500">Signed root</dt>
          <dd className="break-all font-mono text-xs">{s.rootHash}</dd>
          <dt className="text-slate-500">Signing key</dt>
          <dd className="font-mono text-xs">{s.signingKey ? `${s.signingKey.name} ${s.signingKey.keyId}` : "none yet"}</dd>
          <dt className="text-slate-500">Outside copies</dt>
          <dd>{s.copies.length > 0 ? s.copies.join(", ") : "none configured"}</dd>
          <dt className="text-slate-500">Last verified</dt>
          <dd data-testid="last-verification">
            {last ? (
              <>
                <span className={last.ok ? "font-medium text-emerald-700" : "font-medium text-red-700"}>{last.ok ? "Intact" : "BROKEN"}</span>{" "}
                <span title={formatDateTime(last.time)}>{formatRelative(last.time)}</span> by {last.by}, {formatCount(last.treeSize)} events
                {last.problem ? <span className="block text-red-700">{last.problem}</span> : null}
              </>
            ) : (
              "never"
            )}
          </dd>
        </dl>
        <div className="mt-2 flex items-center gap-3">
          <button type="button" className={BUTTON} disabled={verify.isPending} onClick={() => verify.mutate()}>
            {verify.isPending ? "Verifying..." : "Verify now"}
          </button>
          <span role="status" aria-live="polite" className="text-sm">
            {verify.data
              ? verify.data.ok
                ? `Chain intact: ${formatCount(verify.data.treeSize)} events and ${formatCount(verify.data.checkpoints)} checkpoints verified.`
                : `Chain broken at seq ${verify.data.problem?.seq ?? "-"}: ${verify.data.problem?.message ?? ""}`
              : verify.error
                ? verify.error.message
                : null}
          </span>
        </div>
      </Card>

      <form onSubmit={onFilter} className="flex flex-wrap items-end gap-2 text-sm" aria-label="Filter audit events" key={key}>
        <label className="flex flex-col gap-0.5">
          <span className="text-slate-600">Type</span>
          <select name="type" defaultValue={searchParams.get("type") ?? ""} className={INPUT}>
            <option value="">All types</option>
            {NAMESPACES.map((ns) => (
              <option key={ns} value={ns}>
                All {ns}* events
              </option>
            ))}
            {AUDIT_EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-slate-600">Actor (e-mail, subject or &quot;system&quot;)</span>
          <input name="actor" defaultValue={searchParams.get("actor") ?? ""} className={INPUT} />
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-slate-600">Account id</span>
          <input name="account" defaultValue={searchParams.get("account") ?? ""} className={INPUT} inputMode="numeric" />
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-slate-600">From (UTC)</span>
          <input type="datetime-local" name="from" defaultValue={isoToLocal(searchParams.get("from"))} className={INPUT} />
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-slate-600">To (UTC)</span>
          <input type="datetime-local" name="to" defaultValue={isoToLocal(searchParams.get("to"))} className={INPUT} />
        </label>
        <button type="submit" className={BUTTON}>
          Apply filters
        </button>
        {key ? (
          <button type="button" className={BUTTON} onClick={() => navigate({ type: null, actor: null, account: null, from: null, to: null, before: null, event: null })}>
            Clear
          </button>
        ) : null}
      </form>

      {events.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          {events.error.message}
        </p>
      ) : null}

      <div className="grid gap-3 lg:grid-cols-[1fr_28rem]">
        <Card title="Events" note="Newest first. Select an event for its detail.">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-1.5">Seq</th>
                <th scope="col" className="px-3 py-1.5">Time</th>
                <th scope="col" className="px-3 py-1.5">Type</th>
                <th scope="col" className="px-3 py-1.5">Actor</th>
                <th scope="col" className="px-3 py-1.5">What</th>
              </tr>
            </thead>
            <tbody>
              {(events.data?.events ?? []).map((e) => (
                <tr key={e.seq} className={`border-t border-slate-100 ${selected === String(e.seq) ? "bg-sky-50" : ""}`}>
                  <td className="px-3 py-1.5 font-mono">
                    <button type="button" className="text-sky-800 underline" onClick={() => navigate({ event: String(e.seq) })} aria-label={`Show event ${e.seq}`}>
                      {e.seq}
                    </button>
                  </td>
                  <td className="whitespace-nowrap px-3 py-1.5">{formatDateTime(e.time)}</td>
                  <td className="px-3 py-1.5 font-mono text-xs">{e.type}</td>
                  <td className="px-3 py-1.5">{e.actor.type === "SYSTEM" ? "system" : (e.actor.email ?? e.actor.subject)}</td>
                  <td className="px-3 py-1.5">{e.summary}</td>
                </tr>
              ))}
              {events.data && events.data.events.length === 0 ? (
                <tr>
                  <td colSpan={5} className="px-3 py-4 text-center text-slate-500">
                    No events match these filters.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
          <nav aria-label="Pages" className="flex gap-2 border-t border-slate-100 px-3 py-2">
            <button type="button" className={BUTTON} disabled={!searchParams.get("before")} onClick={() => navigate({ before: null })}>
              Newest
            </button>
            <button type="button" className={BUTTON} disabled={!events.data?.nextBefore} onClick={() => navigate({ before: String(events.data?.nextBefore) })}>
              Older
            </button>
          </nav>
        </Card>

        <Card title="Event detail" bodyClassName="px-3 py-2 text-sm">
          {!selected ? (
            <p className="text-slate-500">Select an event.</p>
          ) : detail.error ? (
            <p role="alert">{detail.error.message}</p>
          ) : !detail.data ? (
            <p>Loading...</p>
          ) : (
            <EventDetail event={detail.data} />
          )}
        </Card>
      </div>
    </div>
  );
}

function EventDetail({ event }: { event: TDetail }) {
  const rows: [string, string][] = [
    ["Seq", String(event.seq)],
    ["Time", event.time],
    ["Type", event.type],
    ["Actor", event.actor.type === "SYSTEM" ? "SYSTEM" : `${event.actor.email ?? ""} (${event.actor.subject ?? ""})`],
    ["Roles", event.actor.roles.join(", ") || "—"],
    ["Issuer", event.actorIssuer ?? "—"],
    ["User id", event.actor.userId ?? "—"],
    ["Source IP", event.request.ip ?? "—"],
    ["User agent", event.request.userAgent ?? "—"],
    ["Request id", event.request.requestId ?? "—"],
    ["Organization", event.organizationId ?? "—"],
    ["Target", event.target ? `${event.target.type} ${event.target.id}` : "—"],
    ["Leaf hash", event.leafHash],
    ["Chain hash", event.chainHash],
  ];
  return (
    <div className="space-y-2">
      <p className="font-medium">{event.summary}</p>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd className="break-all">{v}</dd>
          </div>
        ))}
      </dl>
      <h3 className="font-medium">Payload</h3>
      {/* Focusable so keyboard users can scroll a wide payload or checkpoint sideways. */}
      <pre tabIndex={0} aria-label="Payload" className="overflow-x-auto rounded bg-slate-50 p-2 text-xs focus:outline-2 focus:outline-blue-600">
        {JSON.stringify(event.payload, null, 2)}
      </pre>
      {event.checkpoint ? (
        <>
          <h3 className="font-medium">Signed checkpoint covering it</h3>
          <pre tabIndex={0} aria-label="Signed checkpoint" className="overflow-x-auto rounded bg-slate-50 p-2 text-xs focus:outline-2 focus:outline-blue-600">
            {event.checkpoint}
          </pre>
        </>
      ) : null}
    </div>
  );
}

function localToIso(value: string): string | null {
  return value ? `${value.length === 16 ? `${value}:00` : value}Z`.replace(/^(.{19})(\.\d+)?Z$/, "$1.000Z") : null;
}

function isoToLocal(value: string | null): string {
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString().slice(0, 16) : "";
}
