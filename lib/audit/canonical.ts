// The bytes each event's hashes cover: the RFC 8785 (JCS) canonical JSON of the event record
// without its hash fields. Writers and verifiers build the record with the same function.
//
// canonicalJson is a JSON-values-only RFC 8785 serializer (records are built from JSON.parse
// output: null, booleans, finite numbers, strings, arrays, plain objects). It is about four times
// faster than the general `canonicalize` package, which verifying a million events needs;
// canonical.test.ts checks it byte for byte against that package on generated and edge-case values.

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
  /** A Date, or already the ISO text (ISO_TIME_SQL), which saves a verifier parsing and printing a million dates. */
  time: Date | string;
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

/** A timestamptz(3) column as the record's `time` text (toISOString's form), in SQL. */
export const ISO_TIME_SQL = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export function recordFromRow(row: TAuditEventRow): TAuditRecord {
  return {
    v: AUDIT_RECORD_VERSION,
    seq: Number(row.seq),
    time: typeof row.time === "string" ? row.time : row.time.toISOString(),
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

/** RFC 8785 canonical JSON, as UTF-8 text. Throws on anything that is not a JSON value (or a lone surrogate). */
export function canonicalJson(record: TAuditRecord): string {
  // The record's own members in their sorted order (actor, organizationId, payload, request, seq,
  // target, time, type, v): the same bytes jcs(record) gives, without sorting known keys each time.
  const a = record.actor;
  const q = record.request;
  const t = record.target;
  return (
    `{"actor":{"email":${str(a.email)},"issuer":${str(a.issuer)},"roles":${jcs(a.roles)},"subject":${str(a.subject)},"type":${jcsString(a.type)},"userId":${str(a.userId)}}` +
    `,"organizationId":${str(record.organizationId)},"payload":${jcs(record.payload)}` +
    `,"request":{"ip":${str(q.ip)},"requestId":${str(q.requestId)},"userAgent":${str(q.userAgent)}}` +
    `,"seq":${jcs(record.seq)},"target":${t === null ? "null" : `{"id":${jcsString(t.id)},"type":${jcsString(t.type)}}`}` +
    `,"time":${jcsString(record.time)},"type":${jcsString(record.type)},"v":${jcs(record.v)}}`
  );
}

function str(value: string | null): string {
  return value === null ? "null" : jcsString(value);
}

/** RFC 8785 of one JSON value: members sorted by UTF-16 code units, ECMAScript number and string forms. */
export function jcs(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return jcsString(value);
    case "number":
      if (!Number.isFinite(value)) throw new Error(`The audit record cannot be canonicalized: ${value} is not a JSON number.`);
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + jcs(value[i] === undefined ? null : value[i]);
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new Error("The audit record cannot be canonicalized: it holds a non-JSON object.");
      const obj = value as Record<string, unknown>;
      // Array.prototype.sort without a comparator compares UTF-16 code units, as RFC 8785 section 3.2.3 asks.
      const keys = Object.keys(obj).sort();
      let out = "{";
      let first = true;
      for (const key of keys) {
        const member = obj[key];
        if (member === undefined) continue;
        out += `${first ? "" : ","}${jcsString(key)}:${jcs(member)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`The audit record cannot be canonicalized: a ${typeof value} is not a JSON value.`);
  }
}

function jcsString(value: string): string {
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) throw new Error("The audit record cannot be canonicalized: a string holds a lone surrogate.");
  return JSON.stringify(value);
}

export function canonicalBytes(record: TAuditRecord): Buffer {
  return Buffer.from(canonicalJson(record), "utf8");
}
