// The account table's query: filters (effective status, failing rule, OU subtree, text), sort and
// server-side pagination over Postgres. Also the read side's shared status/staleness SQL helpers.
import { z } from "zod";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { prisma } from "@/lib/db/client";
import { Prisma, type PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { RULES, isRuleId, staleBefore, type TComplianceStatus } from "@/lib/inventory/compliance";

// Same values and order as COMPLIANCE_STATUSES; a tuple so zod can enumerate it.
export const ACCOUNT_STATUSES = ["COMPLIANT", "NON_COMPLIANT", "UNKNOWN", "ERROR", "NOT_APPLICABLE"] as const satisfies readonly TComplianceStatus[];
export const ZAccountStatus = z.enum(ACCOUNT_STATUSES, {
  message: `must be one of ${ACCOUNT_STATUSES.join(", ")}`,
});
export type TAccountStatus = TComplianceStatus;

export const ACCOUNT_SORTS = ["name", "id", "email", "status", "ou", "lastScannedAt", "failing"] as const;

const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

// AWS ids: the root is r-xxxx, OUs are ou-xxxx-xxxxxxxx (lower-case letters and digits).
export const ZOuId = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$/, {
  message: "must be an OU id like ou-ab12-cd34ef56 or a root id like r-ab12",
});
export const ZAccountId = z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" });

const intParam = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** Search-param shaped input (strings), so URLs, API calls and pages share one parser. */
export const ZListAccountsQuery = z.object({
  status: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parts = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      const bad = parts.filter((p) => !(ACCOUNT_STATUSES as readonly string[]).includes(p));
      if (bad.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `"${bad.join(", ")}" is not a status; use ${ACCOUNT_STATUSES.join(", ")} (comma-separated)`,
        });
        return z.NEVER;
      }
      return [...new Set(parts)] as TAccountStatus[];
    }),
  rule: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || isRuleId(v), {
      message: `must be a rule id: one of ${RULE_IDS.join(", ")}`,
    }),
  ouId: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(ZOuId.optional()),
  q: z
    .string()
    .max(200, { message: "search text must be at most 200 characters" })
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
  sort: z
    .enum(ACCOUNT_SORTS, { message: `must be one of ${ACCOUNT_SORTS.join(", ")}` })
    .optional()
    .default("name"),
  dir: z.enum(["asc", "desc"], { message: "must be asc or desc" }).optional().default("asc"),
  page: intParam(1, 1, 100_000),
  pageSize: intParam(50, 1, 200),
});
export type TListAccountsQuery = z.output<typeof ZListAccountsQuery>;
export type TListAccountsQueryInput = z.input<typeof ZListAccountsQuery>;

type TSearchParamsLike = URLSearchParams | Record<string, string | string[] | undefined>;

