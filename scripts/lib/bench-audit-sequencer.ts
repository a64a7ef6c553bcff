// The sequencer of `npm run bench:audit`, in its own process as a worker runs it in production (the
// web tier appends, a worker sequences). Reads DATABASE_URL and BENCH_AUDIT_SIGNING_KEY (a PEM);
// says "ready" on stdout, sequences every 250 ms until stdin closes, then drains and exits.
import pg from "pg";
import { sequenceAuditTrail, startAuditSequencer } from "@/lib/audit/sequence";
import { createAuditSigner, loadPrivateKey } from "@/lib/audit/signing-key";

const signer = createAuditSigner("bench.rootwarden/audit", loadPrivateKey(process.env.BENCH_AUDIT_SIGNING_KEY ?? ""));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const sequencer = startAuditSequencer({ db: pool, signer, intervalMs: 250, log: (line) => process.stderr.write(`[sequencer] ${line}\n`) });
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("end", () => {
  void (async () => {
    await sequencer.stop();
    await sequenceAuditTrail({ db: pool, signer });
    await pool.end();
    process.exit(0);
  })();
});
