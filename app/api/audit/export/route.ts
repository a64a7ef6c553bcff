// GET /api/audit/export?from=&to= - a .tar.gz bundle an auditor verifies offline (verify.sh); audited
import { Readable } from "node:stream";
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { exportAuditBundle } from "@/lib/audit/export-bundle";

export const dynamic = "force-dynamic";

const ZTime = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" })
  .transform((v) => new Date(v))
  .optional()
  .or(z.literal("").transform(() => undefined));
const ZQuery = z.object({ from: ZTime, to: ZTime });

export const GET = withPermission("audit.read", async (req, { actor }) => {
  const { from, to } = parseInput(Object.fromEntries(new URL(req.url).searchParams), ZQuery);
  const bundle = await exportAuditBundle({ actor, from, to });
  return new Response(Readable.toWeb(bundle.body) as ReadableStream<Uint8Array>, {
    headers: {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="${bundle.filename}"`,
      "Cache-Control": "no-store",
    },
  });
});
