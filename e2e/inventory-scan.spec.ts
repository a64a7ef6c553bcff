// An operator scans from the accounts page and watches the live progress bar until the final summary:
// an OU (after confirming the GuardDuty warning) and two accounts picked in the table (no dialog).
// The AWS simulator is slowed down so the bar is seen moving.
import { expect, test } from "@playwright/test";
import pg from "pg";
import { signIn } from "./helpers/sign-in";

type TTarget = { id: string; path: string; accounts: number };
type TPick = { ouId: string; accounts: { id: string; name: string }[] };

async function findTargetOu(): Promise<TTarget> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    // A non-root OU with a handful of scannable accounts in its subtree.
    const { rows } = await client.query<TTarget>(`
      SELECT o."id", o."path", count(a."id")::int AS accounts
      FROM "Ou" o
      JOIN "Account" a ON starts_with(a."ouIdPath", o."idPath") AND a."leftOrgAt" IS NULL
      WHERE NOT o."isRoot" AND o."removedAt" IS NULL
      GROUP BY o."id"
      HAVING count(a."id") FILTER (WHERE a."state" = 'ACTIVE' AND NOT a."isManagement") BETWEEN 4 AND 30
      ORDER BY count(a."id") DESC, o."path" LIMIT 1`);
    if (!rows[0]) throw new Error("The seeded organization has no OU with 4-30 scannable accounts.");
    return rows[0];
  } finally {
    await client.end();
  }
}

async function findTwoAccounts(): Promise<TPick> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    // Two scannable accounts directly in an OU small enough to fit on the first page.
    const { rows } = await client.query<{ ouId: string; id: string; name: string }>(`
      WITH small AS (
        SELECT a."ouId" FROM "Account" a WHERE a."leftOrgAt" IS NULL AND a."ouId" IS NOT NULL
        GROUP BY 1 HAVING count(*) <= 50 AND count(*) FILTER (WHERE a."state" = 'ACTIVE' AND NOT a."isManagement") >= 2
        ORDER BY 1 LIMIT 1)
      SELECT a."ouId", a."id", a."name" FROM "Account" a JOIN small USING ("ouId")
      WHERE a."leftOrgAt" IS NULL AND a."state" = 'ACTIVE' AND NOT a."isManagement"
      ORDER BY a."id" LIMIT 2`);
    if (rows.length < 2) throw new Error("The seeded organization has no OU with two scannable accounts.");
    return { ouId: rows[0].ouId, accounts: rows.map(({ id, name }) => ({ id, name })) };
  } finally {
    await client.end();
  }
}

async function setSimFaults(faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${process.env.E2E_SIM_ENDPOINT}/_sim/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`Could not set simulator faults: HTTP ${res.status} ${await res.text()}`);
}

test.afterEach(async () => {
  await setSimFaults({ latencyMs: 0 });
});

