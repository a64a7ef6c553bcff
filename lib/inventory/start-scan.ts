// Starts a root-credential scan of the whole org, an OU subtree, a selection or one account: one Scan
// row, one ScanAccount row per account (not scannable ones SKIPPED with a reason), batch jobs queued.
import type { JobInsert, PgBoss } from "pg-boss";
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient, Scan } from "@/lib/db/generated/client";
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { requestAuditCopy } from "@/lib/jobs/audit-jobs";
import { QUEUES, SCAN_BATCH_JOB, getJobClient, type TScanBatchJob } from "@/lib/jobs/boss";
import { checkScanRateLimit, type TScanRateLimit } from "./check-scan-rate-limit";
import { notScannableReason } from "./compliance";
import { appendScanFinished } from "./scan-batch";

const ZAccountId = z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" });

export const ZScanScope = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ORG") }),
  z.object({ type: z.literal("OU"), ouId: z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, { message: "must be an OU id (ou-...) or root id (r-...)" }) }),
  z.object({
    type: z.literal("ACCOUNTS"),
    accountIds: z.array(ZAccountId).min(1, { message: "select at least one account" }).max(20_000),
  }),
]);
export type TScanScope = z.infer<typeof ZScanScope>;
export const ZScanTrigger = z.enum(["MANUAL", "SCHEDULED"]);
export type TScanTrigger = z.infer<typeof ZScanTrigger>;

export type TStartScanOptions = {
  /** The user asking, or SYSTEM for scheduled work; a missing user is refused, never skipped. */
  actor: TCaller | null;
  scope: TScanScope;
  trigger?: TScanTrigger;
  organizationId?: string;
  db?: PrismaClient;
  boss?: PgBoss;
  batchSize?: number;
  /** The caller's clock: the rate-limit window ends here and the scan is created at this time. */
  now?: Date;
  /** Per-user cap on manual scan starts (SYSTEM is not limited); defaults to SCAN_LIMIT_* from the config. */
  rateLimit?: TScanRateLimit;
};

/**
 * Returns the new scan, or the scan already queued/running with the same scope (a double click or a
 * retried request must not start two).
 */
