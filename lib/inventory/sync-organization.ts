// Org sync: walks AWS Organizations and stores the organization (with its root-access features),
// every OU (parent, full path) and every account. Accounts that left are marked, never deleted; where
// each account sat in the OU tree and what it was (name, email, state), and when, is kept as
// AccountPlacement rows, and each reading of the features as an OrganizationFeatureReading.
import { appendAuditEvent } from "@/lib/audit/append";
import { SYSTEM, assertPermission, type TCaller } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { getAwsContext, type TAwsContext } from "@/lib/aws/context";
import { readOrgFeatures, type TOrgFeatures } from "@/lib/aws/read-org-features";
import { walkOrganization, type TOrgWalk } from "@/lib/aws/walk-organization";
import { BECAME_SCANNABLE_REASON, notScannableReason } from "./compliance";
import { detectFeatureDrift } from "./detect-drift";
import { recordDrift } from "./record-drift";

export type TSyncResult = {
  organizationId: string;
  ous: number;
  accounts: number;
  leftOrg: number;
  problems: string[];
  /** A feature turned off since the last sync: drift recorded and notified (ask for a delivery). */
  notified: boolean;
};

export type TSyncOrganizationOptions = {
  /** A user with org.setup (the org set-up screen), or SYSTEM (the schedule, the demo); a missing one is refused. */
  actor: TCaller | null;
  db?: PrismaClient;
  aws?: TAwsContext;
  now?: Date;
};

export async function syncOrganization(options: TSyncOrganizationOptions): Promise<TSyncResult> {
  // Before any AWS call: the check must not cost an Organizations walk.
  if (options.actor !== SYSTEM) assertPermission(options.actor, "org.setup");
  const db = options.db ?? defaultDb;
  const aws = options.aws ?? getAwsContext();
  const walk = await walkOrganization(aws);
  const features = await readOrgFeatures(aws);
  return storeOrganization({ actor: options.actor, db, walk, features, now: options.now ?? new Date() });
}

const CHUNK = 2000;

