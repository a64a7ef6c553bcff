// Journey: RootSessions is off; an admin requests enabling it on Settings › Organization, an approver
// approves, the job enables it in AWS and the Overview shows it enabled.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn } from "./helpers/sign-in";
import { expectRequestStatus, vote } from "./helpers/tasks";

async function simFeatures(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${process.env.E2E_SIM_ENDPOINT}/_sim/features`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

async function signedIn(browser: Browser, username: "admin" | "approver"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, username);
  return page;
}

const ROOT_SESSIONS_ON = "Privileged root actions in member accounts (root sessions) are enabled";
const ROOT_SESSIONS_OFF = "Root sessions (privileged root actions) are not enabled";

test.afterAll(async () => {
  // Whatever happened, leave the simulated organization as the other journeys expect it.
  await simFeatures({ rootSessions: true });
});

test("an admin requests enabling RootSessions, an approver approves, the Overview shows it enabled", async ({ browser }) => {
  test.setTimeout(180_000);
  await simFeatures({ rootSessions: false });
  const admin = await signedIn(browser, "admin");

  // Settings › Organization reads AWS live: step 4 is off; Sync now brings the Overview up to date.
  await admin.goto("/settings/organization");
  await expect(admin.getByRole("heading", { level: 1 })).toHaveText("Organization set-up");
  const step = admin.getByTestId("org-step-ROOT_SESSIONS");
  await expect(step.getByTestId("org-step-state")).toHaveText("Disabled");
  await expect(admin.getByTestId("org-step-TRUSTED_ACCESS").getByTestId("org-step-state")).toHaveText("Enabled");
  await admin.getByTestId("org-sync-now").click();
  await expect(admin.getByRole("status")).toContainText("Organization sync queued");
  await expect(async () => {
    await admin.goto("/overview");
    await expect(admin.getByTestId("org-features")).toContainText(ROOT_SESSIONS_OFF, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });

  await admin.goto("/settings/organization");
  await admin.getByTestId("org-step-ROOT_SESSIONS").getByRole("button", { name: "Enable… RootSessions" }).click();
  const dialog = admin.getByRole("dialog", { name: "Enable RootSessions" });
  await dialog.getByTestId("org-request-reason").fill("Scans and privileged tasks need AssumeRoot again");
  await dialog.getByRole("button", { name: "Request approval" }).click();
  const link = admin.getByRole("status").getByRole("link", { name: "Open the request" });
  await expect(link).toBeVisible();
  const href = await link.getAttribute("href");
  const requestId = /^\/requests\/([0-9a-f-]{36})$/.exec(href ?? "")?.[1];
  expect(requestId, `request link ${href}`).toBeTruthy();
  await expect(admin.getByTestId("org-step-ROOT_SESSIONS")).toContainText("Enable RootSessions");

  // The approver approves on the request page, in their own signed-in browser: the page's Approve button.
  const approver = await signedIn(browser, "approver");
  await approver.goto(`/requests/${requestId}`);
  await expect(approver.getByRole("heading", { level: 1 })).toContainText(/Request #\d+/);
  await vote(approver, "Approve", "Checked the reason: RootSessions goes back on.");
  await expectRequestStatus(approver, "Succeeded", 90_000);

  // The job enables it, reads it back and updates the organization row: the Overview shows it at once.
  await expect(async () => {
    await admin.goto("/overview");
    await expect(admin.getByTestId("org-features")).toContainText(ROOT_SESSIONS_ON, { timeout: 1_000 });
  }).toPass({ timeout: 90_000 });
  await admin.goto("/settings/organization");
  await expect(admin.getByTestId("org-step-ROOT_SESSIONS").getByTestId("org-step-state")).toHaveText("Enabled");
});
