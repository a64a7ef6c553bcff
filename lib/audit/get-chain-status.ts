// The Audit page's chain status: the tree's size and signed root, the key in use, and the last
// verification (when, by whom, with what result), read from the trail itself.
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { getConfig } from "@/lib/config";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { configuredCopyStores } from "./copy-store";
import { flushAuditTrail } from "./sequence";

export type TChainStatus = {
  treeSize: number;
  rootHash: string;
  updatedAt: Date;
  signingKey: { name: string; keyId: string; publicKey: string; fromSize: number } | null;
  lastVerification: {
    seq: number;
    time: Date;
    by: string;
    ok: boolean;
    treeSize: number;
    problem: string | null;
    firstBadSeq: number | null;
  } | null;
  copies: string[];
};

export async function getChainStatus(options: { actor: TActor; db?: PrismaClient }): Promise<TChainStatus> {
  assertPermission(options.actor, "audit.read");
  const db = options.db ?? defaultDb;
  await flushAuditTrail(db);
  const [head, key, verified] = await Promise.all([
    db.auditHead.findUnique({ where: { id: 1 } }),
    db.auditSigningKey.findFirst({ orderBy: { id: "desc" } }),
    db.auditEvent.findFirst({ where: { type: "audit.verified" }, orderBy: { seq: "desc" } }),
  ]);
  const p = (verified?.payload ?? {}) as { ok?: boolean; treeSize?: number; problem?: string | null; firstBadSeq?: number | null };
  return {
    treeSize: Number(head?.size ?? 0),
    rootHash: head ? Buffer.from(head.rootHash).toString("base64") : "",
    updatedAt: head?.updatedAt ?? new Date(0),
    signingKey: key ? { name: key.name, keyId: key.keyId, publicKey: key.publicKey, fromSize: Number(key.fromSize) } : null,
    lastVerification: verified
      ? {
          seq: Number(verified.seq),
          time: verified.time,
          by: verified.actorType === "SYSTEM" ? "system" : (verified.actorEmail ?? verified.actorSubject ?? "unknown"),
          ok: Boolean(p.ok),
          treeSize: p.treeSize ?? 0,
          problem: p.problem ?? null,
          firstBadSeq: p.firstBadSeq ?? null,
        }
      : null,
    copies: configuredCopyStores(getConfig()).map((s) => s.description),
  };
}
