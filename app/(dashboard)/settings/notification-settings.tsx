"use client";
// Settings › Notifications: the channels (add, enable/disable, send a test, delete) and the delivery
// log. Changes go through /api/notify; the page then re-reads both lists from the server.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { fetchJson, type TSerialized } from "@/components/fetch-json";
import type { TChannelView } from "@/lib/notify/list-channels";
import type { TDeliveryView } from "@/lib/notify/list-deliveries";
import { CHANNEL_KIND_LABELS, NOTIFY_EVENTS, NOTIFY_EVENT_LABELS, type TChannelKind } from "@/lib/notify/events";

type TChannel = TSerialized<TChannelView>;
type TDelivery = TSerialized<TDeliveryView>;

const OPTION_LABELS = {
  toRequester: "also to the requester (their sign-in e-mail)",
  toApprovers: "also to the approvers (everyone holding tasks.approve)",
} as const;

const button = "rounded border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-50";

export function NotificationSettings({ channels, deliveries, canWrite, smtpConfigured }: { channels: TChannel[]; deliveries: TDelivery[]; canWrite: boolean; smtpConfigured: boolean }) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<TChannel | null>(null);

  async function act(id: string, run: () => Promise<string>) {
    setBusy(id);
    setMessage(null);
    try {
      setMessage(await run());
      router.refresh();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : "That did not work. Try again.");
    } finally {
      setBusy(null);
    }
  }

  const json = (method: string, body?: unknown): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
  const path = (c: TChannel) => `/api/notify/channels/${encodeURIComponent(c.id)}`;

  return (
    <div className="space-y-4">
      {message ? (
        <p role="status" className="px-3 pt-2 text-sm text-slate-700">
          {message}
        </p>
      ) : null}
      <table className="w-full text-left" data-testid="notification-channels">
        <caption className="sr-only">Notification channels</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Channel</th>
            <th className="px-3 py-2 font-medium">Sends to</th>
            <th className="px-3 py-2 font-medium">Events</th>
            <th className="px-3 py-2 font-medium">State</th>
            {canWrite ? <th className="px-3 py-2 font-medium">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {channels.length === 0 ? (
            <tr className="border-t border-slate-100">
              <td colSpan={canWrite ? 5 : 4} className="px-3 py-2 text-slate-500">
                No channels yet: nothing is notified.
              </td>
            </tr>
          ) : null}
          {channels.map((c) => (
            <tr key={c.id} className="border-t border-slate-100 align-top">
              <td className="px-3 py-2">
                <div className="font-medium">{c.name}</div>
                <div className="text-xs text-slate-500">
                  {CHANNEL_KIND_LABELS[c.kind]}
                  {c.kind === "WEBHOOK" ? ` · secret ${c.secretSet ? "set" : "not set"}` : ""}
                </div>
              </td>
              <td className="px-3 py-2 text-xs break-all text-slate-600">
                <code>{c.target}</code>
                {c.kind === "EMAIL" && canWrite ? (
                  <div className="mt-1 space-y-0.5">
                    {(["toRequester", "toApprovers"] as const).map((option) => (
                      <label key={option} className="flex items-center gap-1">
                        <input
                          type="checkbox"
                          checked={c[option]}
                          disabled={busy !== null}
                          onChange={(e) => {
                            const on = e.currentTarget.checked;
                            void act(c.id, async () => {
                              await fetchJson(path(c), json("PATCH", { [option]: on }));
                              return `${c.name} ${on ? "now also sends" : "no longer sends"} to ${option === "toRequester" ? "the requester" : "the approvers"}.`;
                            });
                          }}
                        />
                        {OPTION_LABELS[option]}
                      </label>
                    ))}
                  </div>
                ) : null}
              </td>
              <td className="px-3 py-2 text-xs text-slate-600">{c.events.join(", ")}</td>
              <td className="px-3 py-2">{c.enabled ? "enabled" : <em className="text-slate-500">disabled</em>}</td>
              {canWrite ? (
                <td className="px-3 py-2">
                  <div className="flex flex-wrap gap-2">
                    <button
                      type="button"
                      className={button}
                      disabled={busy !== null}
                      aria-label={`${c.enabled ? "Disable" : "Enable"} ${c.name}`}
                      onClick={() =>
                        void act(c.id, async () => {
                          await fetchJson(path(c), json("PATCH", { enabled: !c.enabled }));
                          return `${c.name} ${c.enabled ? "disabled" : "enabled"}.`;
                        })
                      }
                    >
                      {c.enabled ? "Disable" : "Enable"}
                    </button>
                    <button
                      type="button"
                      className={button}
                      disabled={busy !== null || !c.enabled}
                      aria-label={`Send a test to ${c.name}`}
                      onClick={() =>
                        void act(c.id, async () => {
                          await fetchJson(`${path(c)}/test`, json("POST"));
                          return `Test queued for ${c.name}; its delivery appears in the log below.`;
                        })
                      }
                    >
                      Send a test
                    </button>
                    <button type="button" className={button} disabled={busy !== null} aria-label={`Delete ${c.name}`} onClick={() => setDeleting(c)}>
                      Delete
                    </button>
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>

      {canWrite ? <AddChannelForm smtpConfigured={smtpConfigured} onDone={() => router.refresh()} /> : null}

      <div>
        <div className="flex items-center justify-between px-3">
          <h3 className="text-sm font-semibold">Delivery log</h3>
          <button type="button" className={button} onClick={() => router.refresh()}>
            Refresh
          </button>
        </div>
        <table className="mt-1 w-full text-left text-sm" data-testid="notification-deliveries">
          <caption className="sr-only">Recent notification deliveries</caption>
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">Time</th>
              <th className="px-3 py-2 font-medium">Channel</th>
              <th className="px-3 py-2 font-medium">Event</th>
              <th className="px-3 py-2 font-medium">Status</th>
              <th className="px-3 py-2 font-medium">Attempts</th>
              <th className="px-3 py-2 font-medium">Last error</th>
              <th className="px-3 py-2 font-medium">About</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.length === 0 ? (
              <tr className="border-t border-slate-100">
                <td colSpan={7} className="px-3 py-2 text-slate-500">
                  Nothing sent yet.
                </td>
              </tr>
            ) : null}
            {deliveries.map((d) => (
              <tr key={d.id} className="border-t border-slate-100 align-top">
                <td className="px-3 py-2 whitespace-nowrap text-slate-600">{formatTime(d.createdAt)}</td>
                <td className="px-3 py-2">
                  {d.channelName}
                  {d.channelId === null ? <span className="text-xs text-slate-500"> (deleted)</span> : null}
                </td>
                <td className="px-3 py-2">
                  <code className="text-xs">{d.event}</code>
                </td>
                <td className="px-3 py-2">
                  {d.status}
                  {d.nextAttemptAt && d.status === "FAILED" ? <div className="text-xs text-slate-500">retry {formatTime(d.nextAttemptAt)}</div> : null}
                </td>
                <td className="px-3 py-2 tabular-nums">{d.attempts}</td>
                <td className="px-3 py-2 text-xs break-all text-slate-600">{d.lastError ?? "—"}</td>
                <td className="px-3 py-2 text-xs">
                  <a className="text-sky-800 underline" href={d.link}>
                    {d.title}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {deleting ? (
        <ConfirmDialog
          title={`Delete the channel ${deleting.name}?`}
          confirmLabel="Delete channel"
          confirmDisabled={busy !== null}
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const c = deleting;
            setDeleting(null);
            void act(c.id, async () => {
              const r = await fetchJson<{ undelivered: number }>(path(c), { method: "DELETE" });
              return `${c.name} deleted${r.undelivered > 0 ? `; ${r.undelivered} undelivered notifications given up` : ""}.`;
            });
          }}
        >
          <p>It gets no more notifications. Its delivery log stays.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function AddChannelForm({ smtpConfigured, onDone }: { smtpConfigured: boolean; onDone: () => void }) {
  const [kind, setKind] = useState<TChannelKind>("SLACK");
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim();
    const base = { kind, name: text("name"), events: form.getAll("events").map(String) };
    const body =
      kind === "EMAIL"
        ? { ...base, to: text("to").split(/[\s,;]+/).filter(Boolean), toRequester: form.get("toRequester") === "on", toApprovers: form.get("toApprovers") === "on" }
        : kind === "WEBHOOK"
          ? { ...base, url: text("url"), ...(text("secret") ? { secret: text("secret") } : {}) }
          : { ...base, url: text("url") };
    setBusy(true);
    setError(null);
    setCreated(null);
    setSecret(null);
    const formElement = e.currentTarget;
    try {
      const result = await fetchJson<{ channel: TChannel; generatedSecret?: string }>("/api/notify/channels", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      setCreated(result.channel.name);
      setSecret(result.generatedSecret ?? null);
      formElement.reset();
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : "The channel could not be added. Try again.");
    } finally {
      setBusy(false);
    }
  }

  const field = "mt-1 block w-full rounded border border-slate-300 px-2 py-1 text-sm";
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-3 border-t border-slate-200 px-3 py-3" aria-labelledby="add-channel-heading">
      <h3 id="add-channel-heading" className="text-sm font-semibold">
        Add a channel
      </h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <label className="text-sm">
          Kind
          <select name="kind" className={field} value={kind} onChange={(e) => setKind(e.target.value as TChannelKind)}>
            <option value="SLACK">Slack incoming webhook</option>
            <option value="WEBHOOK">Webhook (signed JSON)</option>
            <option value="EMAIL" disabled={!smtpConfigured}>
              E-mail{smtpConfigured ? "" : " (set SMTP_URL first)"}
            </option>
          </select>
        </label>
        <label className="text-sm">
          Name
          <input name="name" required maxLength={80} className={field} placeholder="#sec-alerts" />
        </label>
        {kind === "EMAIL" ? (
          <label className="text-sm">
            Fixed recipients (optional with an option below)
            <input name="to" className={field} placeholder="sec@example.com, ops@example.com" />
          </label>
        ) : (
          <label className="text-sm">
            URL
            <input name="url" required type="url" className={field} placeholder={kind === "SLACK" ? "https://hooks.slack.com/services/…" : "https://siem.example.com/hooks/rootwarden"} />
          </label>
        )}
        {kind === "EMAIL" ? (
          <fieldset className="text-sm sm:col-span-3">
            <legend>The people a message is for</legend>
            <label className="mt-1 flex items-center gap-2">
              <input type="checkbox" name="toRequester" />
              Also send to the requester, for messages about their request (never about their own action)
            </label>
            <label className="flex items-center gap-2">
              <input type="checkbox" name="toApprovers" />
              Also send to every approver, for messages meant for approvers
            </label>
          </fieldset>
        ) : null}
        {kind === "WEBHOOK" ? (
          <label className="text-sm sm:col-span-3">
            Signing secret (leave empty to have one generated and shown once)
            <input name="secret" type="password" autoComplete="off" minLength={16} className={field} />
          </label>
        ) : null}
      </div>
      <fieldset>
        <legend className="text-sm">Events it takes</legend>
        <div className="mt-1 grid gap-1 sm:grid-cols-2">
          {NOTIFY_EVENTS.map((event) => (
            <label key={event} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="events" value={event} />
              <span>
                {NOTIFY_EVENT_LABELS[event]} <code className="text-xs text-slate-500">{event}</code>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <button type="submit" disabled={busy} className="rounded bg-slate-900 px-3 py-1 text-sm font-medium text-white disabled:opacity-50">
        Add channel
      </button>
      {error ? (
        <p role="alert" className="text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {created ? (
        <div role="status" className="text-sm text-slate-700">
          <p>Channel {created} added.</p>
          {secret ? (
            <p>
              Its signing secret, shown this once (copy it to the receiver now): <code className="break-all">{secret}</code>
            </p>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 19).replace("T", " ")} UTC`;
}