/** Writes one walk in bulk (a few statements per 2,000 rows, not one per row). */
export async function storeOrganization(options: {
  actor: TCaller | null;
  db: PrismaClient;
  walk: TOrgWalk;
  features: TOrgFeatures;
  now: Date;
}): Promise<TSyncResult> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "org.setup");
  const { db, walk, features, now } = options;
  const actor = options.actor!;
  const org = walk.organization;
  const orgFields = {
    arn: org.arn,
    featureSet: org.featureSet,
    managementAccountId: org.managementAccountId,
    trustedAccessIam: features.trustedAccessIam,
    rootCredentialsManagement: features.rootCredentialsManagement,
    rootSessions: features.rootSessions,
    delegatedAdminAccountId: features.delegatedAdminAccountId,
    featuresCheckedAt: now,
    lastSyncedAt: now,
  };
  const ouById = new Map(walk.ous.map((o) => [o.id, o]));
  // Parents first, so a reader never sees a child whose parent row is missing.
  const ous = [...walk.ous].sort((a, b) => a.depth - b.depth);

  const { left: leftOrg, drifted } = await db.$transaction(
    async (tx) => {
      const previous = await lockFeatures(tx, org.id);
      await tx.organization.upsert({ where: { id: org.id }, create: { id: org.id, ...orgFields, firstSyncedAt: now }, update: orgFields });
      // The history reports as of a time read (Organization keeps only the latest).
      await recordFeatureReading(tx, { organizationId: org.id, source: "org-sync", features, now });
      const featureDrifted = await recordFeatureDrift(tx, { organizationId: org.id, scanId: null, previous, features, now });

      for (let i = 0; i < ous.length; i += CHUNK) {
        const c = ous.slice(i, i + CHUNK);
        await tx.$executeRaw`
          INSERT INTO "Ou" ("id", "organizationId", "parentId", "name", "arn", "isRoot", "path", "idPath", "depth", "removedAt", "syncedAt")
          SELECT t.id, ${org.id}, t.parent, t.name, t.arn, t.is_root, t.path, t.id_path, t.depth, NULL, ${now}::timestamptz
          FROM unnest(${c.map((o) => o.id)}::text[], ${c.map((o) => o.parentId)}::text[], ${c.map((o) => o.name)}::text[],
                      ${c.map((o) => o.arn)}::text[], ${c.map((o) => o.isRoot)}::boolean[], ${c.map((o) => o.path)}::text[],
                      ${c.map((o) => o.idPath)}::text[], ${c.map((o) => o.depth)}::int[])
               AS t(id, parent, name, arn, is_root, path, id_path, depth)
          ON CONFLICT ("id") DO UPDATE SET
            "organizationId" = EXCLUDED."organizationId", "parentId" = EXCLUDED."parentId", "name" = EXCLUDED."name",
            "arn" = EXCLUDED."arn", "isRoot" = EXCLUDED."isRoot", "path" = EXCLUDED."path", "idPath" = EXCLUDED."idPath",
            "depth" = EXCLUDED."depth", "removedAt" = NULL, "syncedAt" = EXCLUDED."syncedAt"`;
      }
      await tx.$executeRaw`
        UPDATE "Ou" SET "removedAt" = ${now}::timestamptz
        WHERE "organizationId" = ${org.id} AND "removedAt" IS NULL AND "syncedAt" < ${now}::timestamptz`;

      for (let i = 0; i < walk.accounts.length; i += CHUNK) {
        const c = walk.accounts.slice(i, i + CHUNK);
        const rows = c.map((a) => {
          const isManagement = a.id === org.managementAccountId;
          return { ...a, isManagement, reason: notScannableReason({ state: a.state, isManagement }) };
        });
        await tx.$executeRaw`
          INSERT INTO "Account" ("id", "organizationId", "ouId", "ouIdPath", "name", "email", "arn", "state", "joinedMethod",
                                 "joinedAt", "isManagement", "leftOrgAt", "syncedAt", "firstSyncedAt", "status", "statusReason", "failingRules")
          SELECT t.id, ${org.id}, t.ou_id, t.ou_id_path, t.name, t.email, t.arn, t.state, t.joined_method, t.joined_at,
                 t.is_management, NULL, ${now}::timestamptz, ${now}::timestamptz,
                 CASE WHEN t.reason IS NULL THEN 'UNKNOWN' ELSE 'NOT_APPLICABLE' END, t.reason, '{}'
          FROM unnest(${rows.map((a) => a.id)}::text[], ${rows.map((a) => a.parentId)}::text[],
                      ${rows.map((a) => ouById.get(a.parentId)?.idPath ?? null)}::text[], ${rows.map((a) => a.name)}::text[],
                      ${rows.map((a) => a.email)}::text[], ${rows.map((a) => a.arn)}::text[], ${rows.map((a) => a.state)}::text[],
                      ${rows.map((a) => a.joinedMethod)}::text[], ${rows.map((a) => a.joinedAt?.toISOString() ?? null)}::timestamptz[],
                      ${rows.map((a) => a.isManagement)}::boolean[], ${rows.map((a) => a.reason)}::text[])
               AS t(id, ou_id, ou_id_path, name, email, arn, state, joined_method, joined_at, is_management, reason)
          ON CONFLICT ("id") DO UPDATE SET
            "organizationId" = EXCLUDED."organizationId", "ouId" = EXCLUDED."ouId", "ouIdPath" = EXCLUDED."ouIdPath",
            "name" = EXCLUDED."name", "email" = EXCLUDED."email", "arn" = EXCLUDED."arn", "state" = EXCLUDED."state",
            "joinedMethod" = EXCLUDED."joinedMethod", "joinedAt" = EXCLUDED."joinedAt", "isManagement" = EXCLUDED."isManagement",
            "leftOrgAt" = NULL, "syncedAt" = EXCLUDED."syncedAt",
            -- Not scannable now: say why. Scannable again after being not scannable: unknown until scanned.
            -- Otherwise the status derived from the latest snapshot stays.
            "status" = CASE WHEN EXCLUDED."statusReason" IS NOT NULL THEN 'NOT_APPLICABLE'
                            WHEN "Account"."status" = 'NOT_APPLICABLE' THEN 'UNKNOWN' ELSE "Account"."status" END,
            "statusReason" = CASE WHEN EXCLUDED."statusReason" IS NOT NULL THEN EXCLUDED."statusReason"
                                  WHEN "Account"."status" = 'NOT_APPLICABLE' THEN ${BECAME_SCANNABLE_REASON}
                                  ELSE "Account"."statusReason" END,
            "failingRules" = CASE WHEN EXCLUDED."statusReason" IS NOT NULL OR "Account"."status" = 'NOT_APPLICABLE'
                                  THEN '{}' ELSE "Account"."failingRules" END`;
      }
      const left = await tx.$executeRaw`
        UPDATE "Account" SET "leftOrgAt" = ${now}::timestamptz
        WHERE "organizationId" = ${org.id} AND "leftOrgAt" IS NULL AND "syncedAt" < ${now}::timestamptz`;
      await recordPlacements(tx, org.id, now);
      await appendAuditEvent(tx, {
        type: "org.synced",
        actor,
        organizationId: org.id,
        target: { type: "ORG", id: org.id },
        payload: { ous: walk.ous.length, accounts: walk.accounts.length, leftOrg: left, problems: features.problems },
        time: now,
      });
      return { left, drifted: featureDrifted };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );

  return { organizationId: org.id, ous: walk.ous.length, accounts: walk.accounts.length, leftOrg, problems: features.problems, notified: drifted };
}

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * A manual full scan's look at the organization's features (scheduled scans sync right before they
 * start, manual ones do not): the same read and the same drift rule as a sync, without the walk.
 * Stores what it read on the Organization row (what AWS answered; unanswered values stay) and records
 * a feature that was on at the last reading and is off now as drift of this scan, notified.
 * `notified`: ask for a delivery.
 */
