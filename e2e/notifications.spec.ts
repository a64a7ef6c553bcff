// Notifications end to end (issue 12): a Slack-style receiver started here on 127.0.0.1 (allowed
// in the e2e stack: DEMO_MODE lets channels use http://127.0.0.1) is added as a Slack channel for
// "request created"; an operator's request reaches it as a Block Kit message, and the message's
// button opens that request for an approver who signs in through the IdP on the way.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { fillIdpLogin, signIn } from "./helpers/sign-in";
import { apiFromPage, lockedBucket, requestBucketUnlock } from "./helpers/tasks";

type TSlackBody = { text: string; blocks: { type: string; text?: { text: string }; elements?: { type: string; url?: string; text?: { text: string } | string }[] }[] };

async function startReceiver(): Promise<{ url: string; messages: TSlackBody[]; close: () => Promise<void> }> {
  const messages: TSlackBody[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/services/e2e/hook") {
        try {
          messages.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as TSlackBody);
        } catch {
          res.writeHead(400).end("invalid_payload");
          return;
        }
        // What Slack's incoming webhooks answer.
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      res.writeHead(404).end("no_service");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/e2e/hook`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function buttonUrl(message: TSlackBody): string | undefined {
  for (const block of message.blocks ?? []) {
    for (const el of block.elements ?? []) if (el.type === "button" && el.url) return el.url;
  }
  return undefined;
}

test("a Slack channel gets the request-created message, and its link opens the request for an approver", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const receiver = await startReceiver();
  const baseURL = test.info().project.use.baseURL!;
  let channelId: string | undefined;
  const admin = await browser.newContext({ baseURL });
  const adminPage = await admin.newPage();
  try {
    await signIn(adminPage, "admin");
    const created = await apiFromPage<{ channel: { id: string } }>(adminPage, "POST", "/api/notify/channels", {
      kind: "SLACK",
      name: "e2e Slack receiver",
      events: ["request.created"],
      url: receiver.url,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    channelId = created.body.channel.id;

    const { account, bucket } = await lockedBucket(5);
    await signIn(page, "operator");
    const request = await requestBucketUnlock(page, account.id, bucket, "Notify the approvers about this unlock (e2e notifications).");

    // The outbox row was written with the request; the in-process worker delivers it.
    await expect.poll(() => receiver.messages.find((m) => buttonUrl(m)?.endsWith(request.path)), { timeout: 30_000 }).toBeTruthy();
    const message = receiver.messages.find((m) => buttonUrl(m)?.endsWith(request.path))!;
    expect(message.blocks.map((b) => b.type)).toEqual(expect.arrayContaining(["header", "section", "actions"]));
    expect(JSON.stringify(message.blocks)).toContain(`#${request.number}`);
    const link = buttonUrl(message)!;
    expect(link).toBe(`${baseURL}${request.path}`);
    expect(message.text).toContain(link);

    // An approver who is not signed in follows the link: sign-in first, then that request.
    const approver = await browser.newContext({ baseURL });
    const approverPage = await approver.newPage();
    await approverPage.goto(link);
    await approverPage.waitForURL(/\/signin/);
    await approverPage.getByRole("button", { name: /^Sign in with / }).click();
    await fillIdpLogin(approverPage, "approver");
    await approverPage.waitForURL((url) => url.href === link);
    await expect(approverPage.getByRole("heading", { level: 1 })).toContainText(`Request #${request.number}`);
    await expect(approverPage.getByRole("button", { name: "Approve", exact: true })).toBeVisible();
    // The request page says which channels were told about it.
    await expect(approverPage.getByTestId("notified")).toContainText("e2e Slack receiver (Slack): request created");
    await approver.close();
  } finally {
    if (channelId) await apiFromPage(adminPage, "DELETE", `/api/notify/channels/${channelId}`);
    await admin.close();
    await receiver.close();
  }
});
