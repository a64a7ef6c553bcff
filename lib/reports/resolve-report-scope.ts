// Checks an export request before any row is read: permission, organization, OU, as-of time. Every
// refusal is an AppError a person can act on (400/403/404), never a failure half-way through a stream.
import { SYSTEM, assertPermission, type TActor, type TCaller } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import type { TOrgFeatures } from "@/lib/inventory/compliance";
import { ZReportQuery, type TReportQuery } from "./report-query";

/**
 * The organization with its features as of the report's time: the last OrganizationFeatureReading by
 * then (featuresReadAt its time), or every feature null and featuresReadAt null when none was taken by then.
 */
export type TReportOrganization = TOrgFeatures & { id: string; managementAccountId: string; featuresReadAt: Date | null };

export type TReportScope = {
  /** SYSTEM only for the scheduled report (the worker); people need reports.export. */
  actor: TCaller;
  query: TReportQuery;
  organization: TReportOrganization;
  asOf: Date;
  freshnessHours: number;
};

export async function resolveReportScope(options: {
  actor: TCaller | null | undefined;
  db: PrismaClient;
  query: unknown;
  now: Date;
  freshnessHours: number;
  /** The organization to report on (a recorded export's, downloaded again); by default the last synced one. */
  organizationId?: string;
}): Promise<TReportScope> {
  const actor: TCaller = options.actor === SYSTEM ? SYSTEM : checkedActor(options.actor);
  const parsed = ZReportQuery.safeParse(options.query);
  if (!parsed.success) {
    const summary = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
    throw new AppError("BAD_REQUEST", `Invalid report request: ${summary}`);
  }
  const query = parsed.data;
  const asOf = query.asOf ?? options.now;
  if (asOf.getTime() > options.now.getTime()) {
    throw new AppError("BAD_REQUEST", `The as-of time ${asOf.toISOString()} is in the future; pick a time up to now.`);
  }
  const org = await options.db.organization.findFirst({
    where: options.organizationId ? { id: options.organizationId } : {},
    orderBy: [{ lastSyncedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
    select: { id: true, managementAccountId: true },
  });
  if (!org) {
    throw new AppError(
      "NOT_FOUND",
      options.organizationId
        ? `Organization ${options.organizationId} is not in the inventory.`
        : "No organization has been synced yet; an admin runs an org sync first.",
    );
  }
  // The features as read by the as-of time, never the Organization row's latest reading.
  const reading = await options.db.organizationFeatureReading.findFirst({
    where: { organizationId: org.id, readAt: { lte: asOf } },
    orderBy: [{ readAt: "desc" }, { id: "desc" }],
    select: { readAt: true, trustedAccessIam: true, rootCredentialsManagement: true, rootSessions: true },
  });
  const organization: TReportOrganization = {
    ...org,
    trustedAccessIam: reading?.trustedAccessIam ?? null,
    rootCredentialsManagement: reading?.rootCredentialsManagement ?? null,
    rootSessions: reading?.rootSessions ?? null,
    featuresReadAt: reading?.readAt ?? null,
  };
  if (query.ouId) {
    const ou = await options.db.ou.findFirst({ where: { id: query.ouId, organizationId: organization.id }, select: { id: true } });
    if (!ou) throw new AppError("NOT_FOUND", `OU ${query.ouId} is not in the inventory; run an org sync or pick another OU.`);
  }
  return { actor, query, organization, asOf, freshnessHours: options.freshnessHours };
}

function checkedActor(actor: TActor | null | undefined): TActor {
  assertPermission(actor, "reports.export");
  return actor;
}
