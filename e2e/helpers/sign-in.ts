// Signs a demo user in through the real OIDC flow: the app's sign-in button, the dev IdP's login
// form (username + password "demo"), and back to the app with a session cookie.
import { expect, type Page } from "@playwright/test";

export const DEMO_USERNAMES = ["viewer", "auditor", "operator", "approver", "admin", "opsapprover", "norole"] as const;
export type TDemoUsername = (typeof DEMO_USERNAMES)[number];

export async function signIn(page: Page, username: TDemoUsername, options: { callbackUrl?: string } = {}): Promise<void> {
  const query = options.callbackUrl ? `?callbackUrl=${encodeURIComponent(options.callbackUrl)}` : "";
  await page.goto(`/signin${query}`);
  const appOrigin = new URL(page.url()).origin;
  await page.getByRole("button", { name: /^Sign in with / }).click();
  await page.waitForURL(/\/interaction\//);
  await page.locator("#username").fill(username);
  await page.locator("#password").fill("demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.origin === appOrigin && !url.pathname.startsWith("/signin") && !url.pathname.startsWith("/api/auth"));
}

/** Signs out through the user menu (or the no-access / 403 page's button) and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await page.waitForURL(/\/signin/);
  await expect(page.getByText("You are signed out.")).toBeVisible();
}
