// The PDF against the seeded inventory: it parses (pdftotext), names the organization, the counts,
// the data hash (equal to the JSONL export's) and the recorded export; viewers are refused.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "@/lib/db/test-db";
import { FRESHNESS_HOURS, NOW, ORG_ID, actorWith, seedOrganization, viewer } from "@/lib/inventory/list-accounts.fixtures";
import { exportCompliancePdf } from "./export-compliance-pdf";
import { exportReport } from "./export-report";

const auditor = actorWith(["auditor"]);
let db: TTestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedOrganization(db.prisma);
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const base = { db: () => db.prisma, now: NOW, freshnessHours: FRESHNESS_HOURS };

describe("exportCompliancePdf", () => {
  it("renders a PDF whose text holds the org id, the counts, the data hash and the audit event id", async () => {
    const out = await exportCompliancePdf({ actor: auditor, db: base.db(), pool, query: { format: "pdf" }, now: NOW, freshnessHours: FRESHNESS_HOURS });
    const bytes = Buffer.from(await new Response(out.stream).arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    const dir = mkdtempSync(path.join(os.tmpdir(), "rw-pdf-"));
    const file = path.join(dir, "report.pdf");
    writeFileSync(file, bytes);
    const text = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file]).toString())?.[1]);
    const record = await out.recorded;
    expect(text).toContain(ORG_ID);
    expect(text).toMatch(/NON_COMPLIANT\s+2/);
    expect(text).toMatch(/UNKNOWN\s+2/);
    expect(text).toMatch(/COMPLIANT\s+1/);
    expect(text).toContain("Root/Prod/EU: 2 accounts");
    expect(text).toContain("Failing accounts (2)");
    expect(text).toContain(record.sha256);
    expect(text).toContain(record.auditEventId);
    expect(text).toContain(`page ${pages} of ${pages}`);
    // The data hash is the JSONL export's file hash.
    const jsonl = await exportReport({ actor: auditor, db: base.db(), pool, query: { format: "jsonl", asOf: NOW.toISOString() }, now: NOW, freshnessHours: FRESHNESS_HOURS });
    const jsonlBytes = Buffer.from(await new Response(jsonl.stream).arrayBuffer());
    expect(createHash("sha256").update(jsonlBytes).digest("hex")).toBe(record.sha256);
    const row = await db.prisma.reportExport.findUniqueOrThrow({ where: { id: record.id } });
    expect(row).toMatchObject({ format: "pdf", sha256: record.sha256, rowCount: record.rowCount });
  });

  it("refuses a viewer", async () => {
    await expect(
      exportCompliancePdf({ actor: viewer, db: base.db(), pool, query: { format: "pdf" }, now: NOW, freshnessHours: FRESHNESS_HOURS }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