export async function checkOrgFeatures(options: {
  actor: TCaller | null;
  db: PrismaClient;
  aws: TAwsContext;
  organizationId: string;
  scanId: string | null;
  now: Date;
  signal?: AbortSignal;
}): Promise<{ features: TOrgFeatures; notified: boolean }> {
  if (options.actor !== SYSTEM) assertPermission(options.actor, "org.setup");
  const { db, organizationId, now } = options;
  const features = await readOrgFeatures(options.aws, { signal: options.signal });
  const notified = await db.$transaction(async (tx) => {
    const previous = await lockFeatures(tx, organizationId);
    if (!previous) return false;
    // A value AWS did not answer keeps the last one read: a scan's extra look must not turn a known
    // state into unknown (and so hide a later "off" from the drift rule). A sync stores what it read.
    const complete = features.problems.length === 0;
    await tx.organization.update({
      where: { id: organizationId },
      data: {
        trustedAccessIam: features.trustedAccessIam ?? undefined,
        rootCredentialsManagement: features.rootCredentialsManagement ?? undefined,
        rootSessions: features.rootSessions ?? undefined,
        ...(complete ? { delegatedAdminAccountId: features.delegatedAdminAccountId, featuresCheckedAt: now } : {}),
      },
    });
    // A complete reading is one reports as of a time can use, like a sync's.
    if (complete) await recordFeatureReading(tx, { organizationId, source: "scan", features, now });
    return recordFeatureDrift(tx, { organizationId, scanId: options.scanId, previous, features, now });
  });
  return { features, notified };
}

