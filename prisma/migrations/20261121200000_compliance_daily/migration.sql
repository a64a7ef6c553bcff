-- CreateTable
CREATE TABLE "ComplianceDaily" (
    "organizationId" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "freshnessHours" INTEGER NOT NULL,
    "computedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ComplianceDaily_pkey" PRIMARY KEY ("organizationId","day","status")
);

-- AddForeignKey
ALTER TABLE "ComplianceDaily" ADD CONSTRAINT "ComplianceDaily_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
