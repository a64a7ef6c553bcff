// The bytes each event's hashes cover: the RFC 8785 (JCS) canonical JSON of the event record
// without its hash fields. Writers and verifiers build the record with the same function.
import canonicalize from "canonicalize";

export const AUDIT_RECORD_VERSION = 1;

export type TAuditActorRecord = {
  type: "USER" | "SYSTEM";
  userId: string | null;
  issuer: string | null;
  subject: string | null;
  email: string | null;
  roles: string[];
};
export type TAuditRequestRecord = { ip: string | null; userAgent: string | null; requestId: string | null };

/** The hashed form of one event (lib/audit/README.md, "Event record"). */
export type TAuditRecord = {
  v: number;
  seq: number;
  time: string;
  type: string;
  actor: TAuditActorRecord;
  request: TAuditRequestRecord;
  organizationId: string | null;
  target: { type: string; id: string } | null;
  payload: unknown;
};

/** The event's columns as stored (AuditEvent), whichever driver read them. */
export type TAuditEventRow = {
  seq: bigint | number | string;
  time: Date;
  type: string;
  actorType: string;
  actorUserId: string | null;
  actorIssuer: string | null;
  actorSubject: string | null;
  actorEmail: string | null;
  actorRoles: string[] | null;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  organizationId: string | null;
  targetType: string | null;
  targetId: string | null;
  payload: unknown;
};

export function recordFromRow(row: TAuditEventRow): TAuditRecord {
  return {
    v: AUDIT_RECORD_VERSION,
    seq: Number(row.seq),
    time: row.time.toISOString(),
    type: row.type,
    actor: {
      type: row.actorType === "SYSTEM" ? "SYSTEM" : "USER",
      userId: row.actorUserId,
      issuer: row.actorIssuer,
      subject: row.actorSubject,
      email: row.actorEmail,
      roles: row.actorRoles ?? [],
    },
    request: { ip: row.sourceIp, userAgent: row.userAgent, requestId: row.requestId },
    organizationId: row.organizationId,
    target: row.targetType !== null && row.targetId !== null ? { type: row.targetType, id: row.targetId } : null,
    payload: row.payload,
  };
}

/** RFC 8785 canonical JSON, as UTF-8 text. */
export function canonicalJson(record: TAuditRecord): string {
  const text = canonicalize(record);
  if (text === undefined) throw new Error("The audit record cannot be canonicalized.");
  return text;
}

export function canonicalBytes(record: TAuditRecord): Buffer {
  return Buffer.from(canonicalJson(record), "utf8");
}
