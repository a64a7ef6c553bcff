-- Natural ordering for names and paths (analytics-dev-2 before analytics-dev-10): ICU with numeric
-- collation ("kn"). Deterministic, so equality, LIKE and ILIKE keep working on columns sorted by it.
CREATE COLLATION IF NOT EXISTS "natural_order" (provider = icu, locale = 'und-u-kn-true');

-- Stored errors are a code plus a message written for people; the internals go to the server log.
ALTER TABLE "Account" ADD COLUMN "statusReasonCode" TEXT;
ALTER TABLE "ScanAccount" ADD COLUMN "reasonCode" TEXT;
ALTER TABLE "Scan" ADD COLUMN "errorCode" TEXT;
-- Who cancelled a scan, by user id: Scan.error is shown to every viewer, an e-mail address is not.
ALTER TABLE "Scan" ADD COLUMN "cancelledById" UUID;
