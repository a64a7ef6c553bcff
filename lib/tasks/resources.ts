// The request dialog's bucket or queue list: read on demand in a short S3UnlockBucketPolicy or
// SQSUnlockQueuePolicy session that calls only List and Get operations, and recorded in the audit
// trail (a root session was opened), with the policies that deny everyone marked.
import { z } from "zod";
import { appendAuditEvent } from "@/lib/audit/append";
import { assertPermission, type TActor } from "@/lib/auth/actor";
import type { TAwsContext } from "@/lib/aws/context";
import { getAwsContext } from "@/lib/aws/context";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";
import { localAwsReader, type TAwsReader, type TResourceListing } from "./aws-reads";

export const ZResourceQuery = z.object({ service: z.enum(["s3", "sqs"], { message: "must be s3 or sqs" }) }).strict();

export type TTaskResource = { name: string; hasPolicy: boolean; deniesEveryone: boolean; policy: string | null };

export async function listTaskResources(options: {
  actor: TActor | null;
  accountId: string;
  service: "s3" | "sqs";
  db?: PrismaClient;
  aws?: () => TAwsContext;
  /** Route handlers pass the worker-backed reader (lib/jobs/aws-reads.ts): the web tier holds no AWS keys. */
  awsRead?: TAwsReader;
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
  const awsRead = options.awsRead ?? localAwsReader(options.aws ?? getAwsContext);
  const listing = (await awsRead({ op: options.service === "s3" ? "s3.list" : "sqs.list", accountId: account.id })) as TResourceListing;
  const out = { requestId: listing.assumeRootRequestId, truncated: listing.truncated, items: listing.items };
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
