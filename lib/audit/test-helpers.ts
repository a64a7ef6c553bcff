// Shared by audit tests: a throwaway signer and a few events appended the way the app does.
import type { PrismaClient } from "@/lib/db/generated/client";
import { SYSTEM } from "@/lib/auth/actor";
import { appendAuditEvent } from "./append";
import { sequenceAuditTrail } from "./sequence";
import { createAuditSigner, generateSigningKeyPem, loadPrivateKey, type TAuditSigner } from "./signing-key";

export function testSigner(origin = "test.rootwarden/audit"): TAuditSigner {
  return createAuditSigner(origin, loadPrivateKey(generateSigningKeyPem()));
}

export const TEST_USER = {
  userId: "00000000-0000-4000-8000-0000000000a1",
  subject: "auditor-sub",
  email: "auditor@example.test",
  name: "Auditor",
  roles: ["auditor" as const],
};

export type TSampleEvent = { pendingId: string; seq: number; treeSize: number };

/** Sequences what is pending with the test's signer (as a worker would); returns the tree size. */
export async function sequenceNow(db: PrismaClient, signer: TAuditSigner): Promise<number> {
  return (await sequenceAuditTrail({ db, signer })).treeSize;
}

/** Appends n org.synced / scan.started events, one transaction each, each sequenced (its own checkpoint) at once. */
export async function appendSampleEvents(db: PrismaClient, signer: TAuditSigner, n: number): Promise<TSampleEvent[]> {
  const out: TSampleEvent[] = [];
  for (let i = 0; i < n; i++) {
    const appended = await db.$transaction((tx) =>
        i % 2 === 0
          ? appendAuditEvent(
              tx,
              { type: "org.synced", payload: { ous: i, accounts: 10 + i, leftOrg: 0, problems: [] }, actor: SYSTEM, organizationId: "o-test1234" },
            )
          : appendAuditEvent(
              tx,
              {
                type: "scan.started",
                payload: { scanId: "00000000-0000-4000-8000-00000000000" + (i % 10), scope: { type: "ORG" }, scopeLabel: "Whole organization", trigger: "MANUAL", total: 5, skipped: 0 },
                actor: TEST_USER,
                organizationId: "o-test1234",
                target: { type: "ORG", id: "o-test1234" },
                request: { ip: "10.0.0.1", userAgent: "vitest", requestId: `req-${i}` },
              },
            ),
    );
    const treeSize = await sequenceNow(db, signer);
    out.push({ pendingId: appended.pendingId, seq: treeSize - 1, treeSize });
  }
  return out;
}
