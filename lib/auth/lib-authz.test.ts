// Every exported async lib function that reads or changes data refuses a caller without its
// permission, before touching the database or AWS: no actor -> UNAUTHENTICATED, a role without the
// permission -> FORBIDDEN naming it; a holder (and SYSTEM, where allowed) gets past the check. An
// exported async function in the scanned modules that this table neither lists nor exempts fails
// the test, so a new one cannot ship unchecked. Adding one? Add its row to FUNCTIONS.
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SYSTEM, type TActor, type TCaller } from "./actor";
import { PERMISSIONS, hasPermission, type TPermission } from "./permissions";
import { ROLES, type TRole } from "./roles";

/**
 * Any use of these (db, AWS context, job client) means the function went past its check. Every
 * property is another such stand-in and every call a rejected promise, so the code under test
 * fails where it first awaits one, without unhandled rejections.
 */
let touched = false;
const untouchable = <T,>(): T => {
  const stub: unknown = new Proxy(function () {}, {
    get: (_t, prop) => {
      if (prop === "then") return undefined;
      touched = true;
      return stub;
    },
    apply: () => {
      touched = true;
      return Promise.reject(new Error("a dependency was used"));
    },
  });
  return stub as T;
};
const db = untouchable<never>();
const aws = untouchable<never>();
const boss = untouchable<never>();
const now = new Date("2031-01-01T00:00:00.000Z");
const UUID = "00000000-0000-4000-8000-00000000abcd";
const dayArgs = { db, organizationId: "o-x", now, freshnessHours: 48 };

type TRow = {
  module: string;
  name: string;
  /** SIGNED_IN: any signed-in user (own data only). */
  access: TPermission | "signed-in";
  /** Whether SYSTEM (scheduled work) may call it. */
  system: boolean;
  call: (fn: (...args: never[]) => Promise<unknown>, actor: TCaller | null) => Promise<unknown>;
};

