// The Audit page's queries: events filtered by type, actor, account and time, newest first, paged
// by seq (a cursor, so a page never shifts while new events arrive); one event's detail.
import { z } from "zod";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import { Prisma, type PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { AUDIT_EVENT_TYPES, type TAuditEventType } from "./event-types";
import { flushAuditTrail } from "./sequence";

const ZTime = z.string().datetime({ offset: true, message: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" }).transform((v) => new Date(v));
const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const ZListAuditEventsQuery = z.object({
  /** One type, a namespace prefix ("scan." matches scan.*), or several, comma-separated. */
  type: z.preprocess(emptyToUndefined, z.string().max(500).optional()).transform((v, ctx) => {
    if (!v) return undefined;
    const parts = v.split(",").map((p) => p.trim()).filter(Boolean);
    for (const p of parts) {
      if (!AUDIT_EVENT_TYPES.some((t) => t === p || (p.endsWith(".") && t.startsWith(p)))) {
        ctx.addIssue({ code: "custom", message: `unknown event type "${p}" (known: ${AUDIT_EVENT_TYPES.join(", ")})` });
        return z.NEVER;
      }
    }
    return AUDIT_EVENT_TYPES.filter((t) => parts.some((p) => t === p || (p.endsWith(".") && t.startsWith(p))));
  }),
  /** E-mail, subject or user id of the actor; "system" for the application's own work. */
  actor: z.preprocess(emptyToUndefined, z.string().max(320).optional()),
  /** A 12-digit account id: events targeting it or scans covering it. */
  account: z.preprocess(emptyToUndefined, z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }).optional()),
  from: z.preprocess(emptyToUndefined, ZTime.optional()),
  to: z.preprocess(emptyToUndefined, ZTime.optional()),
  /** Cursor: events with a smaller seq than this. */
  before: z.preprocess(emptyToUndefined, z.coerce.number().int().nonnegative().optional()),
  limit: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(200).default(50)),
});
export type TListAuditEventsQuery = z.infer<typeof ZListAuditEventsQuery>;

export type TAuditEventSummary = {
  seq: number;
  time: Date;
  type: string;
  actor: { type: string; email: string | null; subject: string | null; userId: string | null; roles: string[] };
  organizationId: string | null;
  target: { type: string; id: string } | null;
  summary: string;
};

export type TAuditEventPage = { events: TAuditEventSummary[]; nextBefore: number | null };

export async function listAuditEvents(options: { actor: TActor; query: TListAuditEventsQuery; db?: PrismaClient }): Promise<TAuditEventPage> {
  assertPermission(options.actor, "audit.read");
  const db = options.db ?? defaultDb;
  await flushAuditTrail(db);
  const q = options.query;
  const where: Prisma.AuditEventWhereInput[] = [];
  if (q.type) where.push({ type: { in: q.type } });
  if (q.actor) {
    where.push(
      q.actor.toLowerCase() === "system"
        ? { actorType: "SYSTEM" }
        : { OR: [{ actorEmail: { equals: q.actor, mode: "insensitive" } }, { actorSubject: q.actor }, ...(isUuid(q.actor) ? [{ actorUserId: q.actor }] : [])] },
    );
  }
  if (q.account) {
    where.push({ OR: [{ targetId: q.account }, { payload: { path: ["scope", "accountIds"], array_contains: [q.account] } }] });
  }
  if (q.from) where.push({ time: { gte: q.from } });
  if (q.to) where.push({ time: { lte: q.to } });
  if (q.before !== undefined) where.push({ seq: { lt: BigInt(q.before) } });
  const rows = await db.auditEvent.findMany({
    where: { AND: where },
    orderBy: { seq: "desc" },
    take: q.limit + 1,
    select: { seq: true, time: true, type: true, actorType: true, actorEmail: true, actorSubject: true, actorUserId: true, actorRoles: true, organizationId: true, targetType: true, targetId: true, payload: true },
  });
  const page = rows.slice(0, q.limit);
  return {
    events: page.map((r) => ({
      seq: Number(r.seq),
      time: r.time,
      type: r.type,
      actor: { type: r.actorType, email: r.actorEmail, subject: r.actorSubject, userId: r.actorUserId, roles: r.actorRoles },
      organizationId: r.organizationId,
      target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId } : null,
      summary: summarize(r.type as TAuditEventType, r.payload as Record<string, unknown>),
    })),
    nextBefore: rows.length > q.limit ? Number(page[page.length - 1].seq) : null,
  };
}

