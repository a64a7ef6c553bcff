// An auditor exports the filtered Accounts view as CSV and as PDF and finds both on the Reports page,
// with the filters and the data hash; a viewer gets no export buttons and no Reports page. An admin
// sets up the scheduled report in Settings (a bad path gets the 400's message) and the Reports page
// shows its destination and next run; an auditor sees it but cannot change it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/sign-in";

test("an auditor exports the filtered view as CSV and PDF and sees both on the Reports page", async ({ page }) => {
  await signIn(page, "auditor");
  await page.goto("/accounts?status=NON_COMPLIANT");
  const exportGroup = page.getByRole("group", { name: "Export this view" });
  await expect(exportGroup).toBeVisible();

  const [csv] = await Promise.all([page.waitForEvent("download"), exportGroup.getByRole("link", { name: "CSV" }).click()]);
  expect(csv.suggestedFilename()).toMatch(/^rootwarden-compliance-o-[a-z0-9]+-\d{8}T\d{6}Z\.csv$/);
  const csvBytes = readFileSync((await csv.path())!);
  const lines = csvBytes.toString("utf8").split("\r\n");
  expect(lines[0]).toMatch(/^Account ID,Account name,OU path,Account state,Rule ID/);
  expect(lines.length).toBeGreaterThan(2);
  // The filtered view: every account row belongs to a non-compliant account, so each has a FAIL row.
  expect(lines.some((l) => l.includes(",FAIL,"))).toBe(true);

  const [pdf] = await Promise.all([page.waitForEvent("download"), exportGroup.getByRole("link", { name: "PDF" }).click()]);
  expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
  expect(readFileSync((await pdf.path())!).subarray(0, 5).toString()).toBe("%PDF-");

  await page.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
  await expect(page.getByTestId("standard-exports")).toContainText("End of last month");
  const rows = page.getByTestId("export-row").filter({ hasText: "status=NON_COMPLIANT" });
  await expect(rows.filter({ hasText: "PDF" })).toHaveCount(1);
  const csvRow = rows.filter({ hasText: "CSV" });
  await expect(csvRow).toHaveCount(1);
  await expect(csvRow).toContainText("auditor");
  const sha = createHash("sha256").update(csvBytes).digest("hex");
  await expect(csvRow.locator(`[title="${sha}"]`)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("reports-page.png"), fullPage: true });
});

test("an auditor exports the account summary as JSON Lines as of a chosen time and finds it on the Reports page", async ({ page }) => {
  await signIn(page, "auditor");
  await page.goto("/reports");
  const form = page.getByRole("form", { name: "Export as of a time" });
  // Yesterday at noon UTC, whatever today is.
  const asOf = new Date(Date.now() - 86_400_000).toISOString().slice(0, 11) + "12:00";
  await form.getByLabel("As of (UTC, end of the minute)").fill(asOf);
  await form.getByLabel("Report").selectOption("accounts");
  await expect(form.getByLabel("Format").locator("option", { hasText: "PDF" })).toHaveCount(0);
  await form.getByLabel("Format").selectOption("jsonl");
  const [download] = await Promise.all([page.waitForEvent("download"), form.getByRole("link", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.jsonl$/);
  const lines = readFileSync((await download.path())!, "utf8").trim().split("\n");
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  // The account summary: one row per account, with its failing-rule count (the compliance report has rule rows).
  expect(Object.keys(first)).toEqual(expect.arrayContaining(["accountId", "status", "failingRuleCount"]));
  expect(new Set(lines.map((l) => (JSON.parse(l) as { accountId: string }).accountId)).size).toBe(lines.length);
  // A time in the future is refused in the form, with no link.
  await form.getByLabel("As of (UTC, end of the minute)").fill("2999-01-01T00:00");
  await expect(form.getByRole("alert")).toHaveText("Pick a time that is not in the future.");
  await expect(form.getByRole("link", { name: "Download" })).toHaveCount(0);

  await page.reload();
  const row = page.getByTestId("export-row").filter({ hasText: `${asOf.replace("T", " ")} UTC` });
  await expect(row.filter({ hasText: "JSONL" })).toHaveCount(1);
  await expect(row.first()).toContainText("accounts");
});

test("a viewer has no export buttons and no Reports page", async ({ page }) => {
  await signIn(page, "viewer");
  await page.goto("/accounts?status=NON_COMPLIANT");
  await expect(page.getByRole("heading", { name: "Accounts", level: 1 })).toBeVisible();
  await expect(page.getByRole("group", { name: "Export this view" })).toHaveCount(0);
  await expect(page.getByRole("navigation").getByRole("link", { name: "Reports" })).toHaveCount(0);
  const res = await page.request.get("/api/reports/compliance?format=csv");
  expect(res.status()).toBe(403);
  const pageRes = await page.goto("/reports");
  expect(pageRes?.status()).toBe(403);
});

test("an admin sets up the scheduled report in Settings and the Reports page shows where and when it runs", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/settings#scheduled-report");
  const form = page.getByRole("form", { name: "Scheduled report" });
  await expect(form).toBeVisible();
  // A directory the workers do not have: saved, but no run of it writes or records anything.
  const dir = `/nonexistent-rootwarden-e2e-${Date.now()}`;
  await form.getByRole("checkbox", { name: /Write the compliance report of each month/ }).check();
  await form.getByRole("radio", { name: "A directory on the worker machines" }).check();
  await form.getByLabel("Directory", { exact: true }).fill("reports/monthly");
  await form.getByRole("button", { name: "Save scheduled report" }).click();
  await expect(form.getByRole("alert")).toContainText("destination.path: must be an absolute path (starting with /)");

  await form.getByLabel("Directory", { exact: true }).fill(dir);
  await form.getByRole("checkbox", { name: "JSON Lines" }).check();
  await form.getByRole("button", { name: "Save scheduled report" }).click();
  await expect(form.getByText("Saved.")).toBeVisible();

  await page.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
  const card = page.getByTestId("scheduled-report");
  await expect(card).toContainText(`CSV, JSONL, PDF to directory ${dir}`);
  // The month just ended is due (or, if a worker tick already tried it, waits for its retry).
  const now = new Date();
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 1);
  const monthName = lastMonth.toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
  await expect(page.getByTestId("scheduled-next-run")).toContainText(`${monthName} (as of ${lastMonth.toISOString().slice(0, 10)} 23:59:59 UTC)`);
  await page.screenshot({ path: test.info().outputPath("reports-scheduled.png"), fullPage: true });

  // Off again, so other journeys see no scheduled runs.
  await card.getByRole("link", { name: "Settings › Scheduled report" }).click();
  await page.getByRole("form", { name: "Scheduled report" }).getByRole("checkbox", { name: /Write the compliance report of each month/ }).uncheck();
  await page.getByRole("form", { name: "Scheduled report" }).getByRole("button", { name: "Save scheduled report" }).click();
  await expect(page.getByRole("form", { name: "Scheduled report" }).getByText("Saved.")).toBeVisible();
  await page.goto("/reports");
  await expect(page.getByTestId("scheduled-off")).toContainText("Off. Turn it on in Settings › Scheduled report.");
});

test("an auditor sees the scheduled report but not how to change it", async ({ page }) => {
  await signIn(page, "auditor");
  await page.goto("/reports");
  await expect(page.getByTestId("scheduled-report")).toContainText("Settings › Scheduled report (admins)");
  await expect(page.getByTestId("scheduled-report").getByRole("link", { name: /Settings/ })).toHaveCount(0);
  const res = await page.request.patch("/api/settings/report-schedule", { data: { enabled: false } });
  expect(res.status()).toBe(403);
});
