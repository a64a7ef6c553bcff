// The account table's query: filters (effective status, failing rule, OU subtree, text), sort and
// server-side pagination over Postgres. Also the read side's shared status/staleness SQL helpers.
import { z } from "zod";
import { zIntString } from "@/lib/validation";
import { SYSTEM, assertPermission, type TActor, type TCaller } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { Prisma, type PrismaClient } from "@/lib/db/generated/client";
import { queryRows } from "@/lib/db/sql-pool";
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
    // Postgres cannot compare text with NUL in it; other control characters match nothing anyway.
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: "search text must not contain control characters" })
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
  sort: z
    .enum(ACCOUNT_SORTS, { message: `must be one of ${ACCOUNT_SORTS.join(", ")}` })
    .optional()
    .default("name"),
  dir: z.enum(["asc", "desc"], { message: "must be asc or desc" }).optional().default("asc"),
  page: zIntString(1, 1, 100_000),
  pageSize: zIntString(50, 1, 200),
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
  const query = ZListAccountsQuery.parse(normalizeQueryInput(options.query));
  const freshnessHours = options.freshnessHours ?? getConfig().COMPLIANCE_FRESHNESS_HOURS;
  const cutoff = freshnessCutoff(options.now ?? new Date(), freshnessHours);
  // Everything happens in one statement (each round trip through Prisma costs ~1 ms of CPU, and
  // this runs on every keystroke and page).
  const where = [...accountFilterConditions(query, cutoff), Prisma.sql`a."leftOrgAt" IS NULL`];
  const withSql = Prisma.sql`WITH ${listQueryCtes(query, options.organizationId)}`;
  const whereSql = Prisma.join(where, " AND ");
  const offset = (query.page - 1) * query.pageSize;
  const dir = Prisma.raw(query.dir === "desc" ? "DESC" : "ASC");

  // One statement: filter, count (window), sort and cut the page; only then join the OU path and
  // the snapshot, so their columns are read for one page of rows. An empty page still yields one
  // row (all page columns null) carrying what the caller needs then: whether the OU exists, and the
  // total for a page past the end (which has no row to carry it). Postgres runs those subqueries
  // only for an empty page.
  const ouFoundSql = query.ouId
    ? Prisma.sql`EXISTS (SELECT 1 FROM "Ou" f WHERE f."id" = ${query.ouId}${
        options.organizationId ? Prisma.sql` AND f."organizationId" = ${options.organizationId}` : Prisma.empty
      })`
    : Prisma.sql`true`;
  const pastEndTotalSql = offset > 0 ? Prisma.sql`(SELECT count(*)::int FROM "Account" a WHERE ${whereSql})` : Prisma.sql`0`;
  const rows = await queryRows<TRawRow & { emptyPageOuFound: boolean | null; emptyPageTotal: number | null }>(Prisma.sql`
    ${withSql}, page AS (
      SELECT p.*, o."path" AS "ouPath", s."passwordPresent",
             ${jsonArrayLengthSql(Prisma.sql`s."accessKeys"`)} AS "accessKeyCount",
             ${jsonArrayLengthSql(Prisma.sql`s."signingCertificates"`)} AS "certificateCount",
             ${jsonArrayLengthSql(Prisma.sql`s."mfaDevices"`)} AS "mfaCount"
      FROM (
        SELECT a."id", a."name", a."email", a."state", a."isManagement", a."ouId", a."status",
               a."failingRules", a."lastScannedAt", a."latestSnapshotId",
               ${effectiveStatusSql(cutoff)} AS "effectiveStatus",
               ${sortKeySql(query.sort, cutoff)} AS "sortKey",
               (count(*) OVER ())::int AS "total"
        FROM "Account" a
        ${query.sort === "ou" ? Prisma.sql`LEFT JOIN "Ou" so ON so."id" = a."ouId"` : Prisma.empty}
        WHERE ${whereSql}
        ORDER BY "sortKey" ${dir} NULLS LAST, a."name" COLLATE "natural_order" ASC, a."id" ASC
        LIMIT ${query.pageSize} OFFSET ${offset}
      ) p
      LEFT JOIN "Ou" o ON o."id" = p."ouId"
      LEFT JOIN "CredentialSnapshot" s ON s."id" = p."latestSnapshotId"
    )
    SELECT page.*,
           CASE WHEN page."id" IS NULL THEN ${ouFoundSql} END AS "emptyPageOuFound",
           CASE WHEN page."id" IS NULL THEN ${pastEndTotalSql} END AS "emptyPageTotal"
    FROM (SELECT 1) AS one
    LEFT JOIN page ON true
    ORDER BY page."sortKey" ${dir} NULLS LAST, page."name" COLLATE "natural_order" ASC, page."id" ASC`, options.db);
  const items = rows.filter((r) => r.id !== null);
  if (items.length === 0 && rows[0]?.emptyPageOuFound === false) {
    throw new AppError("NOT_FOUND", `OU ${query.ouId} is not in the inventory; run an org sync or pick another OU.`);
  }
  const total = items[0]?.total ?? rows[0]?.emptyPageTotal ?? 0;
  return {
    items: items.map(toAccountRow),
    total,
    page: query.page,
    pageSize: query.pageSize,
    pageCount: Math.ceil(total / query.pageSize),
    query,
    freshnessHours,
  };
}