/** One row of OrganizationFeatureReading: what AWS answered at `now` (source: org-sync, scan, org-setup). */
async function recordFeatureReading(tx: TTx, o: { organizationId: string; source: "org-sync" | "scan"; features: TOrgFeatures; now: Date }): Promise<void> {
  await tx.organizationFeatureReading.create({
    data: {
      organizationId: o.organizationId,
      readAt: o.now,
      source: o.source,
      trustedAccessIam: o.features.trustedAccessIam,
      rootCredentialsManagement: o.features.rootCredentialsManagement,
      rootSessions: o.features.rootSessions,
      delegatedAdminAccountId: o.features.delegatedAdminAccountId,
    },
  });
}

type TStoredFeatures = { trustedAccessIam: boolean | null; rootCredentialsManagement: boolean | null; rootSessions: boolean | null };

/** The features as last stored, with the row locked: a sync and a scan's check in parallel compare one after the other. */
async function lockFeatures(tx: TTx, organizationId: string): Promise<TStoredFeatures | null> {
  const rows = await tx.$queryRaw<TStoredFeatures[]>`
    SELECT "trustedAccessIam", "rootCredentialsManagement", "rootSessions" FROM "Organization" WHERE "id" = ${organizationId} FOR UPDATE`;
  return rows[0] ?? null;
}

/** A feature read as on before and off now: one DriftEvent, its audit event and its notification. */
async function recordFeatureDrift(
  tx: TTx,
  o: { organizationId: string; scanId: string | null; previous: TStoredFeatures | null; features: TOrgFeatures; now: Date },
): Promise<boolean> {
  const drift = detectFeatureDrift(o.previous, o.features);
  if (!drift) return false;
  await recordDrift(tx, { organizationId: o.organizationId, scanId: o.scanId, drifts: [drift], detectedAt: o.now, notify: true });
  return true;
}

/**
 * Keeps AccountPlacement, the history reports as of a time read: an account's open row closes when
 * this sync sees it elsewhere (another OU, or its OU under another path), otherwise (another name,
 * email, state, or management account) or gone, and a member without an open row gets one from now.
 * Two set-based statements, after the accounts are stored.
 */
async function recordPlacements(tx: TTx, organizationId: string, now: Date): Promise<void> {
  // Syncs of one organization at once would both open rows for the same accounts.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('rootwarden.placements'), hashtext(${organizationId}))`;
  await tx.$executeRaw`
    UPDATE "AccountPlacement" p SET "validTo" = ${now}::timestamptz
    FROM "Account" a LEFT JOIN "Ou" o ON o."id" = a."ouId"
    WHERE a."id" = p."accountId" AND p."validTo" IS NULL
      AND (p."organizationId" = ${organizationId} OR a."organizationId" = ${organizationId})
      AND (a."organizationId" <> p."organizationId" OR a."leftOrgAt" IS NOT NULL OR p."ouId" IS DISTINCT FROM a."ouId"
           OR p."ouIdPath" IS DISTINCT FROM a."ouIdPath" OR p."ouPath" IS DISTINCT FROM o."path"
           OR p."name" <> a."name" OR p."email" <> a."email" OR p."state" <> a."state" OR p."isManagement" <> a."isManagement")`;
  await tx.$executeRaw`
    INSERT INTO "AccountPlacement" ("id", "organizationId", "accountId", "ouId", "ouIdPath", "ouPath", "name", "email", "state",
                                    "isManagement", "validFrom")
    SELECT gen_random_uuid(), a."organizationId", a."id", a."ouId", a."ouIdPath", o."path", a."name", a."email", a."state",
           a."isManagement", ${now}::timestamptz
    FROM "Account" a LEFT JOIN "Ou" o ON o."id" = a."ouId"
    WHERE a."organizationId" = ${organizationId} AND a."leftOrgAt" IS NULL
      AND NOT EXISTS (SELECT 1 FROM "AccountPlacement" p WHERE p."accountId" = a."id" AND p."validTo" IS NULL)`;
}