/** Flattens URL search params (repeated keys allowed for status) into ZListAccountsQuery's input. */
export function searchParamsToListQueryInput(params: TSearchParamsLike): Record<string, string | undefined> {
  const get = (key: string): string[] => {
    if (params instanceof URLSearchParams) return params.getAll(key);
    const v = params[key];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const out: Record<string, string | undefined> = {};
  for (const key of ["status", "rule", "ouId", "q", "sort", "dir", "page", "pageSize"]) {
    const values = get(key);
    if (values.length === 0) continue;
    // Only status may repeat; for the rest the last value wins, as in most web frameworks.
    out[key] = key === "status" ? values.join(",") : values[values.length - 1];
  }
  return out;
}

export type TAccountRow = {
  id: string;
  name: string;
  email: string;
  state: string;
  isManagement: boolean;
  ouId: string | null;
  ouPath: string | null;
  /** Status after the freshness window is applied (what people should see). */
  status: TAccountStatus;
  /** Status written by the last scan. */
  scannedStatus: string;
  failingRules: string[];
  lastScannedAt: Date | null;
  passwordPresent: boolean | null;
  accessKeyCount: number | null;
  certificateCount: number | null;
  mfaCount: number | null;
};

export type TListAccountsResult = {
  items: TAccountRow[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
  query: TListAccountsQuery;
  freshnessHours: number;
};

type TReadOptions = { db?: PrismaClient; now?: Date; freshnessHours?: number; organizationId?: string };

export async function listAccounts(
  options: { actor: TActor | null | undefined; query: TListAccountsQueryInput | TListAccountsQuery } & TReadOptions,
): Promise<TListAccountsResult> {
  assertPermission(options.actor, "accounts.read");
  const db = options.db ?? prisma;
  const query = ZListAccountsQuery.parse(normalizeQueryInput(options.query));
  const freshnessHours = options.freshnessHours ?? getConfig().COMPLIANCE_FRESHNESS_HOURS;
  const cutoff = freshnessCutoff(options.now ?? new Date(), freshnessHours);
  const organizationId = options.organizationId ?? (await resolveOrganizationId(db));
  const empty = { items: [], total: 0, page: query.page, pageSize: query.pageSize, pageCount: 0, query, freshnessHours };
  if (!organizationId) return empty;

  const where: Prisma.Sql[] = [Prisma.sql`a."organizationId" = ${organizationId}`, Prisma.sql`a."leftOrgAt" IS NULL`];
  if (query.status.length > 0) where.push(statusFilterSql(query.status, cutoff));
  if (query.rule) where.push(Prisma.sql`${query.rule} = ANY(a."failingRules")`);
  if (query.ouId) {
    const ou = await db.ou.findFirst({ where: { id: query.ouId, organizationId }, select: { idPath: true } });
    if (!ou) throw new AppError("NOT_FOUND", `OU ${query.ouId} is not in the inventory; run an org sync or pick another OU.`);
    where.push(Prisma.sql`a."ouIdPath" LIKE ${escapeLike(ou.idPath) + "%"}`);
  }
  if (query.q) {
    const contains = `%${escapeLike(query.q)}%`;
    where.push(
      Prisma.sql`(a."name" ILIKE ${contains} OR a."email" ILIKE ${contains} OR a."id" LIKE ${escapeLike(query.q) + "%"})`,
    );
  }
  const whereSql = Prisma.join(where, " AND ");
  const offset = (query.page - 1) * query.pageSize;

  // Page first, then join the snapshot: the JSON columns are touched for one page only.
  const [rows, countRows] = await Promise.all([
    db.$queryRaw<TRawRow[]>`
      WITH page AS (
        SELECT a."id", a."name", a."email", a."state", a."isManagement", a."ouId", a."status",
               a."failingRules", a."lastScannedAt", a."latestSnapshotId", o."path" AS "ouPath",
               ${effectiveStatusSql(cutoff)} AS "effectiveStatus"
        FROM "Account" a
        LEFT JOIN "Ou" o ON o."id" = a."ouId"
        WHERE ${whereSql}
        ORDER BY ${orderBySql(query.sort, query.dir, cutoff)}
        LIMIT ${query.pageSize} OFFSET ${offset}
      )
      SELECT p.*, s."passwordPresent",
             ${jsonArrayLengthSql(Prisma.sql`s."accessKeys"`)} AS "accessKeyCount",
             ${jsonArrayLengthSql(Prisma.sql`s."signingCertificates"`)} AS "certificateCount",
             ${jsonArrayLengthSql(Prisma.sql`s."mfaDevices"`)} AS "mfaCount"
      FROM page p
      LEFT JOIN "CredentialSnapshot" s ON s."id" = p."latestSnapshotId"
      ORDER BY ${orderBySql(query.sort, query.dir, cutoff, "p")}`,
    db.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM "Account" a WHERE ${whereSql}`,
  ]);
  const total = countRows[0]?.total ?? 0;
  return {
    items: rows.map(toAccountRow),
    total,
    page: query.page,
    pageSize: query.pageSize,
    pageCount: Math.ceil(total / query.pageSize),
    query,
    freshnessHours,
  };
}

// ---------- shared read-side helpers ----------

/** The organization the dashboard shows: the most recently synced one (one per deployment today). */
export async function resolveOrganizationId(db: PrismaClient): Promise<string | null> {
  const org = await db.organization.findFirst({
    orderBy: [{ lastSyncedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
    select: { id: true },
  });
  return org?.id ?? null;
}

export function freshnessCutoff(now: Date, freshnessHours: number): Date {
  return staleBefore(now, freshnessHours);
}

/**
 * SQL twin of effectiveStatus() in compliance.ts: NOT_APPLICABLE stays; anything never scanned or
 * scanned before the freshness window reads as UNKNOWN (old evidence proves nothing).
 */
export function effectiveStatusSql(cutoff: Date, alias = "a"): Prisma.Sql {
  const t = Prisma.raw(`"${alias}"`);
  return Prisma.sql`(CASE WHEN ${t}."status" = 'NOT_APPLICABLE' THEN 'NOT_APPLICABLE'
    WHEN ${t}."lastScannedAt" IS NULL OR ${t}."lastScannedAt" < ${cutoff} THEN 'UNKNOWN'
    WHEN ${t}."status" IN ('COMPLIANT', 'NON_COMPLIANT', 'ERROR') THEN ${t}."status" ELSE 'UNKNOWN' END)`;
}

/** Status filter with the same meaning as effectiveStatusSql, written so the status index helps. */
export function statusFilterSql(statuses: readonly TAccountStatus[], cutoff: Date): Prisma.Sql {
  const parts = statuses.map((s) => {
    if (s === "NOT_APPLICABLE") return Prisma.sql`a."status" = 'NOT_APPLICABLE'`;
    if (s === "UNKNOWN") {
      return Prisma.sql`(a."status" <> 'NOT_APPLICABLE' AND (a."lastScannedAt" IS NULL OR a."lastScannedAt" < ${cutoff}
        OR a."status" NOT IN ('COMPLIANT', 'NON_COMPLIANT', 'ERROR')))`;
    }
    return Prisma.sql`(a."status" = ${s} AND a."lastScannedAt" >= ${cutoff})`;
  });
  return Prisma.sql`(${Prisma.join(parts, " OR ")})`;
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// ---------- helpers ----------

type TRawRow = {
  id: string;
  name: string;
  email: string;
  state: string;
  isManagement: boolean;
  ouId: string | null;
  ouPath: string | null;
  status: string;
  effectiveStatus: string;
  failingRules: string[] | null;
  lastScannedAt: Date | null;
  passwordPresent: boolean | null;
  accessKeyCount: number | null;
  certificateCount: number | null;
  mfaCount: number | null;
};

function toAccountRow(r: TRawRow): TAccountRow {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    state: r.state,
    isManagement: r.isManagement,
    ouId: r.ouId,
    ouPath: r.ouPath,
    status: toStatus(r.effectiveStatus),
    scannedStatus: r.status,
    failingRules: r.failingRules ?? [],
    lastScannedAt: r.lastScannedAt,
    passwordPresent: r.passwordPresent,
    accessKeyCount: r.accessKeyCount,
    certificateCount: r.certificateCount,
    mfaCount: r.mfaCount,
  };
}

export function toStatus(s: string): TAccountStatus {
  const parsed = ZAccountStatus.safeParse(s);
  return parsed.success ? parsed.data : "UNKNOWN";
}

function normalizeQueryInput(q: TListAccountsQueryInput | TListAccountsQuery): TListAccountsQueryInput {
  // Accept both the parsed form (arrays, numbers) and the search-param form (strings).
  return {
    status: Array.isArray(q.status) ? q.status.join(",") : q.status,
    rule: q.rule,
    ouId: q.ouId,
    q: q.q,
    sort: q.sort,
    dir: q.dir,
    page: q.page === undefined ? undefined : String(q.page),
    pageSize: q.pageSize === undefined ? undefined : String(q.pageSize),
  };
}

function jsonArrayLengthSql(col: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(CASE WHEN jsonb_typeof(${col}) = 'array' THEN jsonb_array_length(${col}) END)::int`;
}

function orderBySql(
  sort: (typeof ACCOUNT_SORTS)[number],
  dir: "asc" | "desc",
  cutoff: Date,
  alias?: "p",
): Prisma.Sql {
  const d = Prisma.raw(dir === "desc" ? "DESC" : "ASC");
  // The outer query re-sorts the page by the columns the CTE exposes.
  const col = (inner: string, outer: string) => Prisma.raw(alias ? `p."${outer}"` : inner);
  const key: Record<(typeof ACCOUNT_SORTS)[number], Prisma.Sql> = {
    name: col(`a."name"`, "name"),
    id: col(`a."id"`, "id"),
    email: col(`a."email"`, "email"),
    // Worst first when ascending: the order people triage in.
    status: Prisma.sql`array_position(ARRAY['NON_COMPLIANT','ERROR','UNKNOWN','COMPLIANT','NOT_APPLICABLE'], ${
      alias ? Prisma.raw(`p."effectiveStatus"`) : effectiveStatusSql(cutoff)
    })`,
    ou: col(`o."path"`, "ouPath"),
    lastScannedAt: col(`a."lastScannedAt"`, "lastScannedAt"),
    failing: alias ? Prisma.raw(`cardinality(p."failingRules")`) : Prisma.raw(`cardinality(a."failingRules")`),
  };
  // Ties by name then id: stable pages, and rows within a status read alphabetically.
  const tie = Prisma.raw(alias ? `p."name" ASC, p."id" ASC` : `a."name" ASC, a."id" ASC`);
  return Prisma.sql`${key[sort]} ${d} NULLS LAST, ${tie}`;
}
