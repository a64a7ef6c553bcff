// Every page passes axe with no serious or critical violation, as a user who can see it. The pages
// come from the file system (app/**/page.tsx and the special pages such as forbidden.tsx), so a new
// page without an entry in VIEWS below fails here until someone says how to reach it.
import { readdirSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import pg from "pg";
import { signIn, type TDemoUsername } from "./helpers/sign-in";

type TView = {
  name: string;
  /** null: signed out. */
  as: TDemoUsername | null;
  /** Goes to the page, puts it in the state to check and waits until it has rendered. */
  open: (page: Page) => Promise<void>;
};

const APP_DIR = path.join(process.cwd(), "app");
// Files Next renders as a whole page: routes, and the pages for forbidden(), unauthorized() and notFound().
const PAGE_FILES = /(^|\/)(page|forbidden|unauthorized|not-found|global-not-found)\.(tsx|jsx|ts|js|mdx)$/;

// Operators see the most of the inventory pages (scan buttons, row checkboxes, dialogs).
const VIEWS: Record<string, TView[]> = {
  "app/page.tsx": [{ name: "landing page, signed out", as: null, open: (page) => goto(page, "/") }],
  "app/signin/page.tsx": [
    { name: "sign-in page, signed out", as: null, open: (page) => goto(page, "/signin") },
    {
      name: "sign-in page after signing out",
      as: null,
      open: async (page) => {
        await goto(page, "/signin?signedOut=1");
        await expect(page.getByText("You are signed out.")).toBeVisible();
      },
    },
    {
      name: "sign-in page with an error",
      as: null,
      open: async (page) => {
        await goto(page, "/signin?error=OAuthCallback");
        await expect(page.getByRole("alert").filter({ hasText: "identity provider" })).toBeVisible();
      },
    },
  ],
  "app/no-access/page.tsx": [{ name: "no-access page, user without a role", as: "norole", open: (page) => goto(page, "/no-access") }],
  "app/forbidden.tsx": [
    {
      name: "403 page, viewer on Settings",
      as: "viewer",
      open: async (page) => {
        await goto(page, "/settings", { heading: "You do not have permission to see this page", status: 403 });
      },
    },
  ],
  "app/(dashboard)/overview/page.tsx": [
    { name: "overview", as: "operator", open: openOverview },
    {
      name: "overview with the trend table open",
      as: "operator",
      open: async (page) => {
        await openOverview(page);
        await page.getByText("Trend as a table").click();
        await expect(page.getByRole("table", { name: "Accounts per status per day" })).toBeVisible();
      },
    },
    {
      name: "overview with the organization scan confirmation open",
      as: "operator",
      open: async (page) => {
        await openOverview(page);
        await page.getByRole("button", { name: "Scan organization" }).click();
        await expect(page.getByRole("dialog", { name: "Scan the whole organization?" }).getByRole("button", { name: /^Scan \d+ accounts$/ })).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/accounts/page.tsx": [
    { name: "accounts", as: "operator", open: openAccounts },
    {
      name: "accounts filtered, OU tree expanded and an OU and a row selected",
      as: "operator",
      open: async (page) => {
        const ou = await findOuWithChildren();
        await openAccounts(page);
        const item = page.getByRole("tree", { name: "Organizational units" }).getByRole("treeitem", { name: new RegExp(`^${ou.name},`) });
        await item.focus();
        await page.keyboard.press("ArrowRight");
        await expect(item).toHaveAttribute("aria-expanded", "true");
        await page.keyboard.press("Enter");
        await expect(item).toHaveAttribute("aria-selected", "true");
        await page.getByRole("button", { name: "Non-compliant", exact: true }).click();
        await expect(page).toHaveURL(/status=NON_COMPLIANT/);
        await page.getByRole("checkbox", { name: /^Select (?!all)/ }).first().check();
        await expect(page.getByTestId("selection-count")).toContainText("1 of");
      },
    },
    {
      name: "accounts with an OU search",
      as: "operator",
      open: async (page) => {
        const ou = await findOuWithChildren();
        await openAccounts(page);
        await page.getByRole("searchbox", { name: "Search OUs" }).fill(ou.name);
        await expect(page.getByRole("list", { name: "Matching OUs" }).getByRole("button").first()).toBeVisible();
      },
    },
    {
      name: "accounts with the OU scan confirmation open",
      as: "operator",
      open: async (page) => {
        const ou = await findOuWithChildren();
        await openAccounts(page, `?ouId=${ou.id}`);
        await page.getByRole("button", { name: "Scan this OU" }).click();
        await expect(page.getByRole("dialog", { name: /^Scan OU / }).getByRole("button", { name: /^Scan \d+ accounts?$/ })).toBeVisible();
      },
    },
    {
      name: "accounts with the OU's delete-root-credentials preview open",
      as: "operator",
      open: async (page) => {
        const ou = await findOuWithChildren();
        await openAccounts(page, `?ouId=${ou.id}`);
        await page.getByRole("button", { name: "Delete root credentials in this OU" }).click();
        const dialog = page.getByRole("dialog", { name: "Delete root credentials" });
        await dialog.getByRole("button", { name: "Preview" }).click();
        await expect(dialog.getByTestId("plan-totals")).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/requests/page.tsx": [
    {
      name: "requests, all, as an auditor",
      as: "auditor",
      open: async (page) => {
        await ensureRequest(page);
        await goto(page, "/requests", { heading: "Requests" });
        await expect(page.getByTestId("request-table")).toBeVisible();
      },
    },
    {
      name: "requests, mine and filtered, as the operator",
      as: "operator",
      open: async (page) => {
        await ensureRequest(page);
        await goto(page, "/requests?mine=1&status=OPEN&taskType=DELETE_ROOT_CREDENTIALS", { heading: "Requests" });
        await expect(page.getByTestId("request-table")).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/requests/[requestId]/page.tsx": [
    {
      name: "request page, approver about to vote",
      as: "approver",
      open: async (page) => {
        const id = await ensureRequest(page);
        await goto(page, `/requests/${id}`);
        await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
        await expect(page.getByTestId("targets-table")).toBeVisible();
      },
    },
    {
      name: "request page, requester with cancel confirmation open",
      as: "operator",
      open: async (page) => {
        const id = await ensureRequest(page);
        await goto(page, `/requests/${id}`);
        await expect(page.getByTestId("timeline")).toBeVisible();
        await page.getByRole("button", { name: "Cancel request" }).click();
        await expect(page.getByRole("dialog", { name: /^Cancel request #\d+\?$/ })).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/approvals/page.tsx": [
    {
      name: "approvals inbox, approver",
      as: "approver",
      open: async (page) => {
        await ensureRequest(page);
        await goto(page, "/approvals", { heading: "Approvals" });
        await expect(page.getByTestId("request-table").first()).toBeVisible();
        await expect(page.getByRole("link", { name: /^Approvals \d+ waiting$/ })).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/accounts/[accountId]/page.tsx": [
    {
      name: "account with root credentials left",
      as: "operator",
      open: async (page) => {
        const id = await findNonCompliantAccount();
        await goto(page, `/accounts/${id}`);
        await expect(page.getByRole("heading", { name: "Root credentials" })).toBeVisible();
        await expect(page.getByTestId("failing-rules").locator("li").first()).toBeVisible();
      },
    },
    {
      name: "account with the delete-root-credentials dialog at its preview",
      as: "operator",
      open: async (page) => {
        const id = await findNonCompliantAccount();
        await goto(page, `/accounts/${id}`);
        await page.getByRole("button", { name: "Delete root credentials" }).click();
        const dialog = page.getByRole("dialog", { name: "Delete root credentials" });
        await dialog.getByRole("button", { name: "Preview" }).click();
        await expect(dialog.getByTestId("guardduty-notice")).toBeVisible();
        await dialog.getByLabel(/^Reason/).fill("Remove the root access keys found in the audit");
      },
    },
    {
      name: "account with the unlock-bucket dialog listing buckets",
      as: "operator",
      open: async (page) => {
        const id = await findNonCompliantAccount();
        await goto(page, `/accounts/${id}`);
        await page.getByRole("button", { name: "Unlock S3 bucket policy" }).click();
        const dialog = page.getByRole("dialog", { name: "Unlock S3 bucket policy" });
        await dialog.getByRole("button", { name: "List buckets" }).click();
        await expect(dialog.getByTestId("resource-list").or(dialog.getByText(/has no buckets/))).toBeVisible();
        await dialog.getByLabel("Replace it with a new policy").check();
      },
    },
  ],
  "app/(dashboard)/audit/page.tsx": [
    {
      name: "audit trail, auditor, filtered to scan events with an event open",
      as: "auditor",
      open: async (page) => {
        await goto(page, "/audit?type=scan.", { heading: "Audit trail" });
        const events = page.getByRole("region", { name: "Events" });
        await events.getByRole("button", { name: /^Show event \d+$/ }).first().click();
        await expect(page.getByRole("region", { name: "Event detail" })).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/reports/page.tsx": [
    {
      name: "reports, auditor",
      as: "auditor",
      open: async (page) => {
        await goto(page, "/reports", { heading: "Reports" });
        await expect(page.getByTestId("standard-exports")).toBeVisible();
      },
    },
  ],
  "app/(dashboard)/settings/organization/page.tsx": [
    {
      name: "organization set-up, admin",
      as: "admin",
      open: async (page) => {
        await goto(page, "/settings/organization", { heading: "Organization set-up" });
        await expect(page.getByTestId("org-step-ROOT_SESSIONS").getByTestId("org-step-state")).toBeVisible();
      },
    },
    {
      name: "organization set-up, disable dialog with its warning",
      as: "admin",
      open: async (page) => {
        await goto(page, "/settings/organization", { heading: "Organization set-up" });
        await page.getByTestId("org-step-ROOT_SESSIONS").getByRole("button", { name: /^Disable/ }).click();
        await expect(page.getByRole("dialog").getByRole("alert").first()).toContainText("Disabling RootSessions stops every privileged task and scan");
      },
    },
  ],
  "app/(dashboard)/settings/page.tsx": [
    {
      name: "settings, admin",
      as: "admin",
      open: async (page) => {
        await goto(page, "/settings", { heading: "Settings" });
        await expect(page.getByTestId("users-table")).toBeVisible();
      },
    },
  ],
};

const discovered = discoverPageFiles();

test("pages are discovered from the file system and each has an accessibility check", () => {
  expect(discovered.length, "no page files found under app/: is the discovery broken?").toBeGreaterThanOrEqual(5);
  expect(discovered.filter((f) => !VIEWS[f]), "pages without an entry in VIEWS (e2e/accessibility.spec.ts)").toEqual([]);
  expect(Object.keys(VIEWS).filter((f) => !discovered.includes(f)), "entries in VIEWS for files that no longer exist").toEqual([]);
});

for (const file of discovered) {
  for (const view of VIEWS[file] ?? []) {
    test(`axe: ${view.name} (${file})`, async ({ browser }, testInfo) => {
      const context = await browser.newContext(view.as ? { storageState: await sessionFor(browser, view.as) } : {});
      const page = await context.newPage();
      try {
        await view.open(page);
        const results = await new AxeBuilder({ page }).analyze();
        await testInfo.attach("axe-results.json", { body: JSON.stringify(results.violations, null, 2), contentType: "application/json" });
        const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        for (const v of results.violations.filter((x) => !blocking.includes(x))) {
          testInfo.annotations.push({ type: `axe ${v.impact}`, description: `${v.id}: ${v.nodes.length} node(s)` });
        }
        expect(blocking.map(describeViolation), `serious or critical axe violations on ${page.url()}`).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
}

/** app-relative page files, e.g. "app/(dashboard)/accounts/[accountId]/page.tsx". */
function discoverPageFiles(): string[] {
  return readdirSync(APP_DIR, { recursive: true, encoding: "utf8" })
    .map((f) => f.split(path.sep).join("/"))
    .filter((f) => PAGE_FILES.test(f) && !f.split("/").some((part) => part.startsWith("_")))
    .map((f) => `app/${f}`)
    .sort();
}

// One sign-in per demo user for the whole file: the cookies are reused by every view of that user.
const sessions = new Map<TDemoUsername, Awaited<ReturnType<BrowserContext["storageState"]>>>();
async function sessionFor(browser: Browser, username: TDemoUsername) {
  const cached = sessions.get(username);
  if (cached) return cached;
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, username);
  const state = await context.storageState();
  await context.close();
  sessions.set(username, state);
  return state;
}

async function goto(page: Page, url: string, options: { heading?: string; status?: number } = {}): Promise<void> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(options.status ?? 200);
  const h1 = page.getByRole("heading", { level: 1 });
  if (options.heading) await expect(h1).toHaveText(options.heading);
  else await expect(h1).toBeVisible();
}

async function openOverview(page: Page): Promise<void> {
  await goto(page, "/overview", { heading: "Overview" });
  // recharts draws once its container has been measured.
  await expect(page.getByTestId("trend-chart").locator(".recharts-xAxis")).toBeVisible();
}

async function openAccounts(page: Page, query = ""): Promise<void> {
  await goto(page, `/accounts${query}`, { heading: "Accounts" });
  await expect(page.getByTestId("account-table").locator("tbody tr").first()).toBeVisible();
}

function describeViolation(v: { id: string; impact?: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }): string {
  const nodes = v.nodes.map((n) => `  ${n.target.join(" ")}: ${(n.failureSummary ?? "").replace(/\s+/g, " ")}`);
  return `${v.id} (${v.impact}, ${v.nodes.length} node(s)): ${v.help}\n${nodes.join("\n")}`;
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// An OU under the root that has child OUs, so expanding it shows more of the tree.
async function findOuWithChildren(): Promise<{ id: string; name: string }> {
  const rows = await query<{ id: string; name: string }>(`
    SELECT o."id", o."name" FROM "Ou" o JOIN "Ou" parent ON parent."id" = o."parentId" AND parent."isRoot"
    WHERE o."removedAt" IS NULL AND EXISTS (SELECT 1 FROM "Ou" c WHERE c."parentId" = o."id" AND c."removedAt" IS NULL)
    ORDER BY o."path" LIMIT 1`);
  if (!rows[0]) throw new Error("The seeded organization has no OU with child OUs below the root.");
  return rows[0];
}

// One pending deletion request by the operator, made once per run through the API (as a browser
// would, with its origin): the request, list and approval views all show it.
let requestId: string | null = null;
async function ensureRequest(page: Page): Promise<string> {
  if (requestId) return requestId;
  const browser = page.context().browser();
  if (!browser) throw new Error("No browser to sign the operator in with.");
  const context = await browser.newContext({ storageState: await sessionFor(browser, "operator") });
  try {
    const operator = await context.newPage();
    await operator.goto("/requests");
    const origin = new URL(operator.url()).origin;
    const accountId = await findNonCompliantAccount();
    const res = await operator.request.post("/api/requests", {
      headers: { origin, "content-type": "application/json" },
      data: {
        taskType: "DELETE_ROOT_CREDENTIALS",
        scope: { type: "ACCOUNT", accountId },
        params: { kinds: ["password", "accessKeys", "signingCertificates", "mfaDevices"], deleteVirtualMfa: false },
        reason: "Accessibility check: a pending request to look at",
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    requestId = ((await res.json()) as { request: { id: string } }).request.id;
    return requestId;
  } finally {
    await context.close();
  }
}

async function findNonCompliantAccount(): Promise<string> {
  const rows = await query<{ id: string }>(`
    SELECT "id" FROM "Account" WHERE "leftOrgAt" IS NULL AND "status" = 'NON_COMPLIANT' AND NOT "isManagement"
    ORDER BY cardinality("failingRules") DESC, "id" LIMIT 1`);
  if (!rows[0]) throw new Error("The seeded organization has no non-compliant account.");
  return rows[0].id;
}
