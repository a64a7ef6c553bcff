// Shared pieces of the privileged-task journeys: the AWS simulator's control API (state, call log,
// faults), the e2e database, same-origin API calls from a signed-in page, and the request steps
// every journey takes (open the request page, approve or reject it as another person).
import { expect, type Page } from "@playwright/test";
import pg from "pg";

export type TSimAccount = {
  id: string;
  name: string;
  state: string;
  parentId: string;
  isManagement: boolean;
  isDelegatedAdmin: boolean;
  buckets: string[];
};
export type TSimBucket = { name: string; accountId: string; policy: string | null; locked: boolean };
export type TSimCall = { seq: number; service: string; operation: string; accountId: string | null; taskPolicy: string | null; outcome: string; errorCode: string | null };

function simUrl(path: string): string {
  const endpoint = process.env.E2E_SIM_ENDPOINT;
  if (!endpoint) throw new Error("E2E_SIM_ENDPOINT is not set; run the journeys through scripts/e2e.ts (the global setup sets it).");
  return `${endpoint}/_sim${path}`;
}

export async function sim<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const res = await fetch(simUrl(path), {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Simulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function simOrganization(): Promise<{ managementAccountId: string; accounts: TSimAccount[]; buckets: TSimBucket[] }> {
  return sim("GET", "/organization");
}

export async function simBucket(name: string): Promise<TSimBucket> {
  const org = await simOrganization();
  const bucket = org.buckets.find((b) => b.name === name);
  if (!bucket) throw new Error(`The simulator has no bucket ${name}.`);
  return bucket;
}

/** The newest call's sequence number: pass it as `since` to see only what happens afterwards. */
export async function lastCallSeq(): Promise<number> {
  const { calls } = await sim<{ calls: TSimCall[] }>("GET", "/calls?limit=10000");
  return calls.reduce((max, c) => Math.max(max, c.seq), 0);
}

export async function simCalls(filter: { since?: number; accountId?: string; operation?: string } = {}): Promise<TSimCall[]> {
  const q = new URLSearchParams({ limit: "10000" });
  if (filter.since !== undefined) q.set("since", String(filter.since));
  if (filter.accountId) q.set("accountId", filter.accountId);
  if (filter.operation) q.set("operation", filter.operation);
  return (await sim<{ calls: TSimCall[] }>("GET", `/calls?${q}`)).calls;
}

// Calls that change something; reading (Get/List/Describe) and AssumeRoot itself do not.
const MUTATING = /^(Delete|Put|Create|Deactivate|Set|Update|Remove|Add|Enable|Disable|Upload|Attach|Detach)/;
export function mutatingCalls(calls: TSimCall[]): TSimCall[] {
  return calls.filter((c) => MUTATING.test(c.operation));
}

/** Replaces the simulator's fault config (omitted fields take their defaults). */
export async function setSimFaults(faults: Record<string, unknown>): Promise<void> {
  await sim("POST", "/faults", faults);
}

/**
 * Member accounts (active, not the management or delegated-admin account) with at least one bucket,
 * in a stable order; each journey takes its own index so no two share an account.
 */
export async function bucketAccounts(): Promise<{ account: TSimAccount; bucket: string }[]> {
  const org = await simOrganization();
  return org.accounts
    .filter((a) => a.state === "ACTIVE" && !a.isManagement && !a.isDelegatedAdmin && a.buckets.length > 0)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((account) => ({ account, bucket: [...account.buckets].sort()[0]! }));
}

/** An account with a bucket whose policy denies everyone (locked here when the seed left it open). */
export async function lockedBucket(index: number): Promise<{ account: TSimAccount; bucket: string }> {
  const candidates = await bucketAccounts();
  const pick = candidates[index];
  if (!pick) throw new Error(`The simulated organization has only ${candidates.length} member accounts with a bucket; journey ${index} needs more.`);
  if (!(await simBucket(pick.bucket)).locked) await sim("POST", `/buckets/${encodeURIComponent(pick.bucket)}/policy`, { locked: true });
  expect((await simBucket(pick.bucket)).locked).toBe(true);
  return pick;
}

export async function withDb<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A same-origin API call from the signed-in page (the browser's cookies and Origin header). */
export async function apiFromPage<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const res = await fetch(path, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed as never };
    },
    { method, path, body },
  );
}

const REQUEST_PATH = /\/requests\/([0-9a-f-]{36})$/;

/** Waits until the page is a request page and returns the request's id and number. */
export async function onRequestPage(page: Page, other?: string): Promise<{ id: string; number: number; path: string }> {
  await page.waitForURL((url) => REQUEST_PATH.test(url.pathname) && (other === undefined || !url.pathname.endsWith(other)));
  const id = REQUEST_PATH.exec(new URL(page.url()).pathname)![1]!;
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toContainText(/Request #\d+/);
  const number = Number(/Request #(\d+)/.exec((await heading.textContent()) ?? "")![1]);
  return { id, number, path: `/requests/${id}` };
}

/** The request page's heading shows this status label (the page polls while the request is open). */
export async function expectRequestStatus(page: Page, label: string, timeout = 60_000): Promise<void> {
  await expect(page.getByRole("heading", { level: 1 })).toContainText(label, { timeout });
}

/** The request page's Actions card: comment, then Approve or Reject. */
export async function vote(page: Page, decision: "Approve" | "Reject", comment: string): Promise<void> {
  await page.getByRole("textbox", { name: /^Comment/ }).fill(comment);
  await page.getByRole("button", { name: decision, exact: true }).click();
  await expect(page.getByRole("button", { name: decision, exact: true })).toHaveCount(0);
}

/** A request's link in a request table (its visible text is "#12", named "Request #12"). */
export function requestLink(page: Page, number: number) {
  return page.getByRole("link", { name: new RegExp(`^Request\\s*#${number}$`) });
}

/** Opens a request from the Approvals inbox by its number. */
export async function openFromApprovals(page: Page, number: number): Promise<void> {
  await page.goto("/approvals");
  await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
  const link = requestLink(page, number);
  // The inbox refreshes every 15 s; a reload is quicker for a request made moments ago.
  await expect(async () => {
    if ((await link.count()) === 0) await page.reload();
    await expect(link).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  // Keyboard activation: the link's box (visible "#12" plus a screen-reader-only "Request ") has its
  // centre over the table cell, so a pointer click at the centre lands on the cell.
  await link.press("Enter");
  await page.waitForURL(REQUEST_PATH);
}

/** Fills the unlock dialog on an account page: list the buckets, pick one, delete its policy, give a reason, submit. */
export async function requestBucketUnlock(page: Page, accountId: string, bucket: string, reason: string): Promise<{ id: string; number: number; path: string }> {
  await page.goto(`/accounts/${accountId}`);
  await page.getByRole("button", { name: "Unlock S3 bucket policy" }).click();
  const dialog = page.getByRole("dialog", { name: "Unlock S3 bucket policy" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "List buckets" }).click();
  const list = dialog.getByTestId("resource-list");
  await expect(list).toBeVisible();
  const row = list.locator("label").filter({ has: page.locator("code").getByText(bucket, { exact: true }) });
  await expect(row).toContainText("Denies everyone");
  await row.getByRole("radio").check();
  await expect(dialog.getByRole("textbox", { name: "Bucket name" })).toHaveValue(bucket);
  await dialog.getByRole("radio", { name: "Delete the policy" }).check();
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByRole("region", { name: "Preview" })).toBeVisible();
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill(reason);
  await dialog.getByRole("button", { name: "Submit request" }).click();
  return onRequestPage(page);
}