// ---------- shared read-side helpers ----------

/**
 * The CTEs the filters read: `org` (the organization shown) and `subtree` (the OU filter's OU
 * paths). Shared with lib/reports so an export holds exactly the rows the Accounts page shows.
 */
export function listQueryCtes(query: Pick<TListAccountsQuery, "ouId">, organizationId?: string): Prisma.Sql {
  return Prisma.sql`org AS (${
    organizationId
      ? Prisma.sql`SELECT ${organizationId}::text AS "id"`
      : Prisma.sql`SELECT "id" FROM "Organization" ORDER BY "lastSyncedAt" DESC NULLS LAST, "createdAt" DESC LIMIT 1`
  }), subtree AS (
    SELECT array_agg(d."idPath") AS paths FROM "Ou" t
    JOIN "Ou" d ON d."organizationId" = t."organizationId" AND starts_with(d."idPath", t."idPath")
    WHERE t."id" = ${query.ouId ?? ""} AND t."organizationId" = (SELECT "id" FROM org)
  )`;
}

/**
 * The Accounts page's filters (organization, OU subtree, effective status, failing rule, text) as
 * conditions on a relation `a` with Account's columns (organizationId, ouIdPath, status,
 * failingRules, lastScannedAt, name, email, id), next to the CTEs of listQueryCtes. Membership
 * (leftOrgAt) is the caller's: the reports apply it as of another time.
 */
export function accountFilterConditions(
  query: Pick<TListAccountsQuery, "ouId" | "status" | "rule" | "q">,
  cutoff: Date,
  options: {
    /**
     * "tree-now" (the Accounts page): ouIdPath is one of the subtree's OU paths today. "as-placed"
     * (reports as of a time, where ouIdPath is the account's path then): the path runs through the
     * OU, wherever that OU sat then.
     */
    ouSubtree?: "tree-now" | "as-placed";
  } = {},
): Prisma.Sql[] {
  // The subtree is matched as "ouIdPath is one of the subtree's OU paths": equality can use the
  // (organizationId, ouIdPath) index under any collation, where LIKE 'prefix%' cannot. A root id
  // (r-...) means the whole organization.
  const isRoot = query.ouId?.startsWith("r-") ?? false;
  const where: Prisma.Sql[] = [Prisma.sql`a."organizationId" = (SELECT "id" FROM org)`];
  if (query.ouId && isRoot) {
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM "Ou" r WHERE r."id" = ${query.ouId} AND r."organizationId" = (SELECT "id" FROM org))`);
  } else if (query.ouId && options.ouSubtree === "as-placed") {
    where.push(Prisma.sql`strpos('/' || a."ouIdPath", ${`/${query.ouId}/`}) > 0`);
  } else if (query.ouId) {
    where.push(Prisma.sql`a."ouIdPath" = ANY(((SELECT paths FROM subtree))::text[])`);
  }
  if (query.status.length > 0) where.push(statusFilterSql(query.status, cutoff));
  if (query.rule) where.push(Prisma.sql`${query.rule} = ANY(a."failingRules")`);
  if (query.q) {
    const contains = `%${escapeLike(query.q)}%`;
    where.push(
      Prisma.sql`(a."name" ILIKE ${contains} OR a."email" ILIKE ${contains} OR a."id" LIKE ${escapeLike(query.q) + "%"})`,
    );
  }
  return where;
}

/** The organization the dashboard shows: the most recently synced one (one per deployment today). */
export async function resolveOrganizationId(options: { actor: TCaller | null | undefined; db: PrismaClient }): Promise<string | null> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "accounts.read");
  const { db } = options;
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
  total: number;
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

// Names and paths sort naturally (analytics-dev-2 before analytics-dev-10): the "natural_order" ICU
// collation (numeric ordering) from the 20261201120000 migration; ids keep plain byte order.
function sortKeySql(sort: (typeof ACCOUNT_SORTS)[number], cutoff: Date): Prisma.Sql {
  switch (sort) {
    case "name":
      return Prisma.sql`a."name" COLLATE "natural_order"`;
    case "id":
      return Prisma.sql`a."id"`;
    case "email":
      return Prisma.sql`a."email" COLLATE "natural_order"`;
    case "status":
      // Worst first when ascending: the order people triage in.
      return Prisma.sql`array_position(ARRAY['NON_COMPLIANT','ERROR','UNKNOWN','COMPLIANT','NOT_APPLICABLE'], ${effectiveStatusSql(cutoff)})`;
    case "ou":
      return Prisma.sql`so."path" COLLATE "natural_order"`;
    case "lastScannedAt":
      return Prisma.sql`a."lastScannedAt"`;
    case "failing":
      return Prisma.sql`cardinality(a."failingRules")`;
  }
}
