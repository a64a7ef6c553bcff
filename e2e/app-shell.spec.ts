// The app shell for a newcomer: signed-out landing page, security headers, health, the way to
// sign in, and the dashboard frame with its sections once signed in.
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/sign-in";

test("signed-out landing page explains the product and leads to sign-in", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Govern root access across your AWS Organization/);
  await page.getByRole("link", { name: "Sign in with SSO" }).click();
  await expect(page).toHaveURL(/\/signin/);
});

test("every page carries the security headers and no x-powered-by", async ({ request }) => {
  for (const path of ["/", "/signin", "/api/health"]) {
    const res = await request.get(path);
    const headers = res.headers();
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["x-powered-by"], path).toBeUndefined();
  }
});

test("health tells anyone only the status, and an admin the database and migration details", async ({ page, request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: "ok" });
  await signIn(page, "admin");
  const body = await (await page.request.get("/api/health")).json();
  expect(body.status).toBe("ok");
  expect(body.database.reachable).toBe(true);
  expect(body.migrations.pending).toEqual([]);
});

test("dashboard pages send a signed-out visitor to sign in", async ({ page }) => {
  await page.goto("/overview");
  await expect(page).toHaveURL(/\/signin/);
});

test("the dashboard frame shows the sections an admin may use", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/settings");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Overview" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Accounts" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Audit" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Reports" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Requests" })).toBeVisible();
  // Approvals is for approvers: an admin does not vote on requests.
  await expect(nav.getByRole("link", { name: /^Approvals/ })).toHaveCount(0);
});

test("the production server refuses to start without a session secret, https URL and IdP", async () => {
  // The same build, started as an operator might forget to configure it.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", APP_URL: "http://rootwarden.example.com" };
  const child = spawn(process.execPath, [path.join("node_modules", "next", "dist", "bin", "next"), "start", "-p", "0", "-H", "127.0.0.1"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 45_000);
    child.once("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  expect(code, output).toBe(1);
  expect(output).toContain("AUTH_SECRET: required in production");
  expect(output).toContain("APP_URL: must be an https:// URL in production");
  expect(output).toContain("OIDC_ISSUER: required in production");
});

