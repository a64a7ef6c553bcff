"use client";
// Starts the OIDC flow: next-auth fetches a CSRF token, then redirects to the IdP with PKCE and state.
import { signIn } from "next-auth/react";
import { useState } from "react";

export function SignInButton({ providerId, providerName, callbackUrl }: { providerId: string; providerName: string; callbackUrl: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signIn(providerId, { callbackUrl });
      }}
      className="inline-flex w-full items-center justify-center rounded-md bg-slate-900 px-4 py-2.5 font-medium text-white hover:bg-slate-700 disabled:opacity-60"
    >
      {pending ? "Redirecting…" : `Sign in with ${providerName}`}
    </button>
  );
}
