// Generates the Prisma client (npm postinstall and `npm run db:generate`).
// Every Prisma CLI command first fetches a native schema engine; on machines that cannot reach
// Prisma's download host that fails, although `generate` never uses the engine. Only when the real
// engine is missing do we point the CLI at a stand-in file, so connected machines behave normally.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const env = { ...process.env };

function realEngineExists() {
  if (env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) return true;
  try {
    const enginesDir = path.dirname(require.resolve("@prisma/engines/package.json"));
    return readdirSync(enginesDir).some((f) => f.startsWith("schema-engine"));
  } catch {
    return false;
  }
}

if (!realEngineExists()) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
  env.CHECKPOINT_DISABLE = "1";
  env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
}

const prismaBin = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");
const result = spawnSync(process.execPath, [prismaBin, "generate", "--schema", "prisma/schema.prisma"], {
  env,
  stdio: "inherit",
});
if (result.status !== 0) {
  console.error("prisma generate failed; see the output above.");
  process.exit(result.status ?? 1);
}
