// Shared by audit tests: a throwaway signer and a few events appended the way the app does.
import type { PrismaClient } from "@/lib/db/generated/client";
import { SYSTEM } from "@/lib/auth/actor";
import { appendAuditEvent, type TAppendedAuditEvent } from "./append";
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

/** Appends n org.synced / scan.started events, one transaction each. */
export async function appendSampleEvents(db: PrismaClient, signer: TAuditSigner, n: number): Promise<TAppendedAuditEvent[]> {
  const out: TAppendedAuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await db.$transaction((tx) =>
        i % 2 === 0
          ? appendAuditEvent(
              tx,
              { type: "org.synced", payload: { ous: i, accounts: 10 + i, leftOrg: 0, problems: [] }, actor: SYSTEM, organizationId: "o-test1234" },
              { signer },
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
              { signer },
            ),
      ),
    );
  }
  return out;
}
