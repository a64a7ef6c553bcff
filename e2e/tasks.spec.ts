// Privileged root tasks end to end (issue 10): request -> approval -> execution through the real
// OIDC sign-in, the pg-boss jobs of the app's in-process worker and the AWS simulator. Each journey
// uses its own accounts, so they stay independent of each other and of the order they run in.
import { expect, test, type Browser, type Page } from "@playwright/test";
import {
  apiFromPage,
  expectRequestStatus,
  lastCallSeq,
  lockedBucket,
  mutatingCalls,
  onRequestPage,
  openFromApprovals,
  requestLink,
  requestBucketUnlock,
  setSimFaults,
  sim,
  simBucket,
  simCalls,
  simOrganization,
  vote,
  withDb,
} from "./helpers/tasks";
import { signIn, type TDemoUsername } from "./helpers/sign-in";

// A second person in their own browser context (own cookies), signed in through the IdP.
async function userPage(browser: Browser, username: TDemoUsername): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  await signIn(page, username);
  return page;
}

async function startJobs(requestId: string): Promise<number> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'task-start' AND data->>'requestId' = $1`, [requestId]);
    return rows[0]!.n;
  });
}

// Two or three IdP sign-ins and a job run per journey on a shared machine: more than the default 90 s.
test.describe.configure({ timeout: 150_000 });

test.afterEach(async () => {
  await setSimFaults({});
});

test("an operator requests unlocking a locked bucket, an approver approves, and the policy is gone", async ({ page, browser }) => {
  const { account, bucket } = await lockedBucket(0);
  await signIn(page, "operator");
  const request = await requestBucketUnlock(page, account.id, bucket, `Locked out of ${bucket} by a deny-all policy (e2e unlock journey).`);
  await expectRequestStatus(page, "Pending approval", 15_000);
  await expect(page.getByTestId("request-reason")).toContainText("deny-all policy");
  const since = await lastCallSeq();

  const approver = await userPage(browser, "approver");
  await openFromApprovals(approver, request.number);
  await expect(approver).toHaveURL(new RegExp(`${request.path}$`));
  await vote(approver, "Approve", "Checked the bucket and the reason; unlock it.");
  await expectRequestStatus(approver, "Succeeded");
  // The requester's page polls while the request is open and shows the outcome too.
  await expectRequestStatus(page, "Succeeded");
  await expect(page.getByTestId("targets-table")).toContainText("Succeeded");

  const after = await simBucket(bucket);
  expect(after.policy).toBeNull();
  expect(after.locked).toBe(false);
  const changes = mutatingCalls(await simCalls({ since, accountId: account.id }));
  expect(changes.map((c) => `${c.operation}:${c.outcome}`)).toEqual(["DeleteBucketPolicy:ok"]);
  await approver.context().close();
});

test("an opsapprover cannot approve their own request, in the page or through the API", async ({ page }) => {
  const { account, bucket } = await lockedBucket(1);
  await signIn(page, "opsapprover");
  const request = await requestBucketUnlock(page, account.id, bucket, "Own request: the requester must not approve it (e2e).");
  await expectRequestStatus(page, "Pending approval", 15_000);
  await expect(page.getByTestId("why-not")).toHaveText("You made this request, so you cannot approve it.");
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Reject", exact: true })).toHaveCount(0);
  // Their own request is not in their Approvals inbox either.
  await page.goto("/approvals");
  await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
  await expect(requestLink(page, request.number)).toHaveCount(0);

  // A crafted vote from the signed-in page (same origin, fresh sign-in) is refused.
  const res = await apiFromPage<{ error?: { code?: string; message?: string; details?: { reason?: string } } }>(page, "POST", `/api/requests/${request.id}/votes`, {
    decision: "APPROVE",
    comment: "self-approval attempt",
  });
  expect(res.status).toBe(403);
  expect(JSON.stringify(res.body)).toContain("own request");

  await page.goto(request.path);
  await expectRequestStatus(page, "Pending approval", 15_000);
  await expect(page.getByText(/approvals 0\/\d/)).toBeVisible();
  expect((await simBucket(bucket)).locked).toBe(true);
});

test("a viewer sees no task buttons and no Requests page", async ({ page }) => {
  const { account } = await lockedBucket(2);
  await signIn(page, "viewer");
  await page.goto(`/accounts/${account.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText(account.id).first()).toBeVisible();
  await expect(page.getByTestId("task-buttons")).toHaveCount(0);
  for (const name of ["Unlock S3 bucket policy", "Unlock SQS queue policy", "Delete root credentials", "Allow password recovery"]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }
  await page.goto("/accounts");
  await expect(page.getByRole("heading", { name: "Accounts", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Delete root credentials/ })).toHaveCount(0);

  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Requests", exact: true })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: /^Approvals/ })).toHaveCount(0);

  const res = await page.goto("/requests");
  expect(res?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You do not have permission to see this page" })).toBeVisible();
  const api = await apiFromPage(page, "GET", "/api/requests");
  expect(api.status).toBe(403);
});

