// Signs a demo user in through the real OIDC flow: the app's sign-in button, the dev IdP's login
// form (username + password "demo"), and back to the app with a session cookie.
import { expect, test, type Page } from "@playwright/test";

export const DEMO_USERNAMES = ["viewer", "auditor", "operator", "approver", "admin", "opsapprover", "norole"] as const;
export type TDemoUsername = (typeof DEMO_USERNAMES)[number];

/**
 * authAgeMinutes: the dev IdP reports the sign-in as that many minutes old (auth_time in the past),
 * so approvals ask for a fresh sign-in (REAUTH_MAX_AGE_MINUTES) without waiting.
 */
export async function signIn(page: Page, username: TDemoUsername, options: { callbackUrl?: string; authAgeMinutes?: number } = {}): Promise<void> {
  const query = options.callbackUrl ? `?callbackUrl=${encodeURIComponent(options.callbackUrl)}` : "";
  await page.goto(`/signin${query}`);
  const appOrigin = new URL(page.url()).origin;
  await page.getByRole("button", { name: /^Sign in with / }).click();
  await fillIdpLogin(page, username, options);
  await waitForApp(page, appOrigin);
}

/**
 * Completes a re-authentication the app started (an action answered REAUTH_REQUIRED and the browser
 * went to the IdP with max_age=0): the dev IdP's login form must appear again; fills it and waits
 * until the browser is back in the app at `returnTo` (a path; default: any page of the app).
 */
export async function reauthenticate(page: Page, username: TDemoUsername, options: { returnTo?: string | RegExp } = {}): Promise<void> {
  // The page may already be at the IdP when this is called: the app's origin is the test's baseURL.
  const baseURL = test.info().project.use.baseURL;
  if (!baseURL) throw new Error("reauthenticate needs use.baseURL in playwright.config.ts.");
  const appOrigin = new URL(baseURL).origin;
  await fillIdpLogin(page, username);
  await waitForApp(page, appOrigin, options.returnTo);
}

/** The dev IdP's login form: waits for it, fills username and password "demo", submits. */
export async function fillIdpLogin(page: Page, username: TDemoUsername, options: { authAgeMinutes?: number } = {}): Promise<void> {
  await page.waitForURL(/\/interaction\//);
  await page.locator("#username").fill(username);
  await page.locator("#password").fill("demo");
  if (options.authAgeMinutes !== undefined) {
    await page.getByText("Testing", { exact: true }).click();
    await page.locator("#auth_age_minutes").fill(String(options.authAgeMinutes));
  }
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function waitForApp(page: Page, appOrigin: string, returnTo?: string | RegExp): Promise<void> {
  await page.waitForURL((url) => {
    if (url.origin !== appOrigin || url.pathname.startsWith("/signin") || url.pathname.startsWith("/api/auth")) return false;
    if (returnTo === undefined) return true;
    const path = `${url.pathname}${url.search}`;
    return typeof returnTo === "string" ? path === returnTo : returnTo.test(path);
  });
}

/** Signs out through the user menu (or the no-access / 403 page's button) and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await page.waitForURL(/\/signin/);
  await expect(page.getByText("You are signed out.")).toBeVisible();
}
