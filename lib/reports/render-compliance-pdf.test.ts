// The PDF layout on its own (no database): at a few hundred accounts every page is numbered, the
// failing-accounts table repeats its header on each of its pages, a long list of failing rules wraps
// instead of being cut, and text the standard fonts cannot show is printed as "?", never as the
// wrong glyphs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "@/lib/inventory/compliance";
import { renderCompliancePdf, winAnsi, type TPdfAccount, type TPdfReport } from "./render-compliance-pdf";

const ACCOUNT_RULES = RULES.filter((r) => r.scope === "account").map((r) => r.id);

async function pdfText(report: TPdfReport): Promise<{ text: string; pages: string[] }> {
  const doc = renderCompliancePdf(report);
  const chunks: Buffer[] = [];
  for await (const chunk of doc as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "rw-pdf-layout-")), "report.pdf");
  writeFileSync(file, Buffer.concat(chunks));
  const text = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
  return { text, pages: text.split("\f").filter((p) => p.trim() !== "") };
}

function report(accounts: TPdfAccount[]): TPdfReport {
  return {
    organizationId: "o-layout12345",
    managementAccountId: "999999999999",
    asOf: new Date("2026-11-30T23:59:00.000Z"),
    generatedAt: new Date("2026-12-01T08:00:00.000Z"),
    generatedBy: "auditor@example.test",
    filters: { q: "Бухгалтерия" },
    freshnessHours: 48,
    accounts,
    orgRules: [],
    rowCount: accounts.length * ACCOUNT_RULES.length,
    sha256: "a".repeat(64),
    exportId: "00000000-0000-4000-8000-000000000009",
    auditEventId: "00000000-0000-4000-8000-00000000000a",
  };
}

describe("renderCompliancePdf", () => {
  it("numbers every page, repeats the failing-accounts header on each of its pages and wraps a long rule list", async () => {
    const accounts: TPdfAccount[] = Array.from({ length: 300 }, (_, i) => ({
      id: String(100000000000 + i),
      name: i === 7 ? "Finanzbuchhaltung Österreich und Südtirol, Konzernabschluss" : `Account ${i}`,
      ouPath: i % 2 ? "Root/Prod/EU" : "Root/Dev",
      state: "ACTIVE",
      status: i % 3 === 0 ? "NON_COMPLIANT" : "COMPLIANT",
      failingRules: i % 3 === 0 ? (i === 0 ? ACCOUNT_RULES : ACCOUNT_RULES.slice(0, 2)) : [],
      snapshotAt: "2026-11-30T12:00:00.000Z",
    }));
    const { pages } = await pdfText(report(accounts));
    pages.forEach((page, i) => expect(page).toContain(`page ${i + 1} of ${pages.length}`));
    const failingPages = pages.filter((p) => /Failing accounts \(100\)|Failing accounts \(continued\)/.test(p));
    expect(failingPages.length).toBeGreaterThan(1);
    for (const page of failingPages) expect(page).toMatch(/Account ID\s+Name\s+OU path\s+Failing rules/);
    // Account 0 fails every account rule: each id is printed in full (wrapped over lines, none cut).
    const first = failingPages[0]!;
    const block = first.slice(first.indexOf("100000000000"), first.indexOf("100000000003"));
    for (const id of ACCOUNT_RULES) expect(block.replace(/\s+/g, "")).toContain(id.replace(/^account\./, ""));
    expect(block).not.toContain("...");
  });

  it("prints characters outside WinAnsi as ? and keeps Latin-1 accents", async () => {
    expect(winAnsi("Südtirol — Ω 日本 €")).toBe("Südtirol — ? ?? €");
    const { text } = await pdfText(
      report([{ id: "100000000001", name: "Отдел 財務", ouPath: "Root/Ελλάδα", state: "ACTIVE", status: "NON_COMPLIANT", failingRules: ["account.no-password"], snapshotAt: null }]),
    );
    expect(text).toContain("????? ??");
    expect(text).toContain("Root/??????");
    // The cover's filter (free text from the URL) too.
    expect(text).toContain("q = ???????????");
  });
});
