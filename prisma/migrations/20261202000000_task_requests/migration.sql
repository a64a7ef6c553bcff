-- Privileged tasks (issue 10): requests with their frozen per-target plans, approvers' votes,
-- approval rules per task type and OU subtree, and application settings.
CREATE TABLE "TaskRequest" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "organizationId" TEXT NOT NULL,
    "taskType" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeOuId" TEXT,
    "scopeLabel" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "ticket" TEXT,
    "requestedById" UUID NOT NULL,
    "requestedByLabel" TEXT NOT NULL,
    "clientRequestId" TEXT,
    "requiredApprovals" INTEGER NOT NULL,
    "approvalRuleId" UUID,
    "approvals" INTEGER NOT NULL DEFAULT 0,
    "breakGlass" BOOLEAN NOT NULL DEFAULT false,
    "breakGlassReason" TEXT,
    "reviewedById" UUID,
    "reviewedAt" TIMESTAMPTZ(3),
    "retryOfId" UUID,
    "targetCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "approvedAt" TIMESTAMPTZ(3),
    "startBy" TIMESTAMPTZ(3),
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "closedById" UUID,
    "statusReason" TEXT,

    CONSTRAINT "TaskRequest_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "TaskTarget" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "accountId" TEXT NOT NULL,
    "accountName" TEXT NOT NULL,
    "resourceType" TEXT,
    "resourceName" TEXT,
    "preview" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "claimToken" TEXT,
    "claimedUntil" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "evidence" JSONB,
    "errorCode" TEXT,
    "message" TEXT,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TaskTarget_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "TaskVote" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "voterId" UUID NOT NULL,
    "voterLabel" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT,
    "authTime" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TaskVote_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ApprovalRule" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "taskType" TEXT NOT NULL,
    "ouId" TEXT,
    "approvalsRequired" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ApprovalRule_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "AppSetting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedById" UUID,

    CONSTRAINT "AppSetting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "TaskRequest_number_key" ON "TaskRequest"("number");
CREATE UNIQUE INDEX "TaskRequest_requestedById_clientRequestId_key" ON "TaskRequest"("requestedById", "clientRequestId");
CREATE INDEX "TaskRequest_organizationId_status_createdAt_idx" ON "TaskRequest"("organizationId", "status", "createdAt" DESC);
CREATE INDEX "TaskRequest_organizationId_createdAt_idx" ON "TaskRequest"("organizationId", "createdAt" DESC);
CREATE INDEX "TaskRequest_requestedById_createdAt_idx" ON "TaskRequest"("requestedById", "createdAt" DESC);
CREATE UNIQUE INDEX "TaskTarget_requestId_accountId_resourceName_key" ON "TaskTarget"("requestId", "accountId", "resourceName") NULLS NOT DISTINCT;
CREATE INDEX "TaskTarget_requestId_status_idx" ON "TaskTarget"("requestId", "status");
CREATE INDEX "TaskTarget_accountId_idx" ON "TaskTarget"("accountId");
CREATE UNIQUE INDEX "TaskVote_requestId_voterId_key" ON "TaskVote"("requestId", "voterId");
CREATE UNIQUE INDEX "ApprovalRule_organizationId_taskType_ouId_key" ON "ApprovalRule"("organizationId", "taskType", "ouId") NULLS NOT DISTINCT;

-- AddForeignKey
ALTER TABLE "TaskTarget" ADD CONSTRAINT "TaskTarget_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "TaskRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "TaskVote" ADD CONSTRAINT "TaskVote_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "TaskRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;