export type TAuditEventDetail = TAuditEventSummary & {
  request: { ip: string | null; userAgent: string | null; requestId: string | null };
  actorIssuer: string | null;
  payload: unknown;
  leafHash: string;
  chainHash: string;
  checkpoint: string | null;
};

export async function getAuditEvent(options: { actor: TActor; seq: number; db?: PrismaClient }): Promise<TAuditEventDetail> {
  assertPermission(options.actor, "audit.read");
  const db = options.db ?? defaultDb;
  await flushAuditTrail(db);
  const r = await db.auditEvent.findUnique({ where: { seq: BigInt(options.seq) } });
  if (!r) throw new AppError("NOT_FOUND", `Audit event ${options.seq} does not exist.`);
  const checkpoint = await db.auditCheckpoint.findFirst({ where: { size: { gt: r.seq } }, orderBy: { size: "asc" }, select: { note: true } });
  return {
    seq: Number(r.seq),
    time: r.time,
    type: r.type,
    actor: { type: r.actorType, email: r.actorEmail, subject: r.actorSubject, userId: r.actorUserId, roles: r.actorRoles },
    actorIssuer: r.actorIssuer,
    organizationId: r.organizationId,
    target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId } : null,
    summary: summarize(r.type as TAuditEventType, r.payload as Record<string, unknown>),
    request: { ip: r.sourceIp, userAgent: r.userAgent, requestId: r.requestId },
    payload: r.payload,
    leafHash: Buffer.from(r.leafHash).toString("base64"),
    chainHash: Buffer.from(r.chainHash).toString("base64"),
    checkpoint: checkpoint?.note ?? null,
  };
}

/** One line a person reads in the table. */
export function summarize(type: TAuditEventType, p: Record<string, unknown>): string {
  switch (type) {
    case "user.signed_in":
      return `Signed in with roles ${(p.roles as string[]).join(", ") || "none"}`;
    case "user.signed_out":
      return "Signed out";
    case "user.sessions_revoked":
      return `Sessions revoked${p.reason ? `: ${String(p.reason)}` : ""}`;
    case "scan.started":
      return `${p.trigger === "SCHEDULED" ? "Scheduled scan" : "Scan"} of ${String(p.scopeLabel)} started (${String(p.total)} accounts)`;
    case "scan.cancelled":
      return `Scan cancelled at ${String(p.done)} of ${String(p.total)} accounts`;
    case "scan.finished":
      return `Scan ${p.status === "FAILED" ? "failed" : "finished"}: ${String(p.done)} of ${String(p.total)} done, ${String(p.failed)} failed`;
    case "org.synced":
      return `Organization synced: ${String(p.accounts)} accounts, ${String(p.ous)} OUs`;
    case "settings.changed":
      return `Setting ${String(p.setting)} changed`;
    case "report.exported":
      return `Report ${String(p.report)} exported as ${String(p.format)}`;
    case "audit.exported":
      return p.firstSeq === null ? "Audit export (no events in range)" : `Audit export of events ${String(p.firstSeq)}..${String(p.lastSeq)}`;
    case "audit.verified":
      return p.ok ? `Chain verified: ${String(p.treeSize)} events intact` : `Chain verification FAILED: ${String(p.problem)}`;
    default:
      return type;
  }
}

function isUuid(v: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
}

/** Search params (first value of each) to the query's input shape. */
export function searchParamsToAuditQuery(params: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of ["type", "actor", "account", "from", "to", "before", "limit"]) {
    const v = params[key];
    out[key] = Array.isArray(v) ? v[0] : v;
  }
  return out;
}
