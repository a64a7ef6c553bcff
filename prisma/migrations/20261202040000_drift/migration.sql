-- Drift alerts (issue 12): what changed between an account's (or the organization's) last two
-- readings, recorded by the scan or sync that noticed it.
CREATE TABLE "DriftEvent" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT,
    "kind" TEXT NOT NULL,
    "changes" JSONB NOT NULL,
    "scanId" UUID,
    "detectedAt" TIMESTAMPTZ(3) NOT NULL,
    "notifiedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DriftEvent_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "DriftEvent_organizationId_detectedAt_idx" ON "DriftEvent"("organizationId", "detectedAt" DESC);
CREATE INDEX "DriftEvent_scanId_idx" ON "DriftEvent"("scanId");

-- When the organization and each account were first stored by a sync (both from the sync's own
-- clock): an account first stored after its organization's first sync joined after the initial
-- inventory. Rows stored before this migration all count as the initial inventory.
ALTER TABLE "Organization" ADD COLUMN "firstSyncedAt" TIMESTAMPTZ(3);
UPDATE "Organization" SET "firstSyncedAt" = COALESCE("lastSyncedAt", "createdAt");
ALTER TABLE "Account" ADD COLUMN "firstSyncedAt" TIMESTAMPTZ(3);
UPDATE "Account" a SET "firstSyncedAt" = o."firstSyncedAt" FROM "Organization" o WHERE o."id" = a."organizationId";

-- Set by the first results chunk of a scan that sent a drift notification (later drifts wait for the close).
ALTER TABLE "Scan" ADD COLUMN "driftNotifiedAt" TIMESTAMPTZ(3);
