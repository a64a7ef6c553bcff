"use client";
// An API error as an alert; for REAUTH_REQUIRED (approving, break-glass) with a "Sign in again"
// button that goes through the IdP with max_age and back to this page (components/reauth.ts), for
// when the automatic redirect was refused by the loop guard.
import { isReauthRequired, startReauth } from "./reauth";

export function ApiErrorMessage({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
      {error.message}
      {isReauthRequired(error) ? (
        <>
          {" "}
          <button type="button" onClick={() => void startReauth({ storage: null })} className="font-medium text-blue-800 underline">
            Sign in again
          </button>
        </>
      ) : null}
    </p>
  );
}
