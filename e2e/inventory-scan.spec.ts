// An operator scans an OU from the accounts page and watches the live progress bar until the final
// summary; the AWS simulator is slowed down so the bar is seen moving.
import { expect, test } from "@playwright/test";
import pg from "pg";
import { signIn } from "./helpers/sign-in";

type TTarget = { id: string; path: string; accounts: number };

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

  await page.getByRole("button", { name: "Scan this OU" }).click();
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
