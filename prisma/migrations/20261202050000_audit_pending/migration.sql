-- Audit appends no longer serialize on the tree head until commit (lib/audit/README.md, "Storage and
-- sequencing"): an append inserts its event into "AuditPending" inside the caller's transaction (so
-- the event commits or rolls back with the change), and one sequencer at a time moves committed
-- pending events into "AuditEvent" in id order, giving each its gapless seq, hashes and a signed
-- checkpoint per batch. "pendingId" links a sequenced event to the pending row it came from.

CREATE TABLE "AuditPending" (
    "id" BIGSERIAL NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "actorType" TEXT NOT NULL,
    "actorUserId" UUID,
    "actorIssuer" TEXT,
    "actorSubject" TEXT,
    "actorEmail" TEXT,
    "actorRoles" TEXT[],
    "sourceIp" TEXT,
    "userAgent" TEXT,
    "requestId" TEXT,
    "organizationId" TEXT,
    "targetType" TEXT,
    "targetId" TEXT,
    "payload" JSONB NOT NULL,
    CONSTRAINT "AuditPending_pkey" PRIMARY KEY ("id")
);

ALTER TABLE "AuditEvent" ADD COLUMN "pendingId" BIGINT;
CREATE UNIQUE INDEX "AuditEvent_pendingId_key" ON "AuditEvent"("pendingId");

-- A pending event is never changed, and leaves the table only once its sequenced copy exists.
CREATE FUNCTION "audit_pending_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM "AuditEvent" WHERE "pendingId" = OLD."id") THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: pending event % has not been sequenced and cannot be deleted.', OLD."id"
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: % on "%" is refused.', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "AuditPending_append_only" BEFORE UPDATE OR DELETE ON "AuditPending"
    FOR EACH ROW EXECUTE FUNCTION "audit_pending_guard"();
CREATE TRIGGER "AuditPending_no_truncate" BEFORE TRUNCATE ON "AuditPending"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_pending_guard"();
