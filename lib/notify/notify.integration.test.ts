// The notification outbox against a real Postgres and a local HTTP receiver started by the test:
// rows written in the caller's transaction (and rolled back with it), delivery with retries and
// backoff, the signature as README.md documents it, a worker that died mid-send (the row is sent
// again with the same idempotency key, never a new one), DEAD after MAX_ATTEMPTS, Slack's shape,
// e-mail, and the SSRF guard on connection. The deliverer runs on an explicit clock.
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBoss } from "@/lib/jobs/boss";
import { registerNotifyJobs, requestNotificationDelivery } from "@/lib/jobs/notify-jobs";
import type { TActor } from "@/lib/auth/actor";
import { getConfig, type TConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { createChannel } from "./create-channel";
import { deleteChannel } from "./delete-channel";
import { BACKOFF_SECONDS, LEASE_SECONDS, MAX_ATTEMPTS, deliverDueNotifications } from "./deliver";
import { enqueueNotification } from "./enqueue-notification";
import { listDeliveries, listNotificationsFor } from "./list-deliveries";
import { postJson } from "./http-post";
import { verifyWebhookSignature, type TWebhookBody } from "./message";
import type { TSendMail } from "./send";
import { sendTestNotification } from "./send-test-notification";
import { startSmtpTestServer } from "./smtp-test-helpers";
import { updateChannel } from "./update-channel";
import { BlockedAddressError } from "./url-guard";
import { flushAuditTrail } from "@/lib/audit/sequence";

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
const APPROVER: TActor = { userId: "00000000-0000-4000-8000-0000000000a2", subject: "admin-sub", email: "admin@example.test", name: "Admin", roles: ["approver"] };
const SECRET = "whsec-test-0123456789abcdef";
const APP_URL = "https://rootwarden.example.test";

type TReceived = { path: string; headers: http.IncomingHttpHeaders; body: string };

let db: TTestDatabase;
let server: http.Server;
let base: string;
let received: TReceived[] = [];
/** Status codes the receiver answers with, in order; 200 once they run out. */
let script: number[] = [];
let config: TConfig;
let clockMs = 0;
const now = () => new Date(clockMs);
const later = (seconds: number) => {
  clockMs += seconds * 1000;
};

beforeAll(async () => {
  db = await createTestDatabase();
  config = { ...getConfig(), APP_URL, SMTP_URL: "smtp://127.0.0.1:1" };
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = script.shift() ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "receiver is down");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});
beforeEach(async () => {
  received = [];
  script = [];
  clockMs = Date.now();
  await db.prisma.notification.deleteMany();
  await db.prisma.notificationChannel.deleteMany();
});

const deliver = (extra: Partial<Parameters<typeof deliverDueNotifications>[0]> = {}) => deliverDueNotifications({ db: db.prisma, now, config, ...extra });

async function webhook(name = "audit-hook", events: string[] = ["request.created"], path = "/hook") {
  return createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "WEBHOOK", name, events: events as never, url: `${base}${path}`, secret: SECRET } });
}

function enqueue(key = "request.created:r-1", extra: { organizationId?: string | null; event?: "request.created" | "task.failed" } = {}) {
  return db.prisma.$transaction((tx) =>
    enqueueNotification(tx, {
      event: extra.event ?? "request.created",
      organizationId: extra.organizationId === undefined ? "o-test1234" : extra.organizationId,
      idempotencyKey: key,
      title: "Request to delete root credentials in 111111111111",
      text: "operator@example.test asks to delete the root password of <prod>.",
      link: "/requests/r-1",
      data: { requestId: "r-1", accountId: "111111111111" },
      time: now(),
      audience: "approvers",
      subject: { type: "REQUEST", id: "r-1" },
    }),
  );
}