test("a rejected request never executes", async ({ page, browser }) => {
  const { account, bucket } = await lockedBucket(3);
  await signIn(page, "operator");
  const request = await requestBucketUnlock(page, account.id, bucket, "To be rejected: nothing may run afterwards (e2e).");
  const since = await lastCallSeq();

  const approver = await userPage(browser, "approver");
  await openFromApprovals(approver, request.number);
  await vote(approver, "Reject", "No ticket for this change; rejected.");
  await expectRequestStatus(approver, "Rejected", 15_000);
  await expectRequestStatus(page, "Rejected");
  await expect(page.getByText("No ticket for this change; rejected.").first()).toBeVisible();

  // Nothing was queued to start it, and no call reached the account.
  expect(await startJobs(request.id)).toBe(0);
  const row = await withDb(async (db) => (await db.query(`SELECT "status", "startedAt" FROM "TaskRequest" WHERE "id" = $1`, [request.id])).rows[0]);
  expect(row).toMatchObject({ status: "REJECTED", startedAt: null });
  expect(mutatingCalls(await simCalls({ since, accountId: account.id }))).toEqual([]);
  expect(await simCalls({ since, accountId: account.id, operation: "AssumeRoot" })).toEqual([]);
  expect((await simBucket(bucket)).locked).toBe(true);
  await approver.context().close();
});

test("an expired request cannot be approved and never executes", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const { account, bucket } = await lockedBucket(4);
  await signIn(page, "operator");
  const request = await requestBucketUnlock(page, account.id, bucket, "To expire unapproved: nothing may run (e2e).");
  const since = await lastCallSeq();
  // Its pending time runs out: the deadline moves into the past, as 24 hours passing would leave it.
  await withDb((db) => db.query(`UPDATE "TaskRequest" SET "expiresAt" = now() - interval '1 minute' WHERE "id" = $1 AND "status" = 'PENDING'`, [request.id]));

  const approver = await userPage(browser, "approver");
  await approver.goto(request.path);
  await expect(approver.getByRole("heading", { level: 1 })).toContainText(`Request #${request.number}`);
  await expect(approver.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
  const res = await apiFromPage(approver, "POST", `/api/requests/${request.id}/votes`, { decision: "APPROVE", comment: "too late" });
  expect(res.status).toBe(409);
  expect(JSON.stringify(res.body)).toContain("expired");

  // The task-tick job (every minute) marks it Expired; the open page polls until then.
  await expectRequestStatus(approver, "Expired", 150_000);
  expect(await startJobs(request.id)).toBe(0);
  expect(mutatingCalls(await simCalls({ since, accountId: account.id }))).toEqual([]);
  expect(await simCalls({ since, accountId: account.id, operation: "AssumeRoot" })).toEqual([]);
  expect((await simBucket(bucket)).locked).toBe(true);
  await approver.context().close();
});

type TOuPick = { ouId: string; path: string; accounts: { id: string; name: string }[] };

// A non-root OU whose subtree holds 2-4 accounts, all active members (so the request covers them all).
async function smallOu(exclude: string[]): Promise<TOuPick> {
  return withDb(async (db) => {
    const { rows } = await db.query<{ ouId: string; path: string; ids: string[]; names: string[] }>(
      `SELECT o."id" AS "ouId", o."path", array_agg(a."id" ORDER BY a."id") AS ids, array_agg(a."name" ORDER BY a."id") AS names
       FROM "Ou" o JOIN "Account" a ON starts_with(a."ouIdPath", o."idPath") AND a."leftOrgAt" IS NULL
       WHERE NOT o."isRoot" AND o."removedAt" IS NULL
       GROUP BY o."id", o."path"
       HAVING count(*) BETWEEN 2 AND 4 AND bool_and(a."state" = 'ACTIVE' AND NOT a."isManagement") AND NOT bool_or(a."id" = ANY($1::text[]))
       ORDER BY count(*) DESC, o."path" LIMIT 1`,
      [exclude],
    );
    const row = rows[0];
    if (!row) throw new Error("The seeded organization has no OU with 2-4 active member accounts.");
    return { ouId: row.ouId, path: row.path, accounts: row.ids.map((id, i) => ({ id, name: row.names[i]! })) };
  });
}

