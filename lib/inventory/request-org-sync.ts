// "Sync now" (Settings › Organization, org.setup): the request is audited, then a worker job does the
// walk (lib/jobs/org-jobs.ts); the org.synced event follows from the sync itself.
import { randomUUID } from "node:crypto";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";

export type TOrgSyncRequest = { jobId: string; queued: boolean };

export async function requestOrgSync(options: {
  actor: TActor | null;
  /** Sends the job after the audit event committed; returns null when a queued sync was joined. */
  enqueue: (job: { id: string; requestedById: string }) => Promise<string | null>;
  db?: PrismaClient;
  now?: Date;
}): Promise<TOrgSyncRequest> {
  assertPermission(options.actor, "org.setup");
  const actor = options.actor;
  const db = options.db ?? defaultDb;
  const jobId = randomUUID();
  const org = await db.organization.findFirst({ orderBy: { lastSyncedAt: { sort: "desc", nulls: "last" } }, select: { id: true } });
  await db.$transaction(async (tx) => {
    await appendAuditEvent(tx, {
      type: "org.sync_requested",
      actor,
      organizationId: org?.id ?? null,
      target: org ? { type: "ORG", id: org.id } : null,
      payload: { jobId },
      time: options.now,
    });
  });
  const sent = await options.enqueue({ id: jobId, requestedById: actor.userId });
  return { jobId: sent ?? jobId, queued: sent !== null };
}
