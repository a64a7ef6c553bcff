-- Tamper-evident audit trail (lib/audit): events, the locked tree head, signed checkpoints and the
-- signing-key history. Events, checkpoints and keys are append-only.

CREATE TABLE "AuditEvent" (
    "seq" BIGINT NOT NULL,
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
    "leafHash" BYTEA NOT NULL,
    "chainHash" BYTEA NOT NULL,
    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);
CREATE INDEX "AuditEvent_type_seq_idx" ON "AuditEvent"("type", "seq");
CREATE INDEX "AuditEvent_actorUserId_seq_idx" ON "AuditEvent"("actorUserId", "seq");
CREATE INDEX "AuditEvent_targetId_seq_idx" ON "AuditEvent"("targetId", "seq");
CREATE INDEX "AuditEvent_time_idx" ON "AuditEvent"("time");

CREATE TABLE "AuditHead" (
    "id" INTEGER NOT NULL,
    "size" BIGINT NOT NULL,
    "rootHash" BYTEA NOT NULL,
    "chainHash" BYTEA NOT NULL,
    "frontier" BYTEA NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "AuditHead_pkey" PRIMARY KEY ("id")
);
-- The empty tree: size 0, root SHA-256 of the empty string (RFC 6962), chain hash 32 zero bytes.
INSERT INTO "AuditHead" ("id", "size", "rootHash", "chainHash", "frontier", "updatedAt")
VALUES (1, 0, sha256(''::bytea), decode(repeat('00', 32), 'hex'), ''::bytea, now());

CREATE TABLE "AuditCheckpoint" (
    "size" BIGINT NOT NULL,
    "rootHash" BYTEA NOT NULL,
    "keyId" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("size")
);

CREATE TABLE "AuditSigningKey" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "fromSize" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "AuditSigningKey_pkey" PRIMARY KEY ("id")
);

-- The database refuses to change or remove what was recorded, whoever asks (short of a superuser
-- disabling the triggers, which the signed checkpoints and their outside copy then expose).
CREATE FUNCTION "audit_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The audit trail is append-only: % on "%" is refused.', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "AuditEvent_append_only" BEFORE UPDATE OR DELETE ON "AuditEvent"
    FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "AuditEvent_no_truncate" BEFORE TRUNCATE ON "AuditEvent"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "AuditCheckpoint_append_only" BEFORE UPDATE OR DELETE ON "AuditCheckpoint"
    FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "AuditCheckpoint_no_truncate" BEFORE TRUNCATE ON "AuditCheckpoint"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "AuditSigningKey_append_only" BEFORE UPDATE OR DELETE ON "AuditSigningKey"
    FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "AuditSigningKey_no_truncate" BEFORE TRUNCATE ON "AuditSigningKey"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();

-- The head only moves forward and is never removed.
CREATE FUNCTION "audit_head_forward_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'The audit tree head cannot be removed (% refused).', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW."size" < OLD."size" THEN
    RAISE EXCEPTION 'The audit tree head cannot move back from size % to %.', OLD."size", NEW."size"
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "AuditHead_forward_only" BEFORE UPDATE OR DELETE ON "AuditHead"
    FOR EACH ROW EXECUTE FUNCTION "audit_head_forward_only"();
CREATE TRIGGER "AuditHead_no_truncate" BEFORE TRUNCATE ON "AuditHead"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_head_forward_only"();