// The options each function needs to get as far as its check (and a touch of db/aws right after).
const FUNCTIONS: TRow[] = [
  { module: "lib/inventory/sync-organization.ts", name: "syncOrganization", access: "org.setup", system: true, call: (f, actor) => f({ actor, db, aws } as never) },
  {
    module: "lib/inventory/sync-organization.ts",
    name: "checkOrgFeatures",
    access: "org.setup",
    system: true,
    call: (f, actor) => f({ actor, db, aws, organizationId: "o-x", scanId: null, now } as never),
  },
  {
    module: "lib/inventory/sync-organization.ts",
    name: "storeOrganization",
    access: "org.setup",
    system: true,
    call: (f, actor) =>
      f({
        actor,
        db,
        walk: { organization: { id: "o-x", arn: "arn", featureSet: "ALL", managementAccountId: "111111111111" }, ous: [], accounts: [] },
        features: { trustedAccessIam: null, rootCredentialsManagement: null, rootSessions: null, delegatedAdminAccountId: null, problems: [] },
        now,
      } as never),
  },
  {
    module: "lib/inventory/scan-scheduled.ts",
    name: "runScheduledScanIfDue",
    access: "org.setup",
    system: true,
    call: (f, actor) => f({ actor, db, aws, boss, intervalHours: 24, now } as never),
  },
  { module: "lib/inventory/start-scan.ts", name: "startScan", access: "scans.start", system: true, call: (f, actor) => f({ actor, scope: { type: "ORG" }, db, boss, now } as never) },
  { module: "lib/inventory/cancel-scan.ts", name: "cancelScan", access: "scans.start", system: false, call: (f, actor) => f({ actor, scanId: UUID, db } as never) },
  { module: "lib/inventory/list-accounts.ts", name: "listAccounts", access: "accounts.read", system: false, call: (f, actor) => f({ actor, query: {}, db, now } as never) },
  { module: "lib/inventory/list-accounts.ts", name: "resolveOrganizationId", access: "accounts.read", system: true, call: (f, actor) => f({ actor, db } as never) },
  {
    module: "lib/inventory/get-account-detail.ts",
    name: "getAccountDetail",
    access: "accounts.read",
    system: false,
    call: (f, actor) => f({ actor, accountId: "123456789012", db, now } as never),
  },
  { module: "lib/inventory/get-ou-tree.ts", name: "getOuTree", access: "accounts.read", system: false, call: (f, actor) => f({ actor, db, now } as never) },
  { module: "lib/inventory/get-overview.ts", name: "getOverview", access: "accounts.read", system: false, call: (f, actor) => f({ actor, db, now } as never) },
  { module: "lib/inventory/get-overview.ts", name: "getComplianceTrend", access: "accounts.read", system: true, call: (f, actor) => f({ actor, ...dayArgs, days: 30 } as never) },
  { module: "lib/inventory/list-drift-events.ts", name: "listDriftEvents", access: "accounts.read", system: true, call: (f, actor) => f({ actor, db } as never) },
  { module: "lib/inventory/list-scans.ts", name: "listScans", access: "accounts.read", system: false, call: (f, actor) => f({ actor, query: {}, db, now } as never) },
  { module: "lib/inventory/get-scan-progress.ts", name: "getScanProgress", access: "accounts.read", system: true, call: (f, actor) => f(UUID as never, { actor, db, now } as never) },
  {
    module: "lib/inventory/roll-up-compliance-days.ts",
    name: "rollUpComplianceDays",
    access: "accounts.read",
    system: true,
    // A window ending in a settled day, so the function reaches the database.
    call: (f, actor) => f({ actor, ...dayArgs, days: 30 } as never),
  },
  {
    module: "lib/inventory/roll-up-compliance-days.ts",
    name: "scannedStatusesOnClosedDays",
    access: "accounts.read",
    system: true,
    call: (f, actor) => f({ actor, ...dayArgs, days: [1] } as never),
  },
  { module: "lib/inventory/roll-up-compliance-days.ts", name: "scannedStatusesToday", access: "accounts.read", system: true, call: (f, actor) => f({ actor, ...dayArgs } as never) },
  { module: "lib/tasks/settings.ts", name: "getTaskSettings", access: "settings.read", system: true, call: (f, actor) => f({ actor, db } as never) },
  { module: "lib/tasks/settings.ts", name: "updateTaskSettings", access: "settings.write", system: false, call: (f, actor) => f({ actor, patch: {}, db, now } as never) },
  { module: "lib/tasks/settings.ts", name: "listApprovalRules", access: "settings.read", system: true, call: (f, actor) => f({ actor, organizationId: "o-x", db } as never) },
  {
    module: "lib/tasks/settings.ts",
    name: "saveApprovalRule",
    access: "settings.write",
    system: false,
    call: (f, actor) => f({ actor, organizationId: "o-x", input: { taskType: "DELETE_ROOT_CREDENTIALS", ouId: null, approvalsRequired: 1 }, db, now } as never),
  },
  { module: "lib/tasks/settings.ts", name: "deleteApprovalRule", access: "settings.write", system: false, call: (f, actor) => f({ actor, organizationId: "o-x", ruleId: UUID, db, now } as never) },
  { module: "lib/tasks/requests.ts", name: "previewTaskRequest", access: "tasks.request", system: false, call: (f, actor) => f({ actor, input: { taskType: "X", scope: {} }, db, aws, now } as never) },
  {
    module: "lib/tasks/requests.ts",
    name: "createTaskRequest",
    access: "tasks.request",
    system: false,
    call: (f, actor) => f({ actor, input: { taskType: "X", scope: {}, reason: "a reason long enough" }, db, aws, now } as never),
  },
  { module: "lib/tasks/requests.ts", name: "voteOnTaskRequest", access: "tasks.approve", system: false, call: (f, actor) => f({ actor, requestId: UUID, decision: "APPROVE", db, now } as never) },
  { module: "lib/tasks/requests.ts", name: "cancelTaskRequest", access: "tasks.request", system: false, call: (f, actor) => f({ actor, requestId: UUID, db, now } as never) },
  { module: "lib/tasks/requests.ts", name: "reviewBreakGlass", access: "tasks.approve", system: false, call: (f, actor) => f({ actor, requestId: UUID, db, now } as never) },
  { module: "lib/tasks/requests.ts", name: "retryTaskRequest", access: "tasks.request", system: false, call: (f, actor) => f({ actor, requestId: UUID, db, aws, now } as never) },
  { module: "lib/tasks/list.ts", name: "listTaskRequests", access: "tasks.read", system: false, call: (f, actor) => f({ actor, query: {}, db } as never) },
  { module: "lib/tasks/list.ts", name: "getTaskRequest", access: "tasks.read", system: false, call: (f, actor) => f({ actor, requestId: UUID, db, now } as never) },
  { module: "lib/tasks/list.ts", name: "listTaskTargets", access: "tasks.read", system: false, call: (f, actor) => f({ actor, requestId: UUID, query: {}, db } as never) },
  { module: "lib/tasks/list.ts", name: "listTaskRequesters", access: "tasks.read", system: false, call: (f, actor) => f({ actor, db } as never) },
  { module: "lib/tasks/list.ts", name: "getApprovalInbox", access: "tasks.approve", system: false, call: (f, actor) => f({ actor, db, now } as never) },
  { module: "lib/tasks/org-setup-status.ts", name: "getOrgSetupStatus", access: "org.setup", system: false, call: (f, actor) => f({ actor, db, awsRead: aws, now } as never) },
  { module: "lib/inventory/request-org-sync.ts", name: "requestOrgSync", access: "org.setup", system: false, call: (f, actor) => f({ actor, db, enqueue: boss, now } as never) },
  { module: "lib/tasks/resources.ts", name: "listTaskResources", access: "tasks.request", system: false, call: (f, actor) => f({ actor, accountId: "123456789012", service: "s3", db, aws, now } as never) },
  { module: "lib/auth/list-users.ts", name: "listUsers", access: "users.read", system: false, call: (f, actor) => f({ actor, db } as never) },
  { module: "lib/auth/get-own-user.ts", name: "getOwnUser", access: "signed-in", system: false, call: (f, actor) => f({ actor, db } as never) },
  { module: "lib/notify/list-channels.ts", name: "listChannels", access: "settings.read", system: false, call: (f, actor) => f({ actor, db } as never) },
  {
    module: "lib/notify/create-channel.ts",
    name: "createChannel",
    access: "settings.write",
    system: false,
    call: (f, actor) => f({ actor, db, now, input: { kind: "SLACK", name: "x", events: ["task.failed"], url: "https://hooks.slack.com/services/x" } } as never),
  },
  { module: "lib/notify/update-channel.ts", name: "updateChannel", access: "settings.write", system: false, call: (f, actor) => f({ actor, db, now, channelId: UUID, input: { enabled: false } } as never) },
  { module: "lib/notify/delete-channel.ts", name: "deleteChannel", access: "settings.write", system: false, call: (f, actor) => f({ actor, db, now, channelId: UUID } as never) },
  { module: "lib/notify/send-test-notification.ts", name: "sendTestNotification", access: "settings.write", system: false, call: (f, actor) => f({ actor, db, now, channelId: UUID } as never) },
  { module: "lib/notify/list-deliveries.ts", name: "listDeliveries", access: "settings.read", system: false, call: (f, actor) => f({ actor, db } as never) },
  { module: "lib/notify/list-deliveries.ts", name: "listNotificationsFor", access: "tasks.read", system: true, call: (f, actor) => f(actor as never, { db, link: "/requests/x" } as never) },
];

