// The scans relevant to what a page shows, with their progress: org view = org scans; OU view = org
// scans and scans of that OU or an ancestor; account view = scans that include the account.
import { z } from "zod";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma } from "@/lib/db/client";
import { Prisma, type PrismaClient } from "@/lib/db/generated/client";
import { toScanProgress, type TScanProgress } from "@/lib/inventory/get-scan-progress";
import { resolveOrganizationId, ZAccountId, ZOuId } from "@/lib/inventory/list-accounts";

/** The same shape GET /api/scans/[scanId] returns (getScanProgress), so one component renders both. */
export type TScanView = TScanProgress;

export const ZScanId = z.uuid({ message: "must be a scan id (a UUID)" });

export const ZListScansQuery = z
  .object({
    active: z
      .enum(["1", "0", "true", "false"], { message: "must be 1 or 0" })
      .optional()
      .transform((v) => v === "1" || v === "true"),
    scope: z.enum(["org", "ou", "account"], { message: "must be org, ou or account" }).optional(),
    ouId: ZOuId.optional(),
    accountId: ZAccountId.optional(),
    limit: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === "") return 20;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 100) {
          ctx.addIssue({ code: "custom", message: `must be a whole number from 1 to 100, got "${v}"` });
          return z.NEVER;
        }
        return n;
      }),
  })
  .superRefine((q, ctx) => {
    if (q.scope === "ou" && !q.ouId) ctx.addIssue({ code: "custom", path: ["ouId"], message: "is required when scope=ou" });
    if (q.scope === "account" && !q.accountId) {
      ctx.addIssue({ code: "custom", path: ["accountId"], message: "is required when scope=account" });
    }
  });
export type TListScansQuery = z.output<typeof ZListScansQuery>;

export async function listScans(options: {
  actor: TActor | null | undefined;
  query: TListScansQuery;
  db?: PrismaClient;
  now?: Date;
}): Promise<TScanView[]> {
  assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const { query } = options;
  const organizationId = await resolveOrganizationId({ actor: options.actor, db });
  if (!organizationId) return [];

  const where: Prisma.Sql[] = [Prisma.sql`sc."organizationId" = ${organizationId}`];
  if (query.active) where.push(Prisma.sql`sc."status" IN ('QUEUED', 'RUNNING')`);
  if (query.scope === "org") where.push(Prisma.sql`sc."scopeType" = 'ORG'`);
  if (query.scope === "ou" && query.ouId) {
    // Org scans and scans of this OU or an ancestor cover everything under the selected OU.
    where.push(Prisma.sql`(sc."scopeType" = 'ORG' OR (sc."scopeType" = 'OU' AND EXISTS (
      SELECT 1 FROM "Ou" target JOIN "Ou" scoped ON scoped."id" = sc."scopeOuId"
      WHERE target."id" = ${query.ouId} AND starts_with(target."idPath", scoped."idPath"))))`);
  }
  if (query.scope === "account" && query.accountId) {
    // A queued scan may not have listed its accounts yet, so also match by scope.
    where.push(Prisma.sql`(sc."scopeType" = 'ORG'
      OR EXISTS (SELECT 1 FROM "ScanAccount" sa WHERE sa."scanId" = sc."id" AND sa."accountId" = ${query.accountId})
      OR (sc."scopeType" = 'OU' AND EXISTS (
        SELECT 1 FROM "Account" acc JOIN "Ou" scoped ON scoped."id" = sc."scopeOuId"
        WHERE acc."id" = ${query.accountId} AND starts_with(acc."ouIdPath", scoped."idPath"))))`);
  }
  const rows = await db.$queryRaw<(Parameters<typeof toScanProgress>[0] & { cancelled: number })[]>`
    SELECT sc."id", sc."status", sc."scopeType", sc."scopeOuId", sc."scopeLabel", sc."trigger", sc."total",
           sc."done", sc."failed", sc."skipped", sc."error", sc."createdAt", sc."startedAt", sc."finishedAt",
           (CASE WHEN sc."status" = 'CANCELLED' THEN (SELECT count(*) FROM "ScanAccount" sa
              WHERE sa."scanId" = sc."id" AND sa."status" = 'CANCELLED') ELSE 0 END)::int AS cancelled
    FROM "Scan" sc
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY sc."createdAt" DESC
    LIMIT ${query.limit}`;
  const now = options.now ?? new Date();
  return rows.map(({ cancelled, ...scan }) => toScanProgress(scan, cancelled, now));
}
