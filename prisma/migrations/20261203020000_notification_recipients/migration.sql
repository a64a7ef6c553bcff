-- Each delivery stores the addresses it was resolved for (lib/notify/resolve-recipients.ts), so a
-- retry goes to the same people. E-mail rows written before took their channel's fixed list.
ALTER TABLE "Notification" ADD COLUMN "recipients" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

UPDATE "Notification" n
SET "recipients" = ARRAY(SELECT lower(t) FROM jsonb_array_elements_text(c."config" -> 'to') AS t)
FROM "NotificationChannel" c
WHERE n."channelId" = c."id" AND c."kind" = 'EMAIL' AND jsonb_typeof(c."config" -> 'to') = 'array';
