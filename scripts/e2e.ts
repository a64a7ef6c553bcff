// `npm run test:e2e`: Playwright journeys in the system's Chromium (never a downloaded browser).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { choosePort } from "@/lib/db/embedded-postgres";

const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(chromium)) {
  console.error(
    `No Chromium at ${chromium}. Install one (Debian/Ubuntu: sudo apt-get install -y chromium) ` +
      "or set CHROMIUM_PATH to a Chromium or Chrome executable. Browsers are never downloaded by the tests.",
  );
  process.exit(1);
}

const port = await choosePort(Number(process.env.E2E_PORT ?? 3100));
const playwright = path.join(process.cwd(), "node_modules", "@playwright", "test", "cli.js");
const result = spawnSync(process.execPath, [playwright, "test", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, E2E_PORT: String(port), CHROMIUM_PATH: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" },
});
process.exit(result.status ?? 1);
