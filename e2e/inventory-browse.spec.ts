// A viewer browses the inventory: the OU tree (expand with the keyboard, search, select), filters the
// table to non-compliant accounts in that subtree, opens one and sees its root credentials. A viewer
// gets no scan buttons or row checkboxes anywhere, and the API refuses a scan from them.
import { expect, test } from "@playwright/test";
import pg from "pg";
import { signIn } from "./helpers/sign-in";

type TTarget = { id: string; name: string; path: string; nonCompliant: number };

// The OU under the root with the most non-compliant accounts below it (and at least one child OU).
async function findTargetOu(): Promise<TTarget> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<TTarget>(`
      SELECT o."id", o."name", o."path", count(a."id")::int AS "nonCompliant"
      FROM "Ou" o
      JOIN "Ou" parent ON parent."id" = o."parentId" AND parent."isRoot"
      JOIN "Account" a ON starts_with(a."ouIdPath", o."idPath") AND a."leftOrgAt" IS NULL
        AND a."status" = 'NON_COMPLIANT' AND a."lastScannedAt" > now() - interval '48 hours'
      WHERE o."removedAt" IS NULL AND EXISTS (SELECT 1 FROM "Ou" c WHERE c."parentId" = o."id" AND c."removedAt" IS NULL)
      GROUP BY o."id" ORDER BY 4 DESC, o."path" LIMIT 1`);
    if (!rows[0]) throw new Error("The seeded organization has no OU with non-compliant accounts below the root.");
    return rows[0];
  } finally {
    await client.end();
  }
}

test("a viewer browses the OU tree, filters non-compliant accounts and opens one", async ({ page }) => {
  const target = await findTargetOu();
  await signIn(page, "viewer");
  await page.goto("/accounts");

  const tree = page.getByRole("tree", { name: "Organizational units" });
  await expect(tree.getByRole("treeitem", { name: /^Whole organization,/ })).toHaveAttribute("aria-expanded", "true");
  const item = tree.getByRole("treeitem", { name: new RegExp(`^${target.name}, ${target.nonCompliant} non-compliant`) });
  await expect(item).toHaveAttribute("aria-expanded", "false");

  // Keyboard: arrow right expands, Enter selects.
  await item.focus();
  await page.keyboard.press("ArrowRight");
  await expect(item).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`ouId=${target.id}`));
  await expect(item).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("scope-label")).toContainText(target.path);

  // Filter to non-compliant: the table shows exactly the subtree's non-compliant accounts.
  await page.getByRole("button", { name: "Non-compliant", exact: true }).click();
  await expect(page).toHaveURL(/status=NON_COMPLIANT/);
  const table = page.getByTestId("account-table");
  await expect(page.getByTestId("result-range")).toContainText(`of ${target.nonCompliant}`);
  const rows = table.locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  const statuses = await table.locator("tbody [data-status]").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")));
  expect(new Set(statuses)).toEqual(new Set(["NON_COMPLIANT"]));

  // Sorting by status is announced through aria-sort.
  await page.getByRole("button", { name: /^Status/ }).click();
  await expect(page.getByRole("columnheader", { name: /Status/ })).toHaveAttribute("aria-sort", "ascending");

  // The URL is the state: a reload shows the same filtered scope.
  await page.reload();
  await expect(page.getByTestId("result-range")).toContainText(`of ${target.nonCompliant}`);
  await expect(page.getByRole("button", { name: "Non-compliant", exact: true })).toHaveAttribute("aria-pressed", "true");

  // OU search shows full paths.
  await page.getByPlaceholder("Search OUs by name, path or id").fill(target.name);
  await expect(page.getByRole("list", { name: "Matching OUs" }).getByText(target.path, { exact: true })).toBeVisible();
  await page.getByPlaceholder("Search OUs by name, path or id").fill("");

  // Open the first account: its root credentials and failing rules.
  const first = rows.first().getByRole("link");
  const name = (await first.textContent())?.trim() ?? "";
  await first.click();
  await expect(page).toHaveURL(/\/accounts\/\d{12}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  await expect(page.getByRole("heading", { name: "Root credentials" })).toBeVisible();
  await expect(page.getByTestId("password")).toHaveText(/Present|None/);
  await expect(page.getByTestId("access-keys")).toBeVisible();
  await expect(page.getByTestId("mfa-devices")).toBeVisible();
  await expect(page.getByTestId("failing-rules").locator("li").first()).toBeVisible();
  await expect(page.getByTestId("history").locator("tbody tr").first()).toBeVisible();
});

test("a viewer has no scan buttons or row checkboxes, and the API refuses a scan from them", async ({ page }) => {
  await signIn(page, "viewer");
  for (const path of ["/overview", "/accounts"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByTestId("scan-button")).toHaveCount(0);
  }
  await expect(page.getByTestId("account-table").locator("tbody tr").first()).toBeVisible();
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await page.getByTestId("account-table").locator("tbody tr").first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Root credentials" })).toBeVisible();
  await expect(page.getByTestId("scan-button")).toHaveCount(0);

  const origin = new URL(page.url()).origin;
  const res = await page.request.post("/api/scans", { data: { scope: { type: "ORG" } }, headers: { origin } });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.message).toContain("scans.start");
});
