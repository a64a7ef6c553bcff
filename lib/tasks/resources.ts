// The request dialog's bucket or queue list: read on demand in a short S3UnlockBucketPolicy or
// SQSUnlockQueuePolicy session that calls only List and Get operations, and recorded in the audit
// trail (a root session was opened), with the policies that deny everyone marked.
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import type { TAwsContext } from "@/lib/aws/context";
import { getAwsContext } from "@/lib/aws/context";
import { listBucketsWithPolicies, listQueuesWithPolicies } from "@/lib/aws/root-tasks";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";

export const ZResourceQuery = z.object({ service: z.enum(["s3", "sqs"], { message: "must be s3 or sqs" }) }).strict();

export type TTaskResource = { name: string; hasPolicy: boolean; deniesEveryone: boolean; policy: string | null };

export async function listTaskResources(options: {
  actor: TActor | null;
  accountId: string;
  service: "s3" | "sqs";
  db?: PrismaClient;
  aws?: () => TAwsContext;
  now?: Date;
}): Promise<{ resources: TTaskResource[]; truncated: boolean }> {
  assertPermission(options.actor, "tasks.request");
  const actor = options.actor;
  if (!/^\d{12}$/.test(options.accountId)) throw new AppError("BAD_REQUEST", "The account id must be 12 digits.");
  const db = options.db ?? defaultDb;
  const account = await db.account.findUnique({ where: { id: options.accountId }, select: { id: true, organizationId: true, state: true, isManagement: true, leftOrgAt: true } });
  if (!account || account.leftOrgAt) throw new AppError("NOT_FOUND", `Account ${options.accountId} is not in the organization.`);
  if (account.isManagement) throw new AppError("BAD_REQUEST", "This is the management account: AssumeRoot cannot target it.");
  if (account.state !== "ACTIVE") throw new AppError("BAD_REQUEST", `The account is ${account.state}, not ACTIVE.`);
  const aws = (options.aws ?? getAwsContext)();
  const out =
    options.service === "s3"
      ? await listBucketsWithPolicies(aws, { accountId: account.id }).then((r) => ({ requestId: r.assumeRootRequestId, truncated: r.truncated, items: r.buckets }))
      : await listQueuesWithPolicies(aws, { accountId: account.id }).then((r) => ({ requestId: r.assumeRootRequestId, truncated: r.truncated, items: r.queues }));
  await db.$transaction(async (tx) => {
    await appendAuditEvent(tx, {
      type: "task.session_read",
      actor,
      organizationId: account.organizationId,
      target: { type: "ACCOUNT", id: account.id },
      payload: {
        purpose: "list-resources",
        taskPolicy: options.service === "s3" ? "S3UnlockBucketPolicy" : "SQSUnlockQueuePolicy",
        accountId: account.id,
        resource: null,
        assumeRootRequestId: out.requestId,
        count: out.items.length,
      },
      time: options.now,
    });
  });
  return {
    truncated: out.truncated,
    resources: out.items.map((i) => ({ name: i.name, hasPolicy: i.policy !== null, deniesEveryone: i.deniesEveryone, policy: i.policy })),
  };
}
