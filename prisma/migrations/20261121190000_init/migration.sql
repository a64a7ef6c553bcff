-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "email" TEXT,
    "name" TEXT,
    "groups" TEXT[],
    "roles" TEXT[],
    "lastLoginAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_subject_key" ON "User"("subject");

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL,
    "arn" TEXT NOT NULL,
    "featureSet" TEXT NOT NULL,
    "managementAccountId" TEXT NOT NULL,
    "trustedAccessIam" BOOLEAN,
    "rootCredentialsManagement" BOOLEAN,
    "rootSessions" BOOLEAN,
    "delegatedAdminAccountId" TEXT,
    "featuresCheckedAt" TIMESTAMPTZ(3),
    "lastSyncedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Ou" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "parentId" TEXT,
    "name" TEXT NOT NULL,
    "arn" TEXT NOT NULL,
    "isRoot" BOOLEAN NOT NULL DEFAULT false,
    "path" TEXT NOT NULL,
    "idPath" TEXT NOT NULL,
    "depth" INTEGER NOT NULL,
    "removedAt" TIMESTAMPTZ(3),
    "syncedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "Ou_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Ou_organizationId_parentId_idx" ON "Ou"("organizationId", "parentId");
CREATE INDEX "Ou_organizationId_idPath_idx" ON "Ou"("organizationId", "idPath");

-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "ouId" TEXT,
    "ouIdPath" TEXT,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "arn" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "joinedMethod" TEXT,
    "joinedAt" TIMESTAMPTZ(3),
    "isManagement" BOOLEAN NOT NULL DEFAULT false,
    "leftOrgAt" TIMESTAMPTZ(3),
    "syncedAt" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'UNKNOWN',
    "failingRules" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "statusReason" TEXT,
    "lastScannedAt" TIMESTAMPTZ(3),
    "latestSnapshotId" UUID,
    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Account_latestSnapshotId_key" ON "Account"("latestSnapshotId");
CREATE INDEX "Account_organizationId_status_idx" ON "Account"("organizationId", "status");
CREATE INDEX "Account_organizationId_ouIdPath_idx" ON "Account"("organizationId", "ouIdPath");
CREATE INDEX "Account_organizationId_name_idx" ON "Account"("organizationId", "name");

-- CreateTable
CREATE TABLE "CredentialSnapshot" (
    "id" UUID NOT NULL,
    "accountId" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "scanId" UUID,
    "takenAt" TIMESTAMPTZ(3) NOT NULL,
    "passwordPresent" BOOLEAN,
    "passwordCreatedAt" TIMESTAMPTZ(3),
    "accessKeys" JSONB,
    "signingCertificates" JSONB,
    "mfaDevices" JSONB,
    "summary" JSONB,
    "status" TEXT NOT NULL,
    "failingRules" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "errorCode" TEXT,
    "errorMessage" TEXT,
    CONSTRAINT "CredentialSnapshot_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "CredentialSnapshot_accountId_takenAt_idx" ON "CredentialSnapshot"("accountId", "takenAt" DESC);
CREATE INDEX "CredentialSnapshot_organizationId_takenAt_idx" ON "CredentialSnapshot"("organizationId", "takenAt");

-- CreateTable
CREATE TABLE "Scan" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeOuId" TEXT,
    "scopeLabel" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "requestedById" UUID,
    "status" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    CONSTRAINT "Scan_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Scan_organizationId_createdAt_idx" ON "Scan"("organizationId", "createdAt" DESC);
CREATE INDEX "Scan_status_idx" ON "Scan"("status");

-- CreateTable
CREATE TABLE "ScanAccount" (
    "scanId" UUID NOT NULL,
    "accountId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "snapshotId" UUID,
    "finishedAt" TIMESTAMPTZ(3),
    CONSTRAINT "ScanAccount_pkey" PRIMARY KEY ("scanId","accountId")
);
CREATE INDEX "ScanAccount_scanId_status_idx" ON "ScanAccount"("scanId", "status");

-- AddForeignKey
ALTER TABLE "Ou" ADD CONSTRAINT "Ou_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Ou" ADD CONSTRAINT "Ou_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Ou"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Account" ADD CONSTRAINT "Account_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Account" ADD CONSTRAINT "Account_ouId_fkey" FOREIGN KEY ("ouId") REFERENCES "Ou"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Account" ADD CONSTRAINT "Account_latestSnapshotId_fkey" FOREIGN KEY ("latestSnapshotId") REFERENCES "CredentialSnapshot"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "CredentialSnapshot" ADD CONSTRAINT "CredentialSnapshot_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Scan" ADD CONSTRAINT "Scan_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ScanAccount" ADD CONSTRAINT "ScanAccount_scanId_fkey" FOREIGN KEY ("scanId") REFERENCES "Scan"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ScanAccount" ADD CONSTRAINT "ScanAccount_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
