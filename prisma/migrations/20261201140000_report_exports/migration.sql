-- Exports made from the Reports page and the API (issue 11): who exported what, as of when, and the
-- SHA-256 of the data, so the Reports page can list them and offer the same export again.
CREATE TABLE "ReportExport" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "actorUserId" UUID NOT NULL,
    "actorLabel" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "filters" JSONB NOT NULL,
    "asOf" TIMESTAMPTZ(3) NOT NULL,
    "freshnessHours" INTEGER NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ReportExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReportExport_organizationId_createdAt_idx" ON "ReportExport"("organizationId", "createdAt" DESC);