/** Exported async functions that take no actor, and why. */
const EXEMPT: Record<string, string> = {
  "lib/inventory/check-scan-rate-limit.ts checkScanRateLimit": "runs inside startScan's transaction, after startScan's check; takes that transaction",
  "lib/auth/upsert-user.ts upsertUserAtSignIn": "the sign-in itself: there is no actor before it",
  "lib/db/get-health.ts getHealth": "the load balancer's anonymous probe (what it may show anonymously is issue 8 item g)",
  // Worker-only: called by pg-boss handlers in lib/jobs/start-worker.ts, never from a request.
  "lib/inventory/scan-batch.ts runScanBatch": "worker-only (scan batch job)",
  "lib/inventory/scan-batch.ts scanOneAccount": "worker-only; AWS calls only, no database",
  "lib/inventory/scan-batch.ts recordResults": "worker-only (scan batch job)",
  "lib/inventory/scan-batch.ts finishScanIfDone": "worker-only (scan batch job, recovery)",
  "lib/inventory/scan-batch.ts failRemainingAccounts": "worker-only (scan batch job, recovery)",
  "lib/inventory/recover-scans.ts recoverStalledScans": "worker-only (recovery tick)",
  "lib/notify/enqueue-notification.ts enqueueNotification": "writes the outbox inside the caller's transaction, after the caller's own check; takes that transaction",
  "lib/notify/enqueue-notification.ts insertOutboxRows": "the outbox insert behind enqueueNotification and sendTestNotification, inside their transactions",
  "lib/notify/deliver.ts deliverDueNotifications": "worker-only (notify-deliver job)",
  "lib/notify/send.ts sendToChannel": "worker-only; sends one claimed row, no database",
  "lib/notify/resolve-recipients.ts resolveAudiencePeople": "reads the addresses of a message's audience inside enqueueNotification's transaction, after the caller's own check",
  "lib/notify/seal-channel-secrets.ts sealStoredChannelSecrets": "worker-only (the start of each notify-deliver round)",
  // lib/tasks: helpers called after the caller's own check, and the task worker's steps (they refuse every caller but SYSTEM).
  "lib/tasks/settings.ts readTaskSettings": "read by lib/tasks itself after its own permission check; takes the caller's db or transaction",
  "lib/tasks/settings.ts requiredApprovals": "inside createTaskRequest, after its tasks.request check",
  "lib/tasks/plan.ts buildPlan": "inside previewTaskRequest/createTaskRequest, after their tasks.request check",
  "lib/tasks/requests.ts currentOrganizationId": "which organization is current; no data beyond its id (callers check their own permission first)",
  "lib/tasks/requests.ts expireTaskRequests": "worker-only (task tick); refuses every caller but SYSTEM",
  "lib/tasks/execute.ts startTaskExecution": "worker-only (task start job); refuses every caller but SYSTEM",
  "lib/tasks/execute.ts runTaskBatch": "worker-only (task batch job); refuses every caller but SYSTEM",
  "lib/tasks/execute.ts finishTaskRequest": "worker-only (end of a task batch)",
  "lib/tasks/execute.ts findOrphanedTargets": "worker-only (task tick); refuses every caller but SYSTEM",
  "lib/tasks/notify-request.ts notifyRequest": "writes the outbox rows inside a transition's transaction, after that transition's own check",
  "lib/tasks/plan-org-setup.ts planOrgSetup": "inside buildPlan, after previewTaskRequest/createTaskRequest checked org.setup",
  "lib/tasks/org-setup-target.ts runOrgSetupTarget": "worker-only; the AWS calls of one claimed organization set-up target, no database",
  "lib/tasks/org-setup-target.ts recordOrgSetupChange": "inside the task worker's target-result transaction (recordTargetResult)",
  "lib/tasks/aws-reads.ts performAwsRead": "worker-only (aws-read job) or inside listTaskResources/previewTaskRequest after their tasks.request check; AWS calls only, no database",
  "lib/tasks/execute.ts runTarget": "worker-only; AWS calls for one claimed target, no database",
  "lib/inventory/record-drift.ts recordDrift": "writes drift rows, their audit event and notification inside the scan chunk's or sync's transaction (worker or storeOrganization, after its check)",
  "lib/inventory/record-drift.ts notifyPendingDrift": "the drift summary inside the transaction that closes or cancels a scan, after the caller's own check",
  "lib/notify/notify-verification-failed.ts notifyAuditVerificationFailed": "the onRecorded hook of runAuditVerification, inside its transaction after its audit.read check",
  "lib/inventory/scan-batch.ts appendScanFinished": "writes scan.finished inside the caller's transaction (batch job, recovery, a scan that could not be queued)",
};

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED = [
  ...readdirSync(path.join(ROOT, "lib/inventory"))
    .filter((f) => f.endsWith(".ts") && !/\.(test|fixtures)\.ts$/.test(f) && !f.endsWith("-test-helpers.ts"))
    .map((f) => `lib/inventory/${f}`),
  ...readdirSync(path.join(ROOT, "lib/tasks"))
    .filter((f) => f.endsWith(".ts") && !/\.(test|fixtures)\.ts$/.test(f) && !f.endsWith("-test-helpers.ts"))
    .map((f) => `lib/tasks/${f}`),
  "lib/auth/list-users.ts",
  "lib/auth/get-own-user.ts",
  "lib/auth/upsert-user.ts",
  "lib/db/get-health.ts",
  ...readdirSync(path.join(ROOT, "lib/notify"))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith("-test-helpers.ts"))
    .map((f) => `lib/notify/${f}`),
];

