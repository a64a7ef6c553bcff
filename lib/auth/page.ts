// Permission checks for server components (pages). Each page calls requirePagePermission itself:
// layouts do not re-run on client navigation, so a check there alone would not hold.
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { getConfig } from "@/lib/config";
import type { TActor } from "./actor";
import { safeCallbackPath } from "./callback-url";
import { appBaseUrl } from "./options";
import { NO_ACCESS_PATH, REQUEST_PATH_HEADER, SIGN_IN_PATH } from "./paths";
import { hasPermission, type TPermission } from "./permissions";
import { actorFromCookies } from "./session";

/** The signed-in actor, or null. */
export async function getActor(): Promise<TActor | null> {
  const jar = await cookies();
  return actorFromCookies(jar.getAll(), getConfig());
}

/** The signed-in actor; sends visitors without a session to sign in and back here afterwards. */
export async function requireSignedIn(): Promise<TActor> {
  const actor = await getActor();
  if (!actor) redirect(await signInUrl());
  return actor;
}

/**
 * The actor, if they hold the permission. No session -> sign-in; no role at all -> the no-access
 * page (which says what to ask for); roles without this permission -> 403 page.
 */
export async function requirePagePermission(permission: TPermission): Promise<TActor> {
  const actor = await requireSignedIn();
  if (actor.roles.length === 0) redirect(NO_ACCESS_PATH);
  if (!hasPermission(actor.roles, permission)) forbidden();
  return actor;
}

// The proxy sets REQUEST_PATH_HEADER so a page can send people back where they were after sign-in.
async function signInUrl(): Promise<string> {
  const path = (await headers()).get(REQUEST_PATH_HEADER);
  const safe = safeCallbackPath(path, appBaseUrl(getConfig()), "");
  return safe ? `${SIGN_IN_PATH}?callbackUrl=${encodeURIComponent(safe)}` : SIGN_IN_PATH;
}