describe("the outbox is written in the caller's transaction", () => {
  it("rolls back with it, fans out to subscribed enabled channels only, and is idempotent per key", async () => {
    await webhook("hook-a");
    await webhook("hook-b", ["request.created", "task.failed"]);
    await webhook("hook-other-event", ["task.failed"]);
    const off = await webhook("hook-off");
    await updateChannel({ actor: ADMIN, db: db.prisma, channelId: off.channel.id, input: { enabled: false }, now: now() });
    const otherOrg = await createChannel({
      actor: ADMIN,
      db: db.prisma,
      config,
      now: now(),
      input: { kind: "SLACK", name: "other-org", events: ["request.created"], url: `${base}/slack`, organizationId: "o-other" },
    });

    await expect(
      db.prisma.$transaction(async (tx) => {
        await enqueueNotification(tx, { event: "request.created", organizationId: "o-test1234", idempotencyKey: "k-rolled-back", title: "t", text: "", link: "/requests/x" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.prisma.notification.count()).toBe(0);

    expect(await enqueue()).toEqual(["hook-a", "hook-b"]);
    expect(await enqueue()).toEqual(["hook-a", "hook-b"]);
    expect(await db.prisma.notification.count()).toBe(2);
    expect(otherOrg.channel.organizationId).toBe("o-other");

    const notified = await listNotificationsFor(APPROVER, { link: "/requests/r-1", db: db.prisma });
    expect(notified.map((n) => n.label).sort()).toEqual(["hook-a (Webhook)", "hook-b (Webhook)"]);
    expect(await listNotificationsFor(APPROVER, { subjectId: "r-1", db: db.prisma })).toHaveLength(2);
  });

  it("refuses a message that is not an app path or has no key", async () => {
    await expect(
      db.prisma.$transaction((tx) => enqueueNotification(tx, { event: "request.created", organizationId: null, idempotencyKey: "k", title: "t", text: "", link: "https://evil.example/x" })),
    ).rejects.toThrow(/app path/);
    await expect(
      db.prisma.$transaction((tx) => enqueueNotification(tx, { event: "request.created", organizationId: null, idempotencyKey: "", title: "t", text: "", link: "/x" })),
    ).rejects.toThrow();
  });
});

describe("webhook delivery", () => {
  it("retries after a 500 with backoff, then succeeds; the signature verifies as README.md documents", async () => {
    await webhook();
    await enqueue();
    script = [500];

    const first = await deliver();
    expect(first).toMatchObject({ claimed: 1, sent: 0, retrying: 1, nextDueInSeconds: BACKOFF_SECONDS[0] });
    let [row] = await db.prisma.notification.findMany();
    expect(row).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(row.lastError).toBe("HTTP 500: receiver is down");

    later(BACKOFF_SECONDS[0] - 1);
    expect((await deliver()).claimed).toBe(0);
    later(1);
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    [row] = await db.prisma.notification.findMany();
    expect(row).toMatchObject({ status: "SENT", attempts: 2, lastError: null });

    expect(received).toHaveLength(2);
    const [a, b] = received;
    expect(a.headers["idempotency-key"]).toBe("request.created:r-1");
    expect(b.headers["idempotency-key"]).toBe("request.created:r-1");
    expect(b.headers["x-rootwarden-delivery"]).toBe(row.id);
    expect(b.body).toBe(a.body);
    const body = JSON.parse(b.body) as TWebhookBody;
    expect(body).toEqual({
      id: row.id,
      idempotencyKey: "request.created:r-1",
      event: "request.created",
      time: row.eventTime.toISOString(),
      title: "Request to delete root credentials in 111111111111",
      text: "operator@example.test asks to delete the root password of <prod>.",
      link: `${APP_URL}/requests/r-1`,
      audience: "approvers",
      recipients: [],
      organizationId: "o-test1234",
      subject: { type: "REQUEST", id: "r-1" },
      data: { requestId: "r-1", accountId: "111111111111" },
    });

    // The receiver's check, written from the README alone: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>.
    const header = String(b.headers["x-rootwarden-signature"]);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    const [, t, v1] = match!;
    expect(Number(t)).toBe(Math.floor(clockMs / 1000));
    expect(createHmac("sha256", SECRET).update(`${t}.${b.body}`).digest("hex")).toBe(v1);
    expect(verifyWebhookSignature({ secret: SECRET, header, body: b.body, nowSeconds: Number(t) + 10 })).toBe(true);
    expect(verifyWebhookSignature({ secret: SECRET, header, body: b.body.replace("r-1", "r-2"), nowSeconds: Number(t) })).toBe(false);
    expect(verifyWebhookSignature({ secret: "wrong-secret-wrong-secret", header, body: b.body, nowSeconds: Number(t) })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, header, body: b.body, nowSeconds: Number(t) + 301 })).toBe(false);
  });

  it("a worker that died mid-send: the row is sent again after its lease with the SAME key, never as a new message", async () => {
    await webhook();
    await enqueue();

    // Died after claiming, before sending.
    expect((await deliver({ crashAfterClaim: true })).claimed).toBe(1);
    expect((await db.prisma.notification.findFirstOrThrow()).status).toBe("SENDING");
    later(LEASE_SECONDS - 1);
    expect((await deliver()).claimed).toBe(0);
    later(1);
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    expect(received).toHaveLength(1);

    // Died after the receiver took it, before recording SENT: the row is SENDING again, as it was.
    const row = await db.prisma.notification.findFirstOrThrow();
    await db.prisma.notification.update({ where: { id: row.id }, data: { status: "SENDING", sentAt: null, leaseUntil: new Date(clockMs + LEASE_SECONDS * 1000) } });
    later(LEASE_SECONDS);
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    expect(received).toHaveLength(2);
    expect(new Set(received.map((r) => r.headers["idempotency-key"]))).toEqual(new Set(["request.created:r-1"]));
    expect(new Set(received.map((r) => r.headers["x-rootwarden-delivery"]))).toEqual(new Set([row.id]));
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(await db.prisma.notification.count()).toBe(1);

    // Nothing is sent a third time.
    later(3600);
    expect((await deliver()).claimed).toBe(0);
    expect(received).toHaveLength(2);
  });

  it("a late answer from an expired claim does not overwrite the newer claim", async () => {
    await webhook();
    await enqueue();
    await deliver({ crashAfterClaim: true });
    later(LEASE_SECONDS);
    await deliver({ crashAfterClaim: true });
    const row = await db.prisma.notification.findFirstOrThrow();
    expect(row).toMatchObject({ status: "SENDING", attempts: 2 });
    // What the first (stale) worker's update would do: matches nothing.
    const n = await db.prisma.$executeRawUnsafe(`UPDATE "Notification" SET "status" = 'SENT' WHERE "id" = $1::uuid AND "status" = 'SENDING' AND "attempts" = 1`, row.id);
    expect(n).toBe(0);
  });

  it(`is DEAD after ${MAX_ATTEMPTS} attempts, the backoff growing each time`, async () => {
    await webhook();
    await enqueue();
    script = Array(MAX_ATTEMPTS + 2).fill(503);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await deliver();
      expect(outcome.claimed).toBe(1);
      const row = await db.prisma.notification.findFirstOrThrow();
      if (attempt < MAX_ATTEMPTS) {
        expect(row.status).toBe("FAILED");
        delays.push((row.nextAttemptAt.getTime() - clockMs) / 1000);
        later(3600);
      } else {
        expect(row).toMatchObject({ status: "DEAD", attempts: MAX_ATTEMPTS, lastError: "HTTP 503: receiver is down" });
      }
    }
    expect(delays).toEqual([...BACKOFF_SECONDS]);
    later(86_400);
    expect((await deliver()).claimed).toBe(0);
    expect(received).toHaveLength(MAX_ATTEMPTS);
    const [log] = await listDeliveries({ actor: ADMIN, db: db.prisma });
    expect(log).toMatchObject({ channelName: "audit-hook", status: "DEAD", attempts: MAX_ATTEMPTS, nextAttemptAt: null });
  });

  it("does not follow redirects", async () => {
    await webhook();
    await enqueue();
    script = [302];
    await deliver();
    const row = await db.prisma.notification.findFirstOrThrow();
    expect(row.lastError).toMatch(/^HTTP 302: redirects are not followed/);
    expect(received).toHaveLength(1);
  });

  it("gives up a deleted channel's undelivered rows and keeps its log", async () => {
    const { channel } = await webhook();
    await enqueue();
    expect(await deleteChannel({ actor: ADMIN, db: db.prisma, channelId: channel.id, now: now() })).toEqual({ deleted: true, undelivered: 1 });
    const row = await db.prisma.notification.findFirstOrThrow();
    expect(row).toMatchObject({ status: "DEAD", channelId: null, channelName: "audit-hook", lastError: "the channel was deleted" });
    expect((await deliver()).claimed).toBe(0);
  });
});

describe("Slack and e-mail", () => {
  it("sends Slack a Block Kit message with a button to the deep link", async () => {
    await createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "SLACK", name: "#sec-alerts", events: ["request.created"], url: `${base}/slack` } });
    expect(await enqueue()).toEqual(["#sec-alerts"]);
    expect((await deliver()).sent).toBe(1);
    const [req] = received;
    expect(req.path).toBe("/slack");
    expect(req.headers["x-rootwarden-signature"]).toBeUndefined();
    const message = JSON.parse(req.body) as { text: string; blocks: { type: string; [k: string]: unknown }[] };
    expect(message.blocks.map((b) => b.type)).toEqual(["header", "section", "actions", "context"]);
    expect(message.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Request to delete root credentials in 111111111111", emoji: false } });
    expect(message.blocks[1]).toEqual({ type: "section", text: { type: "mrkdwn", text: "operator@example.test asks to delete the root password of &lt;prod&gt;." } });
    expect(message.blocks[2]).toMatchObject({ type: "actions", elements: [{ type: "button", url: `${APP_URL}/requests/r-1` }] });
    expect(JSON.stringify(message.blocks[3])).toContain("request.created");
    expect(message.text).toContain(`<${APP_URL}/requests/r-1|open in Rootwarden>`);
    const [notified] = await listNotificationsFor(APPROVER, { link: "/requests/r-1", db: db.prisma });
    expect(notified).toMatchObject({ label: "#sec-alerts (Slack)", status: "SENT" });
  });

  it("sends e-mail to the configured list with a stable Message-ID and the idempotency key", async () => {
    await createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "EMAIL", name: "approvers-mail", events: ["request.created"], to: ["Sec@Example.test", "ops@example.test"] } });
    await enqueue();
    const sent: Parameters<TSendMail>[0][] = [];
    await deliver({ sendMail: async (mail) => void sent.push(mail) });
    expect(sent).toHaveLength(1);
    const row = await db.prisma.notification.findFirstOrThrow();
    expect(sent[0]).toMatchObject({
      to: ["sec@example.test", "ops@example.test"],
      subject: "[Rootwarden] Request to delete root credentials in 111111111111",
      messageId: `<${row.id}@rootwarden.notify>`,
      headers: { "Idempotency-Key": "request.created:r-1", "X-Rootwarden-Delivery": row.id },
    });
    expect(sent[0].text).toContain(`${APP_URL}/requests/r-1`);
  });

  it("sends e-mail over SMTP through nodemailer when SMTP_URL is set", async () => {
    const smtp = await startSmtpTestServer();
    try {
      const smtpConfig = { ...config, SMTP_URL: smtp.url, NOTIFY_EMAIL_FROM: "Rootwarden <rw@example.test>" };
      await createChannel({ actor: ADMIN, db: db.prisma, config: smtpConfig, now: now(), input: { kind: "EMAIL", name: "mail", events: ["request.created"], to: ["sec@example.test"] } });
      await enqueue();
      expect(await deliverDueNotifications({ db: db.prisma, now, config: smtpConfig })).toMatchObject({ sent: 1 });
      const row = await db.prisma.notification.findFirstOrThrow();
      expect(smtp.mails).toHaveLength(1);
      const [mail] = smtp.mails;
      expect(mail.rcptTo).toEqual(["sec@example.test"]);
      expect(mail.data).toContain(`Message-ID: <${row.id}@rootwarden.notify>`);
      expect(mail.data).toContain("Idempotency-Key: request.created:r-1");
      expect(mail.data).toContain("To: sec@example.test");
      expect(mail.data).toContain(`${APP_URL}/requests/r-1`);
    } finally {
      await smtp.close();
    }
  });

  it("refuses an e-mail channel without SMTP_URL", async () => {
    await expect(
      createChannel({ actor: ADMIN, db: db.prisma, config: { ...config, SMTP_URL: undefined }, now: now(), input: { kind: "EMAIL", name: "m", events: ["task.failed"], to: ["a@example.test"] } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("SMTP_URL") });
  });
});

