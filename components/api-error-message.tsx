"use client";
// An API error as an alert; for REAUTH_REQUIRED (approving, break-glass) with the way to a fresh
// sign-in at the identity provider, which brings the person back to this page.
import { usePathname, useSearchParams } from "next/navigation";
import { ApiError } from "./fetch-json";

export function isReauthError(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === "REAUTH_REQUIRED" || err.details?.reauth === true);
}

export function ApiErrorMessage({ error }: { error: Error | null }) {
  const pathname = usePathname();
  const search = useSearchParams();
  if (!error) return null;
  const here = `${pathname}${search.size > 0 ? `?${search.toString()}` : ""}`;
  return (
    <p role="alert" className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
      {error.message}
      {isReauthError(error) ? (
        <>
          {" "}
          <a href={`/api/auth/signin?callbackUrl=${encodeURIComponent(here)}`} className="font-medium text-blue-800 underline">
            Sign in again
          </a>
        </>
      ) : null}
    </p>
  );
}
