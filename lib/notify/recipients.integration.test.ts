// Recipients against a real Postgres and a real SMTP socket: an e-mail channel with the requester and
// approvers options addresses the approvers (users whose roles at last sign-in hold tasks.approve)
// for request.created and the requester for request.approved, never the actor; the addresses are
// stored on the delivery, so a retry after a refused DATA goes to the same people even when roles and
// options changed meanwhile. Webhook and Slack messages name the audience's people.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { flushAuditTrail } from "@/lib/audit/sequence";
import type { TActor } from "@/lib/auth/actor";
import { getConfig, type TConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { notifyRequest } from "@/lib/tasks/notify-request";
import { createChannel } from "./create-channel";
import { BACKOFF_SECONDS, deliverDueNotifications } from "./deliver";
import { listChannels } from "./list-channels";
import type { TWebhookBody } from "./message";
import { sendTestNotification } from "./send-test-notification";
import { startSmtpTestServer, type TSmtpTestServer } from "./smtp-test-helpers";
import { updateChannel } from "./update-channel";

// Signed in at the IdP at the test clock's "now": channel changes need a fresh sign-in.
const ADMIN: TActor = {
  userId: "00000000-0000-4000-8000-0000000000ad",
  subject: "admin-sub",
  email: "admin@example.test",
  name: "Admin",
  roles: ["admin"],
  get authTime() {
    return now();
  },
};
const IDS = {
  requester: "00000000-0000-4000-8000-000000000001",
  approver1: "00000000-0000-4000-8000-000000000002",
  approver2: "00000000-0000-4000-8000-000000000003",
  approverNoMail: "00000000-0000-4000-8000-000000000004",
  admin: ADMIN.userId,
  requesterOtherIdp: "00000000-0000-4000-8000-000000000006",
  viewer: "00000000-0000-4000-8000-000000000007",
};
const REQUEST = {
  id: "9b2e0000-0000-4000-8000-000000000001",
  number: 7,
  organizationId: "o-test1234",
  taskType: "DELETE_ROOT_CREDENTIALS",
  scopeLabel: "111111111111",
  requestedById: IDS.requester,
  requestedByLabel: "req@example.test",
  reason: "rotation",
  targetCount: 1,
};

let db: TTestDatabase;
let smtp: TSmtpTestServer;
let config: TConfig;
let server: http.Server;
let base: string;
let received: { path: string; body: string }[] = [];
let clockMs = 0;
const now = () => new Date(clockMs);
const deliver = () => deliverDueNotifications({ db: db.prisma, now, config });

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpTestServer();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config = { ...getConfig(), APP_URL: "https://rootwarden.example.test", SMTP_URL: smtp.url, NOTIFY_EMAIL_FROM: "Rootwarden <rw@example.test>" };
});
afterAll(async () => {
  await smtp?.close();
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});
beforeEach(async () => {
  smtp.mails.length = 0;
  smtp.script.length = 0;
  received = [];
  clockMs = Date.now();
  await db.prisma.notification.deleteMany();
  await db.prisma.notificationChannel.deleteMany();
  await db.prisma.user.deleteMany();
  const user = (id: string, email: string | null, roles: string[]) =>
    db.prisma.user.create({ data: { id, issuer: "https://idp.example.test", subject: `sub-${id}`, email, name: null, groups: [], roles, lastLoginAt: new Date() } });
  await user(IDS.requester, "req@example.test", ["operator"]);
  await user(IDS.approver1, "ap1@example.test", ["approver"]);
  await user(IDS.approver2, "AP2@Example.test", ["approver", "auditor"]);
  await user(IDS.approverNoMail, null, ["approver"]);
  await user(IDS.admin, "admin@example.test", ["admin"]);
  // The requester signed in through a second IdP identity that is an approver: still the same person.
  await user(IDS.requesterOtherIdp, "Req@example.test", ["approver"]);
  await user(IDS.viewer, "viewer@example.test", ["viewer"]);
});

function emailChannel(input: { name?: string; to?: string[]; toRequester?: boolean; toApprovers?: boolean; events?: string[] } = {}) {
  return createChannel({
    actor: ADMIN,
    db: db.prisma,
    config,
    now: now(),
    input: {
      kind: "EMAIL",
      name: input.name ?? "people",
      events: (input.events ?? ["request.created", "request.approved", "request.cancelled"]) as never,
      to: input.to ?? ["sec-list@example.test"],
      toRequester: input.toRequester ?? true,
      toApprovers: input.toApprovers ?? true,
    },
  });
}

const notify = (event: "request.created" | "request.approved" | "request.cancelled", actorUserId?: string) =>
  db.prisma.$transaction((tx) => notifyRequest(tx, REQUEST, event, { title: event, time: now(), ...(actorUserId ? { actorUserId } : {}) }));

