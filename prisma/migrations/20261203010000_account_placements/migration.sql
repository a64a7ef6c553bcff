-- Where each account sat in the OU tree while it was a member (lib/inventory/sync-organization.ts
-- keeps it; reports as of a time read it, lib/reports/report-rows-sql.ts). A row holds from the sync
-- that first saw the account there (in that OU, under that path) to the sync that saw it elsewhere or
-- gone; a rejoined account gets a new row, so the time between is not membership.
CREATE TABLE "AccountPlacement" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "ouId" TEXT,
    "ouIdPath" TEXT,
    "ouPath" TEXT,
    "validFrom" TIMESTAMPTZ(3) NOT NULL,
    "validTo" TIMESTAMPTZ(3),

    CONSTRAINT "AccountPlacement_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "AccountPlacement_accountId_validFrom_idx" ON "AccountPlacement"("accountId", "validFrom" DESC);
CREATE INDEX "AccountPlacement_organizationId_validTo_idx" ON "AccountPlacement"("organizationId", "validTo");

-- What is known today: each account where the last sync saw it (until it left, for those that did).
-- Nothing earlier was kept; a report as of a time before these rows uses them as the earliest known.
INSERT INTO "AccountPlacement" ("id", "organizationId", "accountId", "ouId", "ouIdPath", "ouPath", "validFrom", "validTo")
SELECT gen_random_uuid(), a."organizationId", a."id", a."ouId", a."ouIdPath", o."path",
       a."syncedAt", a."leftOrgAt"
FROM "Account" a
LEFT JOIN "Ou" o ON o."id" = a."ouId";
