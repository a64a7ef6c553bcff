// An auditor exports the filtered Accounts view as CSV and as PDF and finds both on the Reports page,
// with the filters and the data hash; a viewer gets no export buttons and no Reports page.
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
