// Signing in through the company's SSO (here the dev IdP's real OIDC login form): each demo user
// sees what their roles allow, a user without a role sees only the no-access page, and sign-out ends
// the session for pages and API alike.
import { expect, test, type Page } from "@playwright/test";
import { signIn, signOut, type TDemoUsername } from "./helpers/sign-in";

const SECTIONS = ["Overview", "Accounts", "Requests", "Approvals", "Audit", "Reports", "Settings"] as const;
type TSection = (typeof SECTIONS)[number];

// What each demo user may see, written out by hand from the issue (not computed from the catalogue,
// so a wrong catalogue entry fails here).
const EXPECTED: Record<Exclude<TDemoUsername, "norole">, { roles: string; sections: TSection[]; admin: boolean }> = {
  viewer: { roles: "viewer", sections: ["Overview", "Accounts"], admin: false },
  auditor: { roles: "auditor", sections: ["Overview", "Accounts", "Requests", "Audit", "Reports"], admin: false },
  operator: { roles: "operator", sections: ["Overview", "Accounts", "Requests"], admin: false },
  approver: { roles: "approver", sections: ["Overview", "Accounts", "Requests", "Approvals"], admin: false },
  admin: { roles: "admin", sections: ["Overview", "Accounts", "Requests", "Audit", "Reports", "Settings"], admin: true },
  opsapprover: { roles: "operator, approver", sections: ["Overview", "Accounts", "Requests", "Approvals"], admin: false },
};

async function expectSections(page: Page, visible: TSection[]): Promise<void> {
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const section of SECTIONS) {
    // By the link's name: Approvals carries its waiting count in it ("Approvals 3 waiting").
    const item = nav.getByRole("link", { name: new RegExp(`^${section}( \\d+ waiting)?$`) });
    if (visible.includes(section)) await expect(item, `${section} should be in the navigation`).toBeVisible();
    else await expect(item, `${section} should not be in the navigation`).toHaveCount(0);
  }
}

test("the sign-in page lists the dev IdP's demo users with their roles", async ({ page }) => {
  await page.goto("/signin");
  const list = page.getByRole("region", { name: /Demo users/ });
  await expect(list).toContainText("Password for all: demo");
  await expect(list.getByRole("row", { name: /opsapprover/ })).toContainText("operator, approver");
  await expect(list.getByRole("row", { name: /norole/ })).toContainText("none");
});

for (const [username, expected] of Object.entries(EXPECTED) as [keyof typeof EXPECTED, (typeof EXPECTED)[keyof typeof EXPECTED]][]) {
  test(`${username} signs in through the OIDC login form and sees what ${expected.roles} may see`, async ({ page, context }) => {
    await signIn(page, username);
    await expect(page).toHaveURL(/\/overview$/);
    await expect(page.getByTestId("user-roles")).toHaveText(expected.roles);
    await expectSections(page, expected.sections);

    const session = (await context.cookies()).find((c) => c.name === "next-auth.session-token");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");

    const me = await page.request.get("/api/me");
    expect(me.status()).toBe(200);
    expect((await me.json()).actor.roles.join(", ")).toBe(expected.roles);

    const users = await page.request.get("/api/users");
    await page.goto("/settings");
    if (expected.admin) {
      expect(users.status()).toBe(200);
      await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
      await expect(page.getByTestId("users-table").getByRole("row", { name: /Ada Admin/ })).toContainText("admin");
      await expect(page.getByTestId("permissions-table")).toContainText("tasks.approve");
    } else {
      expect(users.status()).toBe(403);
      expect((await users.json()).error.details.permission).toBe("users.read");
      await expect(page.getByRole("heading", { name: "You do not have permission to see this page" })).toBeVisible();
      await expect(page.getByText(`Your roles: ${expected.roles}`)).toBeVisible();
    }
  });
}

test("admin sees every user's current roles on the Settings page", async ({ page, browser }) => {
  // Someone else signs in first, in their own browser, so the admin has more than themself to see.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "opsapprover");
  await other.close();

  await signIn(page, "admin", { callbackUrl: "/settings" });
  await expect(page).toHaveURL(/\/settings$/);
  const row = page.getByTestId("users-table").getByRole("row", { name: /Otto Opsapprover/ });
  await expect(row).toContainText("operator");
  await expect(row).toContainText("approver");
  await expect(row).toContainText("rootwarden-operators");
});

test("a user without a role sees the no-access page and can reach nothing else", async ({ page }) => {
  await signIn(page, "norole");
  await expect(page).toHaveURL(/\/no-access$/);
  await expect(page.getByRole("heading", { name: "You have no access to Rootwarden yet" })).toBeVisible();
  await expect(page.getByRole("row", { name: /admin/ })).toContainText("rootwarden-admins");
  await expect(page.getByText("Your groups at your last sign-in:")).toContainText("all-staff");

  for (const path of ["/overview", "/settings"]) {
    await page.goto(path);
    await expect(page, path).toHaveURL(/\/no-access$/);
  }
  for (const path of ["/api/accounts", "/api/overview", "/api/users"]) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(403);
  }
  expect(((await (await page.request.get("/api/me")).json()).actor.roles)).toEqual([]);
});

test("signing out ends the session for pages and the API; the next sign-in asks again", async ({ page }) => {
  await signIn(page, "operator");
  await signOut(page);

  expect((await page.request.get("/api/me")).status()).toBe(401);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fsettings/);

  // The IdP asks for credentials again, so another person can sign in on the same browser.
  await signIn(page, "admin", { callbackUrl: "/settings" });
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByTestId("user-roles")).toHaveText("admin");
});

test("API calls without a session get 401 JSON, cross-origin writes get 403", async ({ request, page }) => {
  const anonymous = await request.get("/api/accounts");
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error.code).toBe("UNAUTHENTICATED");

  await signIn(page, "operator");
  const crossSite = await page.request.post("/api/scans", {
    headers: { origin: "https://evil.example" },
    data: { scope: { type: "ORG" } },
  });
  expect(crossSite.status()).toBe(403);
  expect((await crossSite.json()).error.details.reason).toBe("cross-origin");
});