test("a bulk deletion over an OU with one account failing is retried", async ({ page, browser }) => {
  test.setTimeout(240_000);
  const org = await simOrganization();
  const exclude = [org.managementAccountId, ...org.accounts.filter((a) => a.isDelegatedAdmin).map((a) => a.id)];
  const ou = await smallOu(exclude);
  const [failing, ...others] = ou.accounts;
  // Every account in the OU has a root password and one access key, and nothing else.
  for (const a of ou.accounts) await sim("POST", `/accounts/${a.id}/credentials`, { clean: true, password: true, accessKeys: 1 });
  const since = await lastCallSeq();

  await signIn(page, "operator");
  // A fresh scan of the OU, so the plan lists exactly those credentials.
  const started = await apiFromPage<{ scan: { id: string } }>(page, "POST", "/api/scans", { scope: { type: "OU", ouId: ou.ouId }, confirm: true });
  expect(started.status).toBeLessThan(300);
  await expect
    .poll(async () => (await apiFromPage<{ scan: { status: string } }>(page, "GET", `/api/scans/${started.body.scan.id}`)).body.scan.status, { timeout: 60_000 })
    .toBe("SUCCEEDED");

  // One account's AssumeRoot is denied from now on.
  await setSimFaults({ failAccounts: [failing!.id] });
  await page.goto(`/accounts?ouId=${ou.ouId}`);
  await page.getByRole("button", { name: "Delete root credentials in this OU" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete root credentials" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByRole("heading", { name: `Preview: ${ou.accounts.length * 2} credentials in ${ou.accounts.length} accounts` })).toBeVisible();
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill("Remove the root credentials in this OU (e2e bulk deletion).");
  await dialog.getByRole("button", { name: "Submit request" }).click();
  const first = await onRequestPage(page);
  await expectRequestStatus(page, "Pending approval", 15_000);

  const approver = await userPage(browser, "approver");
  await openFromApprovals(approver, first.number);
  await vote(approver, "Approve", "Bulk deletion approved.");
  await expectRequestStatus(approver, "Partially succeeded", 90_000);
  await expectRequestStatus(page, "Partially succeeded");
  const failedRow = page.getByTestId("targets-table").locator("tr").filter({ hasText: failing!.id });
  await expect(failedRow).toContainText("Failed");
  for (const a of others) await expect(page.getByTestId("targets-table").locator("tr").filter({ hasText: a.id })).toContainText("Succeeded");

  // The fault is cleared and the requester retries the failed target.
  await setSimFaults({});
  await page.getByRole("button", { name: "Retry failed targets" }).click();
  const retryDialog = page.getByRole("dialog", { name: `Retry the failed targets of request #${first.number}` });
  await expect(retryDialog).toContainText("1 failed or precondition-failed target");
  await retryDialog.getByRole("button", { name: "Create retry request" }).click();
  const retry = await onRequestPage(page, first.id);
  expect(retry.id).not.toBe(first.id);
  await expect(page.getByRole("link", { name: "the original request" })).toHaveAttribute("href", first.path);
  await expect(page.getByTestId("targets-table").locator("tbody tr").filter({ hasText: /\d{12}/ })).toHaveCount(1);
  await expect(page.getByTestId("targets-table")).toContainText(failing!.id);

  await openFromApprovals(approver, retry.number);
  await vote(approver, "Approve", "Retry approved.");
  await expectRequestStatus(approver, "Succeeded", 90_000);
  await expectRequestStatus(page, "Succeeded");

  // The first request lists its retry; each credential was deleted exactly once over both requests.
  await page.goto(first.path);
  await expect(page.getByTestId("retries")).toContainText(`#${retry.number}`);
  for (const a of ou.accounts) {
    const calls = await simCalls({ since, accountId: a.id });
    const deletes = calls.filter((c) => c.operation === "DeleteLoginProfile" || c.operation === "DeleteAccessKey").map((c) => `${c.operation}:${c.outcome}`);
    expect(deletes.sort(), `delete calls in ${a.id}`).toEqual(["DeleteAccessKey:ok", "DeleteLoginProfile:ok"]);
    const account = await sim<{ rootCredentialsPresent: boolean }>("GET", `/accounts/${a.id}`);
    expect(account.rootCredentialsPresent, `root credentials left in ${a.id}`).toBe(false);
  }
  await approver.context().close();
});