test("an operator scans an OU and watches the progress to the end", async ({ page }) => {
  const target = await findTargetOu();
  // Every AWS call takes ~0.4 s, so the scan runs long enough to watch.
  await setSimFaults({ latencyMs: 400 });
  await signIn(page, "operator");
  await page.goto(`/accounts?ouId=${target.id}`);
  await expect(page.getByTestId("scope-label")).toContainText(target.path);

  // Each audit opens a root session, so an OU scan is confirmed first; Escape backs out.
  const scanOu = page.getByRole("button", { name: "Scan this OU" });
  await scanOu.click();
  const dialog = page.getByRole("dialog", { name: `Scan OU ${target.path}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`${target.accounts} accounts`);
  await expect(dialog).toContainText("sts:AssumeRoot");
  await expect(dialog).toContainText("Policy:IAMUser/RootCredentialUsage");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(scanOu).toBeFocused();
  await expect(page.getByTestId("scan-progress")).toHaveCount(0);

  await scanOu.click();
  await dialog.getByRole("button", { name: `Scan ${target.accounts} accounts` }).click();
  await expect(dialog).toHaveCount(0);
  const bar = page.getByRole("progressbar", { name: `Scan of OU ${target.path}` });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute("aria-valuemax", String(target.accounts));
  await expect(page.getByTestId("scan-running")).toContainText(`/ ${target.accounts} accounts`);

  const summary = page.getByTestId("scan-summary");
  await expect(summary).toBeVisible({ timeout: 60_000 });
  await expect(summary).toHaveAttribute("data-scan-status", "SUCCEEDED");
  await expect(summary).toContainText(`Scan of OU ${target.path} finished`);
  await expect(bar).toHaveCount(0);

  // The table reloaded with the new results: every account in the OU was scanned moments ago.
  await expect(page.getByTestId("account-table").locator("tbody tr").first()).toContainText(/just now|min ago|not read yet/);
});

test("an operator selects two accounts, scans them and watches the progress to the end", async ({ page }) => {
  const pick = await findTwoAccounts();
  await setSimFaults({ latencyMs: 400 });
  await signIn(page, "operator");
  await page.goto(`/accounts?ouId=${pick.ouId}`);

  const [a, b] = pick.accounts;
  const scanSelected = page.getByRole("button", { name: /^Scan selected/ });
  await expect(scanSelected).toHaveAttribute("aria-disabled", "true");
  await page.getByRole("checkbox", { name: `Select ${a.name} (${a.id})` }).check();
  // Keyboard: Space toggles a focused checkbox.
  const second = page.getByRole("checkbox", { name: `Select ${b.name} (${b.id})` });
  await second.focus();
  await page.keyboard.press("Space");
  await expect(second).toBeChecked();
  await expect(page.getByTestId("selection-count")).toContainText("2 of");
  await expect(scanSelected).toHaveText("Scan selected (2)");

  await scanSelected.click();
  // A chosen list of accounts needs no confirmation.
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const bar = page.getByRole("progressbar", { name: "Scan of 2 accounts" });
  const summary = page.getByTestId("scan-summary");
  await expect(bar.or(summary)).toBeVisible();
  await expect(summary).toBeVisible({ timeout: 60_000 });
  await expect(summary).toHaveAttribute("data-scan-status", "SUCCEEDED");
  await expect(summary).toContainText("Scan of 2 accounts finished");
  await expect(summary).toContainText("2 scanned · 0 failed · 0 skipped of 2");
  await expect(bar).toHaveCount(0);

  // The started scan cleared the selection; the two rows show the new results.
  await expect(scanSelected).toHaveText("Scan selected (0)");
  await expect(page.getByRole("checkbox", { checked: true })).toHaveCount(0);
  for (const { id } of pick.accounts) {
    await expect(page.locator(`tr[data-account-id="${id}"]`)).toContainText(/just now|min ago/);
  }
});

test("the selection covers the current page and is cleared when the filters change", async ({ page }) => {
  await signIn(page, "operator");
  await page.goto("/accounts?pageSize=25");
  const all = page.getByRole("checkbox", { name: "Select all 25 accounts on this page" });
  await all.check();
  await expect(page.getByTestId("selection-count")).toContainText("25 of 25 on this page selected");
  await page.getByRole("checkbox", { name: /^Select (?!all)/ }).first().uncheck();
  await expect(all).not.toBeChecked();
  expect(await all.evaluate((el: HTMLInputElement) => el.indeterminate)).toBe(true);
  await expect(page.getByRole("button", { name: "Scan selected (24)" })).toBeVisible();

  await page.getByRole("button", { name: "Next page" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByRole("button", { name: "Scan selected (0)" })).toBeVisible();
  await expect(page.getByRole("checkbox", { checked: true })).toHaveCount(0);

  await page.getByRole("checkbox", { name: /^Select (?!all)/ }).first().check();
  await expect(page.getByRole("button", { name: "Scan selected (1)" })).toBeVisible();
  await page.getByRole("button", { name: "Non-compliant", exact: true }).click();
  await expect(page).toHaveURL(/status=NON_COMPLIANT/);
  await expect(page.getByRole("button", { name: "Scan selected (0)" })).toBeVisible();
  await expect(page.getByRole("checkbox", { checked: true })).toHaveCount(0);
});

test("an organization scan asks first, with the number of accounts, and Cancel starts nothing", async ({ page }) => {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Account" WHERE "leftOrgAt" IS NULL AND "ouId" IS NOT NULL`);
  await client.end();
  await signIn(page, "operator");
  await page.goto("/overview");

  await page.getByRole("button", { name: "Scan organization" }).click();
  const dialog = page.getByRole("dialog", { name: "Scan the whole organization?" });
  await expect(dialog).toContainText(`${rows[0].n} accounts`);
  await expect(dialog).toContainText("Tell your security team before large scans.");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId("scan-progress")).toHaveCount(0);
});
