-- Scheduled monthly reports (lib/reports/run-scheduled-report.ts): exports the application makes on
-- its own have no user behind them.
ALTER TABLE "ReportExport" ALTER COLUMN "actorUserId" DROP NOT NULL;

-- One format of one month's scheduled report: claimed by one worker at a time (claimToken, leaseUntil),
-- written once to its destination and recorded once as report.exported (exportId).
CREATE TABLE "ScheduledReportRun" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "asOf" TIMESTAMPTZ(3) NOT NULL,
    "destination" TEXT NOT NULL,
    "objectName" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimToken" UUID,
    "leaseUntil" TIMESTAMPTZ(3),
    "exportId" UUID,
    "auditEventId" TEXT,
    "generatedAt" TIMESTAMPTZ(3),
    "rowCount" INTEGER,
    "sha256" TEXT,
    "bytes" INTEGER,
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ScheduledReportRun_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ScheduledReportRun_organizationId_period_format_key" ON "ScheduledReportRun"("organizationId", "period", "format");
CREATE INDEX "ScheduledReportRun_organizationId_startedAt_idx" ON "ScheduledReportRun"("organizationId", "startedAt" DESC);
