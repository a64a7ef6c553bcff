// `npm run audit:verify`: verifies the whole audit trail (every leaf, the chain, the Merkle tree,
// every checkpoint signature and the outside copies), prints the first break, and records the run as
// an audit.verified event. Exits 1 on any break. DATABASE_URL, or the embedded Postgres in .data.
//   --copy-dir DIR   also check the checkpoint copies in DIR (default: AUDIT_COPY_DIR, else .data/audit-copy if present)
//   --no-record      only print the result (e.g. where no signing key is configured)
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { SYSTEM } from "@/lib/auth/actor";
import { configuredCopyStores, directoryStore } from "@/lib/audit/copy-store";
import { runAuditVerification } from "@/lib/audit/run-verification";
import { notifyAuditVerificationFailed } from "@/lib/notify/notify-verification-failed";
import { getConfig } from "@/lib/config";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { "copy-dir": { type: "string" }, "no-record": { type: "boolean" } } });
  const config = getConfig();
  let url = process.env.DATABASE_URL;
  const pg = url ? undefined : await startEmbeddedPostgres({ dataDir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  url ??= pg!.url();
  process.env.DATABASE_URL = url;
  try {
    const stores = configuredCopyStores(config);
    const dir = values["copy-dir"] ?? (!config.AUDIT_COPY_DIR && existsSync(".data/audit-copy") ? ".data/audit-copy" : undefined);
    if (dir) stores.push(directoryStore(dir));
    console.log(`Verifying the audit trail${stores.length > 0 ? ` against ${stores.map((s) => s.description).join(", ")}` : " (no outside copy configured: a deleted tail cannot be detected)"}...`);
    let lastReport = Date.now();
    const result = await runAuditVerification({
      actor: SYSTEM,
      databaseUrl: url,
      stores,
      record: !values["no-record"],
      // A worker delivers it (within a minute): the CLI does not start one.
      onRecorded: (tx, run) => notifyAuditVerificationFailed(tx, run),
      onProgress: (n) => {
        if (Date.now() - lastReport > 2000) {
          lastReport = Date.now();
          console.log(`  ${n.toLocaleString("en-US")} events verified`);
        }
      },
    });
    if (result.ok) {
      console.log(`OK: ${result.treeSize} events, ${result.checkpoints} checkpoints and ${result.copies} outside copies verified in ${(result.durationMs / 1000).toFixed(1)} s; root ${result.rootHash}`);
    } else {
      console.log(`BROKEN at seq ${result.problem?.seq ?? "-"} (${result.problem?.kind}): ${result.problem?.message}`);
    }
    if (result.recordedSeq !== null) console.log(`Recorded as audit.verified, seq ${result.recordedSeq}.`);
    const { prisma } = await import("@/lib/db/client");
    await prisma.$disconnect();
    return result.ok ? 0 : 1;
  } finally {
    await pg?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit:verify failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
