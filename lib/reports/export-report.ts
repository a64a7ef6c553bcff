// A compliance export as a byte stream (CSV, JSON array or JSON Lines): rows are pulled from a
// Postgres cursor only as fast as the reader takes them, hashed on the way, and the export is
// recorded (recordReportExport) when the last byte has been produced (streamReportBytes).
import { createHash } from "node:crypto";
import type pg from "pg";
import type { TCaller } from "@/lib/auth/actor";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { csvCell, csvLine } from "./csv";
import { openReportReader, type TReportReader } from "./read-report-rows";
import { recordReportExport, type TRecordedExport } from "./record-report-export";
import { filtersToRecord, type TReportFormat, type TReportKind } from "./report-query";
import { ACCOUNT_COLUMNS, COMPLIANCE_COLUMNS, type TRowValues } from "./report-rows";
import { resolveReportScope, type TReportScope } from "./resolve-report-scope";

export type TReportDownload = {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
  filename: string;
  scope: TReportScope;
  /** Settles when the stream has ended and the export is recorded (rejects if it failed or was cancelled). */
  recorded: Promise<TRecordedExport & { rowCount: number; sha256: string }>;
};

export type TExportReportOptions = {
  /** SYSTEM only for the scheduled report (run-scheduled-report.ts). */
  actor: TCaller | null | undefined;
  db: PrismaClient;
  pool: pg.Pool;
  /** ZReportQuery's input (search-param strings); format pdf goes to exportCompliancePdf. */
  query: unknown;
  now: Date;
  freshnessHours: number;
  /** A recorded export's organization (downloaded again); by default the last synced one. */
  organizationId?: string;
  batchSize?: number;
};

export const CONTENT_TYPES: Record<TReportFormat, string> = {
  csv: "text/csv; charset=utf-8; header=present",
  json: "application/json; charset=utf-8",
  jsonl: "application/jsonl; charset=utf-8",
  pdf: "application/pdf",
};

export async function exportReport(options: TExportReportOptions): Promise<TReportDownload> {
  const scope = await resolveReportScope(options);
  const { format, kind } = scope.query;
  if (format === "pdf") throw new AppError("BAD_REQUEST", "A PDF is made by exportCompliancePdf; ask for csv, json or jsonl here.");
  const { stream, finished } = streamReportBytes(scope, options.pool, options.batchSize, ({ rowCount, sha256 }) =>
    recordReportExport({
      actor: scope.actor,
      db: options.db,
      organizationId: scope.organization.id,
      kind,
      format,
      filters: filtersToRecord(scope.query),
      asOf: scope.asOf,
      freshnessHours: scope.freshnessHours,
      rowCount,
      sha256,
      now: options.now,
    }),
  );
  return { stream, contentType: CONTENT_TYPES[format], filename: reportFilename(scope, format), scope, recorded: finished };
}

export type TReportSummary = { rowCount: number; sha256: string };

/**
 * The report's bytes in its format (csv, json or jsonl) as a stream: rows are pulled from a Postgres
 * cursor only as fast as the reader takes them and hashed on the way. When the last row has been
 * produced, `finish` runs (exportReport records the export there) before the stream closes.
 * `finished` settles with its result, or rejects if the stream failed or the reader cancelled.
 */
export function streamReportBytes<R extends object>(
  scope: TReportScope,
  pool: pg.Pool,
  batchSize: number | undefined,
  finish: (summary: TReportSummary) => Promise<R>,
): { stream: ReadableStream<Uint8Array>; finished: Promise<R & TReportSummary> } {
  const { format, kind } = scope.query;
  if (format === "pdf") throw new AppError("BAD_REQUEST", "A PDF is not a byte stream of rows; use exportCompliancePdf.");
  const encoder = new TextEncoder();
  const hash = createHash("sha256");
  let reader: Promise<TReportReader> | null = null;
  let rowCount = 0;
  let started = false;
  let settle!: { resolve: (v: R & TReportSummary) => void; reject: (e: unknown) => void };
  const finished = new Promise<R & TReportSummary>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Callers that only read the stream must not see an unhandled rejection from this promise.
  finished.catch(() => {});
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    const bytes = encoder.encode(text);
    hash.update(bytes);
    controller.enqueue(bytes);
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      // One batch per pull: the cursor advances only when the reader has taken the previous one.
      async pull(controller) {
        try {
          let text = "";
          if (!started) {
            started = true;
            text += header(format, kind);
          }
          reader ??= openReportReader(scope, pool, kind, batchSize);
          const done = await (await reader).next((row) => {
            text += encodeRow(format, kind, row, rowCount);
            rowCount++;
          });
          if (done) {
            emit(controller, text + footer(format));
            const summary = { rowCount, sha256: hash.digest("hex") };
            const result = await finish(summary);
            controller.close();
            settle.resolve({ ...result, ...summary });
            return;
          }
          emit(controller, text);
        } catch (err) {
          settle.reject(err);
          await closeReader(reader);
          controller.error(err);
        }
      },
      async cancel(reason) {
        settle.reject(new Error(`Export cancelled by the reader${reason ? `: ${String(reason)}` : ""}`));
        await closeReader(reader);
      },
    },
    { highWaterMark: 1 },
  );
  return { stream, finished };
}

export function reportFilename(scope: TReportScope, format: TReportFormat): string {
  const stamp = scope.asOf.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  return `rootwarden-${scope.query.kind}-${scope.organization.id}-${stamp}.${format}`;
}

function header(format: TReportFormat, kind: TReportKind): string {
  if (format === "csv") return csvLine((kind === "accounts" ? ACCOUNT_COLUMNS : COMPLIANCE_COLUMNS).map((c) => c.header));
  if (format === "json") return "[";
  return "";
}

function footer(format: TReportFormat): string {
  return format === "json" ? "\n]\n" : "";
}

// Each JSON object's keys with their punctuation, in column order: `{"accountId":`, `,"accountName":`...
const JSON_KEYS = {
  compliance: COMPLIANCE_COLUMNS.map((c, i) => `${i === 0 ? "{" : ","}${JSON.stringify(c.key)}:`),
  accounts: ACCOUNT_COLUMNS.map((c, i) => `${i === 0 ? "{" : ","}${JSON.stringify(c.key)}:`),
};

/**
 * A row in its format: a CSV line, or the JSON object JSON.stringify gives for the row with its
 * keys in column order (so equal data always gives equal bytes), written out directly.
 */
export function encodeRow(format: TReportFormat, kind: TReportKind, row: TRowValues, index: number): string {
  let out = "";
  if (format === "csv") {
    for (let i = 0; i < row.length; i++) out += i === 0 ? csvCell(row[i]) : `,${csvCell(row[i])}`;
    return `${out}\r\n`;
  }
  const keys = JSON_KEYS[kind];
  for (let i = 0; i < keys.length; i++) {
    const v = row[i] ?? null;
    out += keys[i] + (v === null ? "null" : typeof v === "number" ? String(v) : JSON.stringify(v));
  }
  out += "}";
  return format === "json" ? `${index === 0 ? "\n" : ",\n"}${out}` : `${out}\n`;
}

async function closeReader(reader: Promise<TReportReader> | null): Promise<void> {
  if (!reader) return;
  try {
    await (await reader).close();
  } catch {
    // The reader never opened (the error being reported); nothing to close.
  }
}
