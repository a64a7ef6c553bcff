// Sessions and headers a security reviewer checks: callback URLs never leave the app, pages carry a
// per-request script nonce instead of 'unsafe-inline', signing out ends every copy of the cookie, and
// an admin can end someone's sessions from Settings.
import { expect, test, type Browser, type BrowserContext } from "@playwright/test";
import { signIn, signOut } from "./helpers/sign-in";

async function copyOfSession(browser: Browser, from: BrowserContext): Promise<BrowserContext> {
  const copy = await browser.newContext();
  await copy.addCookies((await from.cookies()).filter((c) => c.name.includes("session-token")));
  return copy;
}

test("a signed-in callback URL with a tab or backslash stays inside the app", async ({ page }) => {
  await signIn(page, "viewer");
  for (const hostile of ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "/%09/evil.example"]) {
    const res = await page.request.get(`/signin?callbackUrl=${encodeURIComponent(hostile)}`, { maxRedirects: 0 });
    expect(res.status(), hostile).toBeGreaterThanOrEqual(300);
    expect(res.status(), hostile).toBeLessThan(400);
    const location = res.headers()["location"] ?? "";
    expect(location, hostile).not.toMatch(/[\t\\]/);
    expect(new URL(location, page.url()).origin, hostile).toBe(new URL(page.url()).origin);
    expect(location, hostile).not.toMatch(/^\/\//);
  }
});

test("pages send a nonce-based CSP and every script carries the nonce", async ({ page }) => {
  await signIn(page, "viewer");
  const seen = new Set<string>();
  for (const path of ["/overview", "/accounts", "/signin"]) {
    const res = await page.request.get(path);
    const csp = res.headers()["content-security-policy"] ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce, path).toBeTruthy();
    expect(seen.has(nonce!), "a new nonce per response").toBe(false);
    seen.add(nonce!);
    const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:\d+(;|$)/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length, path).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
  }
  // The page really runs under that policy: hydrated (the user menu responds) with no CSP errors.
  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto("/accounts");
  await expect(page.getByRole("button", { name: "Sign out" }).first()).toBeVisible();
  expect(violations).toEqual([]);
});

test("signing out ends every copy of the session cookie", async ({ page, context, browser }) => {
  await signIn(page, "auditor");
  const copy = await copyOfSession(browser, context);
  try {
    expect((await copy.request.get("/api/me")).status()).toBe(200);
    await signOut(page);
    expect((await copy.request.get("/api/me")).status()).toBe(401);
  } finally {
    await copy.close();
  }
});

test("an admin ends a user's sessions from Settings", async ({ page, browser }) => {
  const operator = await browser.newContext();
  try {
    const operatorPage = await operator.newPage();
    await signIn(operatorPage, "operator");
    expect((await operator.request.get("/api/me")).status()).toBe(200);

    await signIn(page, "admin");
    await page.goto("/settings");
    const row = page.getByTestId("users-table").getByRole("row", { name: /Olga Operator/ });
    await row.getByRole("button", { name: /End sessions of/ }).click();
    const dialog = page.getByRole("dialog", { name: /End all sessions of/ });
    await dialog.getByRole("button", { name: "End sessions" }).click();
    await expect(row.getByRole("status")).toHaveText(/\d+ sessions? ended\./);
    await expect(row.getByRole("cell").last()).toContainText("0");

    // Within the few seconds a web process trusts its check.
    await expect.poll(async () => (await operator.request.get("/api/me")).status(), { timeout: 15_000 }).toBe(401);
    await operatorPage.goto("/overview");
    await expect(operatorPage).toHaveURL(/\/signin/);
  } finally {
    await operator.close();
  }
});
