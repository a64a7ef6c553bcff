-- Notifications (issue 12): channels and the transactional outbox the notify-deliver job drains.
CREATE TABLE "NotificationChannel" (
    "id" UUID NOT NULL,
    "organizationId" TEXT,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "events" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "createdBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "NotificationChannel_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Notification" (
    "id" UUID NOT NULL,
    "channelId" UUID,
    "channelName" TEXT NOT NULL,
    "channelKind" TEXT NOT NULL,
    "organizationId" TEXT,
    "event" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "subjectType" TEXT,
    "subjectId" TEXT,
    "audience" TEXT,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "link" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "eventTime" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "leaseUntil" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "NotificationChannel_name_key" ON "NotificationChannel"("name");
CREATE UNIQUE INDEX "Notification_channelId_idempotencyKey_key" ON "Notification"("channelId", "idempotencyKey");
CREATE INDEX "Notification_status_nextAttemptAt_idx" ON "Notification"("status", "nextAttemptAt");
CREATE INDEX "Notification_link_idx" ON "Notification"("link");
CREATE INDEX "Notification_subjectId_idx" ON "Notification"("subjectId");
CREATE INDEX "Notification_createdAt_idx" ON "Notification"("createdAt" DESC);

ALTER TABLE "Notification" ADD CONSTRAINT "Notification_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "NotificationChannel"("id") ON DELETE SET NULL ON UPDATE CASCADE;
