// Channel secrets at rest against a real Postgres and a local HTTP receiver: the table holds neither
// the webhook secret nor the Slack URL, deliveries still sign with the secret, a tampered or moved
// ciphertext fails its delivery with a clear reason (the round goes on), rows from before encryption
// are sealed by the deliverer's first round (once), and keys rotate through NOTIFY_ENCRYPTION_KEYS_OLD.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TActor } from "@/lib/auth/actor";
import { getConfig, type TConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { notifyKeyring, sealedKeyId } from "./channel-secrets";
import { createChannel } from "./create-channel";
import { deliverDueNotifications } from "./deliver";
import { enqueueNotification } from "./enqueue-notification";
import { verifyWebhookSignature } from "./message";

// Signed in at the IdP at the test clock's "now": channel changes need a fresh sign-in.
const ADMIN: TActor = {
  userId: "00000000-0000-4000-8000-0000000000ad",
  subject: "admin-sub",
  email: "admin@example.test",
  name: "Admin",
  roles: ["admin"],
  get authTime() {
    return new Date();
  },
};
const SECRET = "whsec-at-rest-0123456789abcdef";
const KEY_1 = randomBytes(32).toString("base64");
const KEY_2 = randomBytes(32).toString("hex");

let db: TTestDatabase;
let server: http.Server;
let base: string;
let received: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let config: TConfig;

beforeAll(async () => {
  db = await createTestDatabase();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config = { ...getConfig(), APP_URL: "https://rootwarden.example.test", NOTIFY_ENCRYPTION_KEY: KEY_1, NOTIFY_ENCRYPTION_KEYS_OLD: undefined };
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});
beforeEach(async () => {
  received = [];
  await db.prisma.notification.deleteMany();
  await db.prisma.notificationChannel.deleteMany();
});

const webhook = (name = "hook", c: TConfig = config) =>
  createChannel({ actor: ADMIN, db: db.prisma, config: c, now: new Date(), input: { kind: "WEBHOOK", name, events: ["task.failed"], url: `${base}/${name}`, secret: SECRET } });
const slack = (name = "slack", c: TConfig = config) =>
  createChannel({ actor: ADMIN, db: db.prisma, config: c, now: new Date(), input: { kind: "SLACK", name, events: ["task.failed"], url: `${base}/services/T000/B000/${name}-token` } });
const enqueue = (key = "task.failed:r-1") =>
  db.prisma.$transaction((tx) => enqueueNotification(tx, { event: "task.failed", organizationId: null, idempotencyKey: key, title: "Task failed", text: "", link: "/requests/r-1" }));
const storedConfig = async (id: string) =>
  (await db.prisma.$queryRawUnsafe<{ config: Record<string, string> }[]>(`SELECT "config" FROM "NotificationChannel" WHERE "id" = $1::uuid`, id))[0].config;
const deliveryError = async (channelId: string) => (await db.prisma.notification.findFirstOrThrow({ where: { channelId } })).lastError;

function expectSigned(req: (typeof received)[number]) {
  const header = String(req.headers["x-rootwarden-signature"]);
  expect(verifyWebhookSignature({ secret: SECRET, header, body: req.body, nowSeconds: Math.floor(Date.now() / 1000) })).toBe(true);
}

describe("channel secrets at rest", () => {
  it("stores neither the webhook secret nor the Slack URL in the table, and deliveries still sign and arrive", async () => {
    const hook = await webhook();
    const s = await slack();
    const dump = (await db.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(c)::text AS row FROM "NotificationChannel" c`)).map((r) => r.row).join("\n");
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain("slack-token");
    expect(dump).not.toContain("/services/T000");
    const hookConfig = await storedConfig(hook.channel.id);
    expect(hookConfig.secret).toMatch(/^rwenc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealedKeyId(hookConfig.secret)).toBe(notifyKeyring(config).currentId);
    expect(s.channel.target).toBe(`${base}/…`);

    await enqueue();
    expect(await deliverDueNotifications({ db: db.prisma, config })).toMatchObject({ sent: 2, sealed: 0 });
    expectSigned(received.find((r) => r.path === "/hook")!);
    expect(received.map((r) => r.path).sort()).toEqual(["/hook", "/services/T000/B000/slack-token"]);
  });

  it("a tampered ciphertext, or one moved to another channel, fails its delivery with the reason; the others are sent", async () => {
    const a = await webhook("a");
    const b = await webhook("b");
    await webhook("good");
    const sealedA = (await storedConfig(a.channel.id)).secret;
    const parts = sealedA.split(":");
    const body = Buffer.from(parts[4], "base64url");
    body[3] ^= 0x01;
    const tampered = [...parts.slice(0, 4), body.toString("base64url")].join(":");
    await db.prisma.notificationChannel.update({ where: { id: a.channel.id }, data: { config: { url: `${base}/a`, secret: tampered } } });
    // b's own row, sealed for a: bound to a's id, it does not open as b's.
    await db.prisma.notificationChannel.update({ where: { id: b.channel.id }, data: { config: { url: `${base}/b`, secret: sealedA } } });
    await enqueue();
    expect(await deliverDueNotifications({ db: db.prisma, config })).toMatchObject({ claimed: 3, sent: 1, retrying: 2 });
    expect(received.map((r) => r.path)).toEqual(["/good"]);
    for (const id of [a.channel.id, b.channel.id]) {
      expect(await deliveryError(id)).toBe(
        "the channel's stored signing secret failed its integrity check (altered in the database, or copied from another channel); delete the channel and add it again",
      );
    }
  });

  it("seals rows stored in plaintext at the deliverer's first round, once, and sends with them", async () => {
    const id = "5e5e5e5e-0000-4000-8000-000000000001";
    const slackId = "5e5e5e5e-0000-4000-8000-000000000002";
    const at = new Date();
    await db.prisma.notificationChannel.createMany({
      data: [
        { id, kind: "WEBHOOK", name: "legacy-hook", config: { url: `${base}/legacy`, secret: SECRET }, events: ["task.failed"], enabled: true, createdAt: at, updatedAt: at, createdBy: "old release" },
        { id: slackId, kind: "SLACK", name: "legacy-slack", config: { url: `${base}/services/legacy-token` }, events: ["task.failed"], enabled: true, createdAt: at, updatedAt: at, createdBy: "old release" },
      ],
    });
    await enqueue();
    expect(await deliverDueNotifications({ db: db.prisma, config })).toMatchObject({ sealed: 2, resealed: 0, sent: 2 });
    expect((await storedConfig(id)).secret).toMatch(/^rwenc:v1:/);
    expect((await storedConfig(id)).url).toBe(`${base}/legacy`);
    expect((await storedConfig(slackId)).url).toMatch(/^rwenc:v1:/);
    expectSigned(received.find((r) => r.path === "/legacy")!);
    const sealed = await storedConfig(id);
    expect(await deliverDueNotifications({ db: db.prisma, config })).toMatchObject({ sealed: 0, resealed: 0 });
    expect(await storedConfig(id)).toEqual(sealed);
  });

  it("rotates: the new key opens nothing old, NOTIFY_ENCRYPTION_KEYS_OLD does, and the next round re-seals under the new key", async () => {
    const hook = await webhook("rot");
    const rotated: TConfig = { ...config, NOTIFY_ENCRYPTION_KEY: KEY_2, NOTIFY_ENCRYPTION_KEYS_OLD: undefined };
    await enqueue("task.failed:without-old-key");
    expect(await deliverDueNotifications({ db: db.prisma, config: rotated })).toMatchObject({ sent: 0, retrying: 1, resealed: 0 });
    const oldId = notifyKeyring(config).currentId;
    expect(await deliveryError(hook.channel.id)).toBe(
      `the channel's signing secret was encrypted under key ${oldId}, which this process does not have; set that key in NOTIFY_ENCRYPTION_KEY or NOTIFY_ENCRYPTION_KEYS_OLD and restart, or delete the channel and add it again`,
    );
    expect(await deliveryError(hook.channel.id)).not.toContain(KEY_1);

    await db.prisma.notification.deleteMany();
    const withOld: TConfig = { ...rotated, NOTIFY_ENCRYPTION_KEYS_OLD: ` ${KEY_1} ` };
    await enqueue("task.failed:with-old-key");
    expect(await deliverDueNotifications({ db: db.prisma, config: withOld })).toMatchObject({ resealed: 1, sent: 1 });
    expect(sealedKeyId((await storedConfig(hook.channel.id)).secret)).toBe(notifyKeyring(rotated).currentId);
    expectSigned(received[0]);

    // The old key can go now.
    await enqueue("task.failed:after-rotation");
    expect(await deliverDueNotifications({ db: db.prisma, config: rotated })).toMatchObject({ resealed: 0, sent: 1 });
    expectSigned(received[1]);
  });
});
