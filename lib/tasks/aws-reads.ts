// The AWS reads a request dialog or a frozen plan needs (bucket/queue lists, one policy), each in a
// short List/Get-only root session of lib/aws. Run by a worker (lib/jobs/aws-reads.ts) for the web
// tier, which holds no AWS credentials in production; outputs hold names and policies, never keys.
import { z } from "zod";
import type { TAwsContext } from "@/lib/aws/context";
import { readOrgSetupState } from "@/lib/aws/org-setup";
import { listBucketsWithPolicies, listQueuesWithPolicies, readBucketPolicy, readQueuePolicy } from "@/lib/aws/root-tasks";

const ZAccountId = z.string().regex(/^\d{12}$/);
export const ZAwsRead = z.discriminatedUnion("op", [
  z.object({ op: z.literal("s3.list"), accountId: ZAccountId }),
  z.object({ op: z.literal("sqs.list"), accountId: ZAccountId }),
  z.object({ op: z.literal("s3.readPolicy"), accountId: ZAccountId, bucket: z.string().max(63) }),
  z.object({ op: z.literal("sqs.readPolicy"), accountId: ZAccountId, queueName: z.string().max(80) }),
  /** Organization set-up state (TOrgSetupState), with the configured management or delegated-admin credentials. */
  z.object({ op: z.literal("org.readSetup") }),
]);
export type TAwsRead = z.infer<typeof ZAwsRead>;

export type TResourceListing = { assumeRootRequestId: string | null; truncated: boolean; items: { name: string; policy: string | null; deniesEveryone: boolean }[] };
export type TPolicyRead = { assumeRootRequestId: string | null; policy: string | null };

export type TReadOutput = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** Runs one read here (a worker, or a web process that has AWS credentials). */
export async function performAwsRead(aws: TAwsContext, read: TAwsRead): Promise<unknown> {
  switch (read.op) {
    case "s3.list": {
      const r = await listBucketsWithPolicies(aws, { accountId: read.accountId });
      return { assumeRootRequestId: r.assumeRootRequestId, truncated: r.truncated, items: r.buckets.map((b) => ({ name: b.name, policy: b.policy, deniesEveryone: b.deniesEveryone })) } satisfies TResourceListing;
    }
    case "sqs.list": {
      const r = await listQueuesWithPolicies(aws, { accountId: read.accountId });
      return { assumeRootRequestId: r.assumeRootRequestId, truncated: r.truncated, items: r.queues.map((q) => ({ name: q.name, policy: q.policy, deniesEveryone: q.deniesEveryone })) } satisfies TResourceListing;
    }
    case "s3.readPolicy":
      return (await readBucketPolicy(aws, { accountId: read.accountId, bucket: read.bucket })) satisfies TPolicyRead;
    case "sqs.readPolicy":
      return (await readQueuePolicy(aws, { accountId: read.accountId, queueName: read.queueName })) satisfies TPolicyRead;
    case "org.readSetup":
      return await readOrgSetupState(aws);
  }
}

/** How lib/tasks asks for a read: in this process (tests, scripts) or through a worker (web requests). */
export type TAwsReader = (read: TAwsRead) => Promise<unknown>;

export function localAwsReader(aws: () => TAwsContext): TAwsReader {
  return (read) => performAwsRead(aws(), read);
}
