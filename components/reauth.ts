"use client";
// Fresh sign-in from the browser: when an action answers REAUTH_REQUIRED (lib/auth/fresh-auth.ts),
// send the person through the IdP again with OIDC max_age=0 (and prompt=login, for IdPs that ignore
// max_age) and back to the page they were on, where they repeat the action.
import { signIn } from "next-auth/react";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { OIDC_PROVIDER_ID } from "@/lib/auth/paths";
import { ApiError } from "./fetch-json";

/** Authorization parameters of a re-authentication: the IdP must ask for credentials again. */
export const REAUTH_AUTHORIZATION_PARAMS = { max_age: "0", prompt: "login" } as const;

/** A re-authentication for the same page this recently that came back still stale is not repeated. */
export const REAUTH_LOOP_GUARD_MS = 2 * 60_000;
const STORAGE_KEY = "rootwarden.reauth";

/** True for an API error that asks for a fresh sign-in. */
export function isReauthRequired(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === "REAUTH_REQUIRED" || err.details?.reauth === true);
}

type TLocation = Pick<Location, "origin" | "pathname" | "search" | "hash">;
type TStorage = Pick<Storage, "getItem" | "setItem">;

/** Where to come back after the IdP: the current page, if it is a safe path of this app. */
export function reauthCallbackPath(location: TLocation): string {
  return safeCallbackPath(`${location.pathname}${location.search}${location.hash}`, location.origin);
}

/**
 * Starts the re-authentication and returns true (the browser is leaving). Returns false without
 * redirecting when one for the same page started within REAUTH_LOOP_GUARD_MS: the IdP then did not
 * give a recent auth_time, so the caller shows the error's message instead of looping.
 */
export async function startReauth(
  options: { location?: TLocation; storage?: TStorage | null; now?: number; redirect?: typeof signIn } = {},
): Promise<boolean> {
  const location = options.location ?? window.location;
  const storage = options.storage === undefined ? safeSessionStorage() : options.storage;
  const now = options.now ?? Date.now();
  const callbackUrl = reauthCallbackPath(location);
  const last = readMarker(storage);
  if (last && last.path === callbackUrl && now - last.at >= 0 && now - last.at < REAUTH_LOOP_GUARD_MS) return false;
  storage?.setItem(STORAGE_KEY, JSON.stringify({ path: callbackUrl, at: now }));
  await (options.redirect ?? signIn)(OIDC_PROVIDER_ID, { callbackUrl }, { ...REAUTH_AUTHORIZATION_PARAMS });
  return true;
}

/** For an action's error handler: re-authenticates when the error asks for it; true when redirecting. */
export async function handleReauth(err: unknown): Promise<boolean> {
  return isReauthRequired(err) ? startReauth() : false;
}

function readMarker(storage: TStorage | null): { path: string; at: number } | null {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    const value: unknown = raw ? JSON.parse(raw) : null;
    if (typeof value !== "object" || value === null) return null;
    const { path, at } = value as { path?: unknown; at?: unknown };
    return typeof path === "string" && typeof at === "number" ? { path, at } : null;
  } catch {
    return null;
  }
}

function safeSessionStorage(): TStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage disabled (privacy settings): no loop guard, the redirect still works.
    return null;
  }
}
