// The scheduled report's setting (Settings › Scheduled report, admin): whether the monthly
// compliance report is written, where (a directory on the workers or an S3 bucket) and in which
// formats. Stored as the AppSetting "reports.schedule"; every change is audited as settings.changed.
import path from "node:path";
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor, type TCaller } from "@/lib/auth/actor";
import { assertFreshAuthForSettings } from "@/lib/auth/fresh-auth";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { REPORT_FORMATS } from "./report-query";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
type TDb = PrismaClient | TTx;

export const REPORT_SCHEDULE_KEY = "reports.schedule";

// S3's rules for new bucket names (lowercase letters, digits, dots and hyphens; 3-63 characters).
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const ZReportDestination = z.discriminatedUnion(
  "type",
  [
    z
      .object({
        type: z.literal("directory"),
        path: z
          .string()
          .trim()
          .min(1, { message: "is empty: give the directory on the worker machines, e.g. /srv/rootwarden/reports" })
          .max(1024, { message: "is longer than 1,024 characters" })
          .refine((p) => !p.includes("\0"), { message: "contains a NUL character" })
          .refine((p) => path.isAbsolute(p), { message: "must be an absolute path (starting with /), e.g. /srv/rootwarden/reports" })
          .transform((p) => path.normalize(p).replace(/(.)\/+$/, "$1")),
      })
      .strict(),
    z
      .object({
        type: z.literal("s3"),
        bucket: z
          .string()
          .trim()
          .regex(BUCKET_NAME, { message: "is not an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit" }),
        prefix: z
          .string()
          .trim()
          .max(512, { message: "is longer than 512 characters" })
          .refine((p) => !p.startsWith("/"), { message: "must not start with / (S3 keys have no leading slash), e.g. rootwarden/reports/" })
          .refine((p) => !p.split("/").includes(".."), { message: "must not contain .. segments" })
          .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), { message: "contains control characters" })
          .optional()
          .default(""),
      })
      .strict(),
  ],
  { message: 'must have type "directory" (with path) or "s3" (with bucket and prefix)' },
);
export type TReportDestination = z.output<typeof ZReportDestination>;

export const ZReportScheduleFormats = z
  .array(z.enum(REPORT_FORMATS, { message: `must each be one of ${REPORT_FORMATS.join(", ")}` }))
  .min(1, { message: "must name at least one format (csv, json, jsonl or pdf)" })
  .refine((f) => new Set(f).size === f.length, { message: "must not name a format twice" });

export const ZReportSchedule = z
  .object({
    /** Write the compliance report for the end of each month once that month is over. */
    enabled: z.boolean({ message: "must be true or false" }),
    destination: ZReportDestination.nullable(),
    formats: ZReportScheduleFormats,
  })
  .strict();
export type TReportSchedule = z.output<typeof ZReportSchedule>;

export const DEFAULT_REPORT_SCHEDULE: TReportSchedule = { enabled: false, destination: null, formats: ["csv", "pdf"] };

/** The setting and when it last changed (a changed setting lets a failed month be retried at once). */
export async function readReportSchedule(db: TDb): Promise<TReportSchedule & { updatedAt: Date | null }> {
  const row = await db.appSetting.findUnique({ where: { key: REPORT_SCHEDULE_KEY } });
  const parsed = ZReportSchedule.safeParse(row?.value ?? DEFAULT_REPORT_SCHEDULE);
  return { ...(parsed.success ? parsed.data : DEFAULT_REPORT_SCHEDULE), updatedAt: row?.updatedAt ?? null };
}

export async function getReportSchedule(options: { actor: TCaller | null; db: PrismaClient }): Promise<TReportSchedule> {
  if (options.actor !== "system") assertPermission(options.actor, "settings.read");
  const { updatedAt: _updatedAt, ...schedule } = await readReportSchedule(options.db);
  return schedule;
}

/** Changes some of the setting (a partial object); the whole result must be valid, else 400. */
export async function updateReportSchedule(options: { actor: TActor | null; patch: unknown; db: PrismaClient; now: Date }): Promise<TReportSchedule> {
  assertPermission(options.actor, "settings.write");
  const actor = options.actor;
  const patch = ZReportSchedule.partial().safeParse(options.patch);
  if (!patch.success) throw new AppError("BAD_REQUEST", `Invalid scheduled report setting: ${describeIssues(patch.error)}`);
  assertFreshAuthForSettings(actor, options.now);
  return options.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('rootwarden.settings.reports.schedule'))`;
    const { updatedAt: _updatedAt, ...before } = await readReportSchedule(tx);
    const after: TReportSchedule = { ...before, ...patch.data };
    if (after.enabled && !after.destination) {
      throw new AppError("BAD_REQUEST", "Invalid scheduled report setting: destination: is needed to turn the schedule on; give a directory path or an S3 bucket.");
    }
    await tx.appSetting.upsert({
      where: { key: REPORT_SCHEDULE_KEY },
      create: { key: REPORT_SCHEDULE_KEY, value: after, updatedAt: options.now, updatedById: actor.userId },
      update: { value: after, updatedAt: options.now, updatedById: actor.userId },
    });
    for (const key of Object.keys(patch.data) as (keyof TReportSchedule)[]) {
      if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
      await appendAuditEvent(tx, {
        type: "settings.changed",
        actor,
        payload: { setting: `${REPORT_SCHEDULE_KEY}.${key}`, from: before[key], to: after[key] },
        time: options.now,
      });
    }
    return after;
  });
}

/** "s3://bucket/prefix" or "directory /path": how runs and the pages name a destination. */
export function describeDestination(d: TReportDestination): string {
  return d.type === "s3" ? `s3://${d.bucket}/${d.prefix}` : `directory ${d.path}`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "setting"}: ${i.message}`).join("; ");
}
