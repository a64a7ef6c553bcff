// An auditor opens the Audit page, filters to scan events, verifies the chain and downloads a bundle;
// the bundle's verify.sh (POSIX sh + OpenSSL) passes on it and fails on a copy with one changed byte.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers/sign-in";

test("an auditor filters to scan events, verifies the chain and checks an exported bundle offline", async ({ page }) => {
  // verify.sh starts OpenSSL a few times per event, so a bundle of a few hundred events takes a while.
  test.setTimeout(240_000);
  await signIn(page, "auditor");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await expect(page.getByRole("heading", { name: "Audit trail" })).toBeVisible();

  await page.getByLabel("Type").selectOption("scan.");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]type=scan\./);
  const events = page.getByRole("region", { name: "Events" });
  await expect(events.getByRole("cell", { name: "scan.started" }).first()).toBeVisible();
  await expect(events.getByRole("cell", { name: "user.signed_in" })).toHaveCount(0);

  // The filtered view is a link: opening it again shows the same rows, and an event's detail.
  await page.reload();
  await expect(events.getByRole("cell", { name: "scan.started" }).first()).toBeVisible();
  await events.getByRole("button", { name: /^Show event \d+$/ }).first().click();
  const detail = page.getByRole("region", { name: "Event detail" });
  await expect(detail.getByText("Signed checkpoint covering it")).toBeVisible();

  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Chain intact" })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("last-verification")).toContainText("Intact");
  await expect(page.getByTestId("last-verification")).toContainText("auditor");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /^Export bundle/ }).click()]);
  const dir = mkdtempSync(path.join(os.tmpdir(), "rootwarden-e2e-bundle-"));
  const archive = path.join(dir, download.suggestedFilename());
  expect(archive).toMatch(/\.tar\.gz$/);
  await download.saveAs(archive);
  execFileSync("tar", ["xzf", archive, "-C", dir]);
  const bundle = path.join(dir, readdirSync(dir).find((n) => !n.endsWith(".tar.gz"))!);

  const ok = spawnSync("sh", [path.join(bundle, "verify.sh")], { encoding: "utf8" });
  expect(ok.stdout, ok.stderr).toMatch(/^OK: \d+ events/);
  expect(ok.status).toBe(0);

  // One changed byte in the first scan event: verify.sh names its line.
  const tampered = path.join(dir, "tampered");
  execFileSync("cp", ["-R", bundle, tampered]);
  const file = path.join(tampered, "events.jsonl");
  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from('"total":'));
  expect(at).toBeGreaterThan(0);
  bytes[at + 8] = bytes[at + 8] === 0x39 ? 0x38 : bytes[at + 8] + 1;
  writeFileSync(file, bytes);
  const bad = spawnSync("sh", [path.join(tampered, "verify.sh")], { encoding: "utf8" });
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(/^FAIL: events\.jsonl line \d+ \(seq \d+\)/);
});
