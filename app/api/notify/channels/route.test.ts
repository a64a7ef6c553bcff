// The notification settings API in-process against a real Postgres: permission refusals naming the
// permission, 400s that say what to fix, the webhook secret shown only as "set", the audit events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TRole } from "@/lib/auth/roles";
import { testSession } from "@/lib/auth/test-helpers";
import { getConfig } from "@/lib/config";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { GET as listDeliveries } from "../deliveries/route";
import { GET as notified } from "../notified/route";
import { DELETE as deleteChannel, PATCH as patchChannel } from "./[channelId]/route";
import { POST as sendTest } from "./[channelId]/test/route";
import { GET as listChannels, POST as createChannel } from "./route";
import { flushAuditTrail } from "@/lib/audit/sequence";

let db: TTestDatabase;
const BASE = "http://127.0.0.1:3000";
const ADMIN_UID = "00000000-0000-4000-8000-0000000000ad";
const SECRET = "a-webhook-secret-of-some-length";

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
});
afterAll(async () => {
  await db?.drop();
});

async function request(path: string, options: { roles?: TRole[]; method?: string; body?: unknown } = {}): Promise<Request> {
  const cookie = await testSession(options.roles ?? ["admin"], getConfig(), { db: db.prisma, sub: `tester-${ADMIN_UID}`, uid: ADMIN_UID });
  const headers = new Headers({ cookie: cookie.header, origin: BASE });
  if (options.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${BASE}${path}`, { method: options.method ?? "GET", headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}
const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });
const webhook = { kind: "WEBHOOK", name: "siem", events: ["task.failed", "drift.detected"], url: "http://127.0.0.1:9/hook", secret: SECRET };

describe("/api/notify/channels", () => {
  it("refuses a viewer and an operator, naming the permission", async () => {
    for (const roles of [["viewer"], ["operator"], ["approver"]] as TRole[][]) {
      const res = await createChannel(await request("/api/notify/channels", { method: "POST", body: webhook, roles }));
      expect(res.status).toBe(403);
      expect((await res.json()).error.message).toContain("settings.write");
      expect((await listChannels(await request("/api/notify/channels", { roles }))).status).toBe(403);
      expect((await listDeliveries(await request("/api/notify/deliveries", { roles }))).status).toBe(403);
    }
    expect(await db.prisma.notificationChannel.count()).toBe(0);
  });

  it.each([
    [{}, "kind must be WEBHOOK, SLACK or EMAIL"],
    [{ ...webhook, name: "" }, "name: give the channel a name"],
    [{ ...webhook, events: [] }, "events: pick at least one event"],
    [{ ...webhook, events: ["nope"] }, "events.0"],
    [{ ...webhook, url: "ftp://example.com/x" }, "url: must be an https:// URL"],
    [{ ...webhook, url: "https://169.254.169.254/" }, "url: must not point at a reserved address"],
    [{ ...webhook, secret: "short" }, "secret: must be at least 16 characters"],
    [{ kind: "EMAIL", name: "m", events: ["task.failed"], to: ["not-an-address"] }, "to.0: must be an e-mail address"],
    [{ kind: "EMAIL", name: "m", events: ["task.failed"], to: ["a@example.test"] }, "set SMTP_URL"],
    [{ kind: "EMAIL", name: "m", events: ["task.failed"], to: [] }, "to: give at least one recipient, or send to the requester or the approvers"],
    [{ kind: "EMAIL", name: "m", events: ["task.failed"], toApprovers: "yes" }, "toApprovers"],
  ])("answers 400 for %j", async (body, message) => {
    const res = await createChannel(await request("/api/notify/channels", { method: "POST", body }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain(message);
  });

  it("creates, lists without the secret, updates, tests and deletes, each audited", async () => {
    const created = await createChannel(await request("/api/notify/channels", { method: "POST", body: webhook }));
    expect(created.status).toBe(201);
    const { channel, generatedSecret } = await created.json();
    expect(generatedSecret).toBeUndefined();
    expect(channel).toMatchObject({ name: "siem", kind: "WEBHOOK", secretSet: true, enabled: true, events: ["drift.detected", "task.failed"] });

    const dup = await createChannel(await request("/api/notify/channels", { method: "POST", body: webhook }));
    expect(dup.status).toBe(409);

    const [stored] = await db.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(c)::text AS row FROM "NotificationChannel" c WHERE "id" = $1::uuid`, channel.id);
    expect(stored.row).not.toContain(SECRET);

    const listed = await (await listChannels(await request("/api/notify/channels"))).text();
    expect(listed).toContain('"secretSet":true');
    expect(listed).not.toContain(SECRET);

    const path = `/api/notify/channels/${channel.id}`;
    expect((await patchChannel(await request(path, { method: "PATCH", body: {} }), params({ channelId: channel.id }))).status).toBe(400);
    expect((await patchChannel(await request(path, { method: "PATCH", body: { url: "https://x" } }), params({ channelId: channel.id }))).status).toBe(400);
    expect((await patchChannel(await request("/api/notify/channels/x", { method: "PATCH", body: { enabled: false } }), params({ channelId: "x" }))).status).toBe(400);
    const notEmail = await patchChannel(await request(path, { method: "PATCH", body: { toRequester: true } }), params({ channelId: channel.id }));
    expect(notEmail.status).toBe(400);
    expect((await notEmail.json()).error.message).toContain("only e-mail channels send to the requester or the approvers");
    expect((await patchChannel(await request(path, { method: "PATCH", body: { toApprovers: "yes" } }), params({ channelId: channel.id }))).status).toBe(400);
    const off = await patchChannel(await request(path, { method: "PATCH", body: { enabled: false } }), params({ channelId: channel.id }));
    expect((await off.json()).channel.enabled).toBe(false);
    const refused = await sendTest(await request(`${path}/test`, { method: "POST" }), params({ channelId: channel.id }));
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toContain("Enable it first");
    await patchChannel(await request(path, { method: "PATCH", body: { enabled: true } }), params({ channelId: channel.id }));
    const tested = await sendTest(await request(`${path}/test`, { method: "POST" }), params({ channelId: channel.id }));
    expect(tested.status).toBe(202);

    const log = await (await listDeliveries(await request("/api/notify/deliveries"))).json();
    expect(log.deliveries).toMatchObject([{ channelName: "siem", event: "test", status: "PENDING", attempts: 0 }]);
    expect((await listDeliveries(await request("/api/notify/deliveries?status=NOPE"))).status).toBe(400);

    expect((await deleteChannel(await request(path, { method: "DELETE" }), params({ channelId: channel.id }))).status).toBe(200);
    expect((await deleteChannel(await request(path, { method: "DELETE" }), params({ channelId: channel.id }))).status).toBe(404);

    await flushAuditTrail(db.prisma);
    const audit = await db.prisma.auditEvent.findMany({ where: { targetId: channel.id }, orderBy: { seq: "asc" } });
    expect(audit.map((e) => e.type)).toEqual([
      "notify.channel_created",
      "notify.channel_updated",
      "notify.channel_updated",
      "notify.test_requested",
      "notify.channel_deleted",
    ]);
    expect(audit[1].payload).toMatchObject({ changes: { enabled: { from: true, to: false } } });
    expect(audit.every((e) => e.actorUserId === ADMIN_UID && e.requestId !== null)).toBe(true);
  });
});

describe("/api/notify/notified", () => {
  it("needs tasks.read and exactly one of link or subjectId", async () => {
    expect((await notified(await request("/api/notify/notified?link=/requests/x", { roles: ["viewer"] }))).status).toBe(403);
    expect((await notified(await request("/api/notify/notified", { roles: ["approver"] }))).status).toBe(400);
    expect((await notified(await request("/api/notify/notified?link=https://evil.example", { roles: ["approver"] }))).status).toBe(400);
    const res = await notified(await request("/api/notify/notified?link=/requests/x", { roles: ["approver"] }));
    expect(await res.json()).toEqual({ notified: [] });
  });
});
