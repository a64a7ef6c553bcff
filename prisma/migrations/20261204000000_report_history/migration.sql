-- What a report as of a time needs and the current rows cannot give once a later sync has run
-- (issue 11: the report for a time reads the same tomorrow and next year).

-- Every reading of the organization's root-access features: each org sync's, and the read-back of
-- an org set-up change (lib/inventory/sync-organization.ts, lib/tasks/org-setup-target.ts). A report
-- as of a time uses the last reading by then (lib/reports/resolve-report-scope.ts).
CREATE TABLE "OrganizationFeatureReading" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "readAt" TIMESTAMPTZ(3) NOT NULL,
    "source" TEXT NOT NULL,
    "trustedAccessIam" BOOLEAN,
    "rootCredentialsManagement" BOOLEAN,
    "rootSessions" BOOLEAN,
    "delegatedAdminAccountId" TEXT,

    CONSTRAINT "OrganizationFeatureReading_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "OrganizationFeatureReading_organizationId_readAt_idx" ON "OrganizationFeatureReading"("organizationId", "readAt" DESC);

-- What is known today: the last reading, at the time it was taken.
INSERT INTO "OrganizationFeatureReading" ("id", "organizationId", "readAt", "source", "trustedAccessIam",
                                          "rootCredentialsManagement", "rootSessions", "delegatedAdminAccountId")
SELECT gen_random_uuid(), o."id", o."featuresCheckedAt", 'migration', o."trustedAccessIam", o."rootCredentialsManagement",
       o."rootSessions", o."delegatedAdminAccountId"
FROM "Organization" o
WHERE o."featuresCheckedAt" IS NOT NULL;

-- AccountPlacement also keeps what the report shows of the account and what decides whether it can
-- be audited (name, email, state, management account): the sync closes a row when any of them
-- changes, as it does on a move. Rows already there get the account's current values: that is
-- what every report made before this migration showed, so those reports still read the same.
ALTER TABLE "AccountPlacement" ADD COLUMN "name" TEXT;
ALTER TABLE "AccountPlacement" ADD COLUMN "email" TEXT;
ALTER TABLE "AccountPlacement" ADD COLUMN "state" TEXT;
ALTER TABLE "AccountPlacement" ADD COLUMN "isManagement" BOOLEAN NOT NULL DEFAULT false;
UPDATE "AccountPlacement" p SET "name" = a."name", "email" = a."email", "state" = a."state", "isManagement" = a."isManagement"
FROM "Account" a WHERE a."id" = p."accountId";
-- A row without its account (none is written so) is never read: a report starts from "Account".
UPDATE "AccountPlacement" SET "name" = '', "email" = '', "state" = '' WHERE "name" IS NULL;
ALTER TABLE "AccountPlacement" ALTER COLUMN "name" SET NOT NULL;
ALTER TABLE "AccountPlacement" ALTER COLUMN "email" SET NOT NULL;
ALTER TABLE "AccountPlacement" ALTER COLUMN "state" SET NOT NULL;