describe("e-mail recipients", () => {
  it("request.created goes to the fixed list and the approvers, not the requester; request.approved to the requester, not the approver who acted", async () => {
    await emailChannel();
    expect(await notify("request.created")).toEqual(["people"]);
    expect(await deliver()).toMatchObject({ sent: 1 });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0].rcptTo).toEqual(["sec-list@example.test", "ap1@example.test", "ap2@example.test"]);
    expect(smtp.mails[0].data).toContain("To: sec-list@example.test, ap1@example.test, ap2@example.test");
    const created = await db.prisma.notification.findFirstOrThrow({ where: { event: "request.created" } });
    expect(created.recipients).toEqual(["sec-list@example.test", "ap1@example.test", "ap2@example.test"]);

    expect(await notify("request.approved", IDS.approver1)).toEqual(["people"]);
    expect(await deliver()).toMatchObject({ sent: 1 });
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails[1].rcptTo).toEqual(["sec-list@example.test", "req@example.test"]);
    expect(smtp.mails[1].data).toContain("Idempotency-Key: request.approved:9b2e0000-0000-4000-8000-000000000001");
  });

  it("a retry goes to the addresses stored on the delivery, though roles and the channel's options changed meanwhile", async () => {
    const { channel } = await emailChannel({ to: [] });
    await notify("request.created");
    smtp.script.push(451);
    expect(await deliver()).toMatchObject({ claimed: 1, retrying: 1 });
    const failed = await db.prisma.notification.findFirstOrThrow();
    expect(failed).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(failed.lastError).toMatch(/451/);
    expect(smtp.mails).toHaveLength(0);

    await db.prisma.user.update({ where: { id: IDS.approver2 }, data: { roles: ["viewer"] } });
    await db.prisma.user.update({ where: { id: IDS.viewer }, data: { roles: ["approver"] } });
    await updateChannel({ actor: ADMIN, db: db.prisma, channelId: channel.id, input: { toApprovers: false, toRequester: true }, now: now() });

    clockMs += BACKOFF_SECONDS[0] * 1000;
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0].rcptTo).toEqual(["ap1@example.test", "ap2@example.test"]);
    const sent = await db.prisma.notification.findFirstOrThrow();
    expect(sent).toMatchObject({ status: "SENT", attempts: 2, recipients: ["ap1@example.test", "ap2@example.test"] });
  });

  it("never tells the actor of their own action, and a channel left with nobody records why instead of sending", async () => {
    await emailChannel({ name: "requester-only", to: [], toRequester: true, toApprovers: false });
    // The requester cancels their own request: nobody is left to tell.
    expect(await notify("request.cancelled", IDS.requester)).toEqual([]);
    const row = await db.prisma.notification.findFirstOrThrow();
    expect(row).toMatchObject({ status: "DEAD", recipients: [], attempts: 0 });
    expect(row.lastError).toMatch(/^nobody to send to: the channel has no fixed addresses and found no e-mail address for the requester/);
    expect((await deliver()).claimed).toBe(0);
    expect(smtp.mails).toHaveLength(0);

    // An admin cancels it: the requester hears.
    await db.prisma.notification.deleteMany();
    expect(await notify("request.cancelled", IDS.admin)).toEqual(["requester-only"]);
    await deliver();
    expect(smtp.mails.map((m) => m.rcptTo)).toEqual([["req@example.test"]]);
  });

  it("a test goes to the fixed list and, for the options, to the admin who sent it", async () => {
    const { channel } = await emailChannel({ to: [] });
    await sendTestNotification({ actor: ADMIN, db: db.prisma, channelId: channel.id, now: now() });
    await deliver();
    expect(smtp.mails.map((m) => m.rcptTo)).toEqual([["admin@example.test"]]);
  });
});

describe("webhook and Slack name the audience", () => {
  it("carries the approvers' addresses in the webhook body and the Slack context", async () => {
    await createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "WEBHOOK", name: "hook", events: ["request.created", "request.approved"], url: `${base}/hook` } });
    await createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "SLACK", name: "slack", events: ["request.created"], url: `${base}/slack` } });
    await notify("request.created");
    await notify("request.approved", IDS.approver1);
    expect(await deliver()).toMatchObject({ sent: 3 });
    const hooks = received.filter((r) => r.path === "/hook").map((r) => JSON.parse(r.body) as TWebhookBody);
    expect(hooks.map((h) => [h.event, h.audience, h.recipients]).sort()).toEqual([
      ["request.approved", "requester", ["req@example.test"]],
      ["request.created", "approvers", ["ap1@example.test", "ap2@example.test"]],
    ]);
    const slack = JSON.parse(received.find((r) => r.path === "/slack")!.body) as { blocks: { type: string; elements?: { text?: string }[] }[] };
    const context = slack.blocks.find((b) => b.type === "context")!;
    expect(context.elements?.[1]?.text).toBe("for approvers: ap1@example.test, ap2@example.test");
  });
});

describe("channel settings", () => {
  it("validates the options, shows them, and audits their change", async () => {
    await expect(emailChannel({ to: [], toRequester: false, toApprovers: false })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Invalid channel: to: give at least one recipient, or send to the requester or the approvers",
    });
    const { channel } = await emailChannel({ to: [], toRequester: false, toApprovers: true });
    expect(channel).toMatchObject({ target: "the approvers", toRequester: false, toApprovers: true });
    await expect(updateChannel({ actor: ADMIN, db: db.prisma, channelId: channel.id, input: { toApprovers: false }, now: now() })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const updated = await updateChannel({ actor: ADMIN, db: db.prisma, channelId: channel.id, input: { toRequester: true }, now: now() });
    expect(updated).toMatchObject({ target: "the requester, the approvers", toRequester: true });
    const hook = await createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "WEBHOOK", name: "h", events: ["task.failed"], url: `${base}/h` } });
    await expect(updateChannel({ actor: ADMIN, db: db.prisma, channelId: hook.channel.id, input: { toRequester: true }, now: now() })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("only e-mail channels"),
    });
    expect((await listChannels({ actor: ADMIN, db: db.prisma })).find((c) => c.id === channel.id)).toMatchObject({ toRequester: true, toApprovers: true });
    await flushAuditTrail(db.prisma);
    const audit = await db.prisma.auditEvent.findMany({ where: { targetId: channel.id }, orderBy: { seq: "asc" } });
    expect(audit.map((e) => [e.type, e.payload])).toMatchObject([
      ["notify.channel_created", { toRequester: false, toApprovers: true }],
      ["notify.channel_updated", { changes: { toRequester: { from: false, to: true } } }],
    ]);
  });
});
