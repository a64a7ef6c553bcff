// Copies the newest signed checkpoint (and the public-key history) out of Postgres to every
// configured store. Run every minute by a job, and right after privileged actions. Idempotent.
import type { PrismaClient } from "@/lib/db/generated/client";
import { checkpointCopyName, type TCopyStore } from "./copy-store";
import { keyHistory } from "./keys";
import { flushAuditTrail } from "./sequence";

export type TCopyOutcome = { treeSize: number; copiedTo: string[]; upToDate: string[] };

const LATEST = "latest.txt";

export async function copyCheckpoints(options: { db: PrismaClient; stores: TCopyStore[] }): Promise<TCopyOutcome> {
  const { db, stores } = options;
  // What has committed is copied: sequenced (and so checkpointed) first.
  if (stores.length > 0) await flushAuditTrail(db);
  const latest = await db.auditCheckpoint.findFirst({ orderBy: { size: "desc" }, select: { size: true, note: true } });
  const outcome: TCopyOutcome = { treeSize: latest ? Number(latest.size) : 0, copiedTo: [], upToDate: [] };
  if (!latest || stores.length === 0) return outcome;
  const keys = keyHistory(await db.auditSigningKey.findMany({ orderBy: { id: "asc" } }));
  for (const store of stores) {
    const copied = Number((await store.get(LATEST))?.trim() || 0);
    if (copied >= outcome.treeSize) {
      outcome.upToDate.push(store.description);
      continue;
    }
    // Keys first: a copied checkpoint's key is always in the copied history.
    await store.put("keys.json", `${JSON.stringify(keys, null, 2)}\n`);
    await store.put(checkpointCopyName(outcome.treeSize), latest.note);
    await store.put(LATEST, `${outcome.treeSize}\n`);
    outcome.copiedTo.push(store.description);
  }
  return outcome;
}