export async function startScan(options: TStartScanOptions): Promise<Scan> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "scans.start");
  const parsed = ZScanScope.safeParse(options.scope);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `Invalid scan scope: ${parsed.error.issues.map((i) => `${i.path.join(".") || "scope"} ${i.message}`).join("; ")}`);
  }
  const scope = parsed.data;
  const trigger = ZScanTrigger.parse(options.trigger ?? "MANUAL");
  const db = options.db ?? defaultDb;
  const batchSize = options.batchSize ?? getConfig().SCAN_BATCH_SIZE;
  const now = options.now ?? new Date();
  const rateLimit = options.rateLimit ?? configuredRateLimit();
  const requestedById = options.actor === SYSTEM ? null : (options.actor?.userId ?? null);
  const organizationId = options.organizationId ?? (await currentOrganizationId(db));

  const created = await db.$transaction(
    async (tx) => {
      // Serializes scan starts per organization so two concurrent requests cannot both create one.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`rootwarden.scan-start.${organizationId}`}))`;

      const { accounts, label, ouId } = await resolveScope(tx as unknown as PrismaClient, organizationId, scope);
      const accountKey = scope.type === "ACCOUNTS" ? [...new Set(scope.accountIds)].sort().join(",") : null;
      const active = await tx.scan.findMany({
        where: { organizationId, status: { in: ["QUEUED", "RUNNING"] }, scopeType: scope.type, scopeOuId: ouId },
        orderBy: { createdAt: "desc" },
      });
      let same: Scan | undefined = accountKey === null ? active[0] : undefined;
      for (const s of accountKey === null ? [] : active) {
        const ids = await tx.scanAccount.findMany({ where: { scanId: s.id }, select: { accountId: true }, orderBy: { accountId: "asc" } });
        if (ids.map((a) => a.accountId).join(",") === accountKey) {
          same = s;
          break;
        }
      }
      if (same) return { scan: same, pending: [] as string[], isNew: false };

      const rows = accounts.map((a) => ({ id: a.id, reason: notScannableReason(a) }));
      const pending = rows.filter((r) => r.reason === null).map((r) => r.id);
      const skipped = rows.filter((r) => r.reason !== null);
      if (requestedById !== null) {
        await checkScanRateLimit(tx, { userId: requestedById, now, rootSessions: pending.length, limit: rateLimit });
      }
      const scan = await tx.scan.create({
        data: {
          organizationId,
          scopeType: scope.type,
          scopeOuId: ouId,
          scopeLabel: label,
          trigger,
          requestedById,
          status: pending.length === 0 ? "SUCCEEDED" : "QUEUED",
          total: rows.length,
          // `done` counts every finished account (scanned, failed or skipped): progress is done/total.
          done: skipped.length,
          skipped: skipped.length,
          startedAt: pending.length === 0 ? now : null,
          finishedAt: pending.length === 0 ? now : null,
          createdAt: now,
        },
      });
      await tx.$executeRaw`
        INSERT INTO "ScanAccount" ("scanId", "accountId", "status", "reason", "finishedAt")
        SELECT ${scan.id}::uuid, t.id, CASE WHEN t.reason IS NULL THEN 'PENDING' ELSE 'SKIPPED' END, t.reason,
               CASE WHEN t.reason IS NULL THEN NULL ELSE ${now}::timestamptz END
        FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.reason)}::text[]) AS t(id, reason)`;
      if (skipped.length > 0) {
        await tx.$executeRaw`
          UPDATE "Account" a SET "status" = 'NOT_APPLICABLE', "statusReason" = t.reason, "failingRules" = '{}'
          FROM unnest(${skipped.map((r) => r.id)}::text[], ${skipped.map((r) => r.reason)}::text[]) AS t(id, reason)
          WHERE a."id" = t.id`;
      }
      await appendAuditEvent(tx, {
        type: "scan.started",
        actor: options.actor ?? SYSTEM,
        organizationId,
        target: scanTarget(scope, organizationId),
        payload: { scanId: scan.id, scope, scopeLabel: label, trigger, total: rows.length, skipped: skipped.length },
      });
      if (pending.length === 0) await appendScanFinished(tx, scan);
      return { scan, pending, isNew: true };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );

  if (!created.isNew || created.pending.length === 0) return created.scan;
  try {
    const boss = options.boss ?? (await getJobClient());
    const jobs: JobInsert<TScanBatchJob>[] = [];
    for (let i = 0; i < created.pending.length; i += batchSize) {
      jobs.push({
        data: { scanId: created.scan.id, accountIds: created.pending.slice(i, i + batchSize) },
        ...SCAN_BATCH_JOB,
      });
    }
    await boss.insert(QUEUES.scanBatch, jobs);
  } catch (err) {
    // Without its jobs the scan would wait forever: close it with the reason instead.
    // Viewers see Scan.error; a driver message can name hosts and users, so keep only its code.
    const code = (err as { code?: unknown }).code;
    const message = `Could not queue the scan's jobs${typeof code === "string" ? ` (database error ${code})` : ""}`;
    console.error(`[scan] queueing scan ${created.scan.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    await db.$transaction(async (tx) => {
      const failed = await tx.scan.update({ where: { id: created.scan.id }, data: { status: "FAILED", error: message, errorCode: "QueueFailed", finishedAt: new Date() } });
      await tx.scanAccount.updateMany({
        where: { scanId: created.scan.id, status: "PENDING" },
        data: { status: "CANCELLED", reason: "The scan could not be queued.", reasonCode: "QueueFailed", finishedAt: new Date() },
      });
      await appendScanFinished(tx, failed);
    });
    throw new AppError("UNAVAILABLE", `${message}. Check that Postgres is reachable and try again.`);
  }
  // A scan opens root sessions: its checkpoint goes outside Postgres now, not at the next tick.
  await requestAuditCopy(options.boss ?? (await getJobClient()));
  return created.scan;
}

function configuredRateLimit(): TScanRateLimit {
  const config = getConfig();
  return {
    windowMinutes: config.SCAN_LIMIT_WINDOW_MINUTES,
    maxScans: config.SCAN_LIMIT_SCANS,
    maxRootSessions: config.SCAN_LIMIT_ROOT_SESSIONS,
  };
}

/** What a scan event names as its target: the organization, the OU, or the single account. */
function scanTarget(scope: TScanScope, organizationId: string): { type: "ORG" | "OU" | "ACCOUNT"; id: string } {
  if (scope.type === "OU") return { type: "OU", id: scope.ouId };
  if (scope.type === "ACCOUNTS" && scope.accountIds.length === 1) return { type: "ACCOUNT", id: scope.accountIds[0] };
  return { type: "ORG", id: organizationId };
}

/** The organization scans apply to when none is named: the one that was synced last. */
async function currentOrganizationId(db: PrismaClient): Promise<string> {
  const org = await db.organization.findFirst({ orderBy: { lastSyncedAt: { sort: "desc", nulls: "last" } }, select: { id: true } });
  if (!org) throw new AppError("CONFLICT", "No AWS Organization has been synced yet. Run an organization sync first.");
  return org.id;
}

type TScopeAccount = { id: string; state: string; isManagement: boolean };

async function resolveScope(
  db: PrismaClient,
  organizationId: string,
  scope: TScanScope,
): Promise<{ accounts: TScopeAccount[]; label: string; ouId: string | null }> {
  const select = { id: true, state: true, isManagement: true } as const;
  const inOrg = { organizationId, leftOrgAt: null };
  if (scope.type === "ORG") {
    return { accounts: await db.account.findMany({ where: inOrg, select, orderBy: { id: "asc" } }), label: "Whole organization", ouId: null };
  }
  if (scope.type === "OU") {
    const ou = await db.ou.findFirst({ where: { id: scope.ouId, organizationId, removedAt: null } });
    if (!ou) throw new AppError("NOT_FOUND", `OU ${scope.ouId} is not in the organization (as of the last sync).`);
    const accounts = await db.account.findMany({
      where: { ...inOrg, ouIdPath: { startsWith: ou.idPath } },
      select,
      orderBy: { id: "asc" },
    });
    return { accounts, label: `OU ${ou.path}`, ouId: ou.id };
  }
  const ids = [...new Set(scope.accountIds)];
  const accounts = await db.account.findMany({
    where: { ...inOrg, id: { in: ids } },
    select: { ...select, name: true },
    orderBy: { id: "asc" },
  });
  const found = new Set(accounts.map((a) => a.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(", ");
    throw new AppError(
      "BAD_REQUEST",
      `Not in the organization (as of the last sync): ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}.`,
    );
  }
  const label = accounts.length === 1 ? `Account ${accounts[0].name} (${accounts[0].id})` : `${accounts.length} accounts`;
  return { accounts, label, ouId: null };
}
