"use client";
// Ends all of one user's sessions (DELETE /api/users/[userId]/sessions) after a confirmation; the
// page then re-reads the open-session counts.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { fetchJson } from "@/components/fetch-json";

export function EndSessionsButton({ userId, label, openSessions }: { userId: string; label: string; openSessions: number }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function end() {
    setBusy(true);
    setMessage(null);
    try {
      const result = await fetchJson<{ ended: number }>(`/api/users/${encodeURIComponent(userId)}/sessions`, { method: "DELETE" });
      setMessage(result.ended === 1 ? "1 session ended." : `${result.ended} sessions ended.`);
      router.refresh();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : "The sessions could not be ended. Try again.");
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <div className="flex flex-col items-start gap-1">
      <button
        type="button"
        className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-50"
        disabled={busy || openSessions === 0}
        onClick={() => setConfirming(true)}
        aria-label={`End sessions of ${label}`}
      >
        End sessions
      </button>
      {message ? (
        <span role="status" className="text-xs text-slate-600">
          {message}
        </span>
      ) : null}
      {confirming ? (
        <ConfirmDialog title={`End all sessions of ${label}?`} confirmLabel="End sessions" confirmDisabled={busy} onConfirm={() => void end()} onCancel={() => setConfirming(false)}>
          <p>
            {label} is signed out everywhere within a few seconds and must sign in again with SSO. Their roles are read again at that
            sign-in.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