async function load(module: string): Promise<Record<string, unknown>> {
  return (await import(path.join(ROOT, module))) as Record<string, unknown>;
}

function actor(roles: TRole[]): TActor {
  // Signed in just now: the functions that also ask for a fresh sign-in (settings) get past that too.
  return { userId: UUID, subject: "lib-authz", email: null, name: null, roles, authTime: now };
}

/** Role sets without the permission: no role at all, and each single role that lacks it. */
function lacking(access: TRow["access"]): TRole[][] {
  if (access === "signed-in") return [];
  return [[], ...ROLES.filter((r) => !hasPermission([r], access)).map((r) => [r])];
}

function holder(access: TRow["access"]): TRole[] {
  if (access === "signed-in") return [];
  return [PERMISSIONS[access].roles[0]];
}

describe("lib functions check the actor", () => {
  it("lists or exempts every exported async function of the scanned modules", async () => {
    const listed = new Set([...FUNCTIONS.map((r) => `${r.module} ${r.name}`), ...Object.keys(EXEMPT)]);
    const found: string[] = [];
    for (const file of SCANNED) {
      for (const [name, value] of Object.entries(await load(file))) {
        if (typeof value === "function" && value.constructor.name === "AsyncFunction") found.push(`${file} ${name}`);
      }
    }
    expect(found.filter((f) => !listed.has(f)), "add a row to FUNCTIONS (or EXEMPT, with the reason)").toEqual([]);
    expect([...listed].filter((l) => !found.includes(l)), "rows for functions that no longer exist").toEqual([]);
  });

  describe.each(FUNCTIONS.map((r) => [`${r.name} (${r.access})`, r] as const))("%s", (_label, row) => {
    const run = async (caller: TCaller | null) => {
      touched = false;
      return row.call((await load(row.module))[row.name] as never, caller);
    };
    const refusedUntouched = async (caller: TCaller | null, expected: Record<string, unknown>) => {
      await expect(run(caller)).rejects.toMatchObject(expected);
      expect(touched, "refused only after using the database or AWS").toBe(false);
    };
    const passes = async (caller: TCaller) => {
      await run(caller).catch(() => undefined);
      expect(touched, "never reached the database or AWS").toBe(true);
    };

    it("refuses a caller without a session", async () => {
      await refusedUntouched(null, { code: "UNAUTHENTICATED" });
    });

    it.each(lacking(row.access).map((roles) => [roles.join(",") || "no role", roles] as const))("refuses %s", async (_name, roles) => {
      await refusedUntouched(actor(roles), { code: "FORBIDDEN", details: { permission: row.access } });
    });

    it(`lets a holder${row.system ? " and SYSTEM" : ""} past the check`, async () => {
      await passes(actor(holder(row.access)));
      if (row.system) await passes(SYSTEM);
    });
  });
});