describe("channel settings", () => {
  it("needs a fresh IdP sign-in to add, change or delete a channel, and changes nothing without one", async () => {
    const channel = await webhook("fresh-auth", ["task.failed"]);
    const stale: TActor = { userId: ADMIN.userId, subject: ADMIN.subject, email: ADMIN.email, name: ADMIN.name, roles: ["admin"], authTime: new Date(clockMs - 60 * 60_000) };
    const input = { kind: "WEBHOOK" as const, name: "stale-add", events: ["task.failed" as const], url: `${base}/stale`, secret: SECRET };
    await expect(createChannel({ actor: stale, db: db.prisma, config, now: now(), input })).rejects.toMatchObject({ code: "REAUTH_REQUIRED", message: expect.stringContaining("Changing settings") });
    await expect(updateChannel({ actor: stale, db: db.prisma, channelId: channel.channel.id, input: { enabled: false }, now: now() })).rejects.toMatchObject({ code: "REAUTH_REQUIRED" });
    await expect(deleteChannel({ actor: stale, db: db.prisma, channelId: channel.channel.id, now: now() })).rejects.toMatchObject({ code: "REAUTH_REQUIRED" });
    expect(await db.prisma.notificationChannel.count({ where: { name: "stale-add" } })).toBe(0);
    expect(await db.prisma.notificationChannel.findUniqueOrThrow({ where: { id: channel.channel.id } })).toMatchObject({ enabled: true });
  });

  it("generates a secret when none is given, returns it once, and never lists it", async () => {
    const created = await createChannel({ actor: ADMIN, db: db.prisma, config, now: now(), input: { kind: "WEBHOOK", name: "gen", events: ["drift.detected"], url: `${base}/x?token=abc` } });
    expect(created.generatedSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.channel).toMatchObject({ secretSet: true, target: `${base}/x?…` });
    expect(JSON.stringify(created.channel)).not.toContain(created.generatedSecret);
    expect(JSON.stringify(created.channel)).not.toContain("abc");
  });

  it("sends a test through the outbox and audits it", async () => {
    const { channel } = await webhook("test-me", ["task.failed"]);
    const { notificationId } = await sendTestNotification({ actor: ADMIN, db: db.prisma, channelId: channel.id, now: now() });
    expect((await deliver()).sent).toBe(1);
    expect(JSON.parse(received[0].body)).toMatchObject({ id: notificationId, event: "test", link: `${APP_URL}/settings#notifications` });
    await flushAuditTrail(db.prisma);
    const audit = await db.prisma.auditEvent.findMany({ where: { targetId: channel.id }, orderBy: { seq: "asc" } });
    expect(audit.map((e) => e.type)).toEqual(["notify.channel_created", "notify.test_requested"]);
    expect(JSON.stringify(audit.map((e) => e.payload))).not.toContain(SECRET);
  });

  it("refuses a URL the SSRF guard does not allow, with what to fix", async () => {
    const production = { ...config, NODE_ENV: "production" as const, DEMO_MODE: false };
    for (const url of [`${base}/hook`, "https://169.254.169.254/latest", "https://10.0.0.8/hook", "https://localhost/hook", "ftp://example.com/x", "https://user:pw@example.com/"]) {
      await expect(
        createChannel({ actor: ADMIN, db: db.prisma, config: production, now: now(), input: { kind: "WEBHOOK", name: "bad", events: ["task.failed"], url } }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^Invalid channel: url: /) });
    }
    expect(await db.prisma.notificationChannel.count()).toBe(0);
  });

  it("refuses, on connection, a host name that resolves to a blocked address", async () => {
    const url = new URL(base.replace("127.0.0.1", "localhost"));
    await expect(postJson(url, "{}", {}, { policy: { allowLoopback: false, allowPrivate: false } })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(postJson(new URL(base), "{}", {}, { policy: { allowLoopback: false, allowPrivate: true } })).rejects.toBeInstanceOf(BlockedAddressError);
    expect(received).toHaveLength(0);
    await expect(postJson(url, "{}", {}, { policy: { allowLoopback: true, allowPrivate: false } })).resolves.toMatchObject({ status: 200 });
  });
});

describe("the notify-deliver job", () => {
  it("delivers right after requestNotificationDelivery", async () => {
    await webhook();
    await enqueue();
    const boss = await createBoss({ databaseUrl: db.url, role: "worker" });
    try {
      await registerNotifyJobs(boss, { db: db.prisma, log: () => {}, deliver: { config } });
      await requestNotificationDelivery(boss);
      const deadline = Date.now() + 20_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });
});
