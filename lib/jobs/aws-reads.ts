// AWS reads a web request needs an answer to (a request dialog's bucket list, the policy a request
// freezes): the web tier holds no AWS credentials in production (WORKER_IN_WEB=false), so it queues
// the read as a pg-boss job, a worker runs it (lib/tasks/aws-reads.ts), and the web tier waits for
// the job's output. Outputs hold policies and names only: never credentials.
import type { PgBoss } from "pg-boss";
import type { TAwsContext } from "@/lib/aws/context";
import { AwsCallError } from "@/lib/aws/errors";
import { AppError } from "@/lib/errors";
import { performAwsRead, ZAwsRead, type TAwsRead, type TAwsReader, type TReadOutput } from "@/lib/tasks/aws-reads";
import { getJobClient } from "./boss";
import { AWS_READ_QUEUE } from "./queues";

export { AWS_READ_QUEUE } from "./queues";

export async function registerAwsReadJobs(boss: PgBoss, options: { aws: () => TAwsContext; log: (line: string) => void }): Promise<void> {
  await boss.work(AWS_READ_QUEUE, { pollingIntervalSeconds: 0.5, localConcurrency: 4 }, async ([job]) => {
    const read = ZAwsRead.safeParse(job!.data);
    if (!read.success) return { ok: false, code: "InvalidInput", message: "The read request is malformed." } satisfies TReadOutput;
    try {
      return { ok: true, value: await performAwsRead(options.aws(), read.data) } satisfies TReadOutput;
    } catch (err) {
      // Only the public, redacted message travels back (and is stored in the job row).
      if (err instanceof AwsCallError) return { ok: false, code: err.code, message: err.publicMessage ?? "The AWS call failed." } satisfies TReadOutput;
      options.log(`aws read ${read.data.op} failed: ${err instanceof Error ? err.name : "error"}`);
      return { ok: false, code: "InternalError", message: "The read failed on the worker; see its log." } satisfies TReadOutput;
    }
  });
}

/** Queues the read and waits for a worker's answer (AppError when none comes or AWS refused). */
export async function awsReadViaWorker(boss: PgBoss, read: TAwsRead, options: { timeoutMs?: number } = {}): Promise<unknown> {
  const id = await boss.send(AWS_READ_QUEUE, read, { retryLimit: 0, expireInSeconds: 60 });
  if (!id) throw new AppError("UNAVAILABLE", "Could not queue the AWS read. Check that Postgres is reachable and try again.");
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let wait = 100; Date.now() < deadline; wait = Math.min(wait * 1.5, 500)) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const job = await boss.getJobById<TAwsRead>(AWS_READ_QUEUE, id);
    if (!job || job.state === "created" || job.state === "active" || job.state === "retry") continue;
    const output = job.output as TReadOutput | undefined;
    if (job.state === "completed" && output?.ok === true) return output.value;
    if (output && output.ok === false) {
      const status = output.code === "InvalidInput" || /^NoSuch|NotFound|DoesNotExist/.test(output.code) ? "BAD_REQUEST" : "UNAVAILABLE";
      throw new AppError(status, output.message, { awsErrorCode: output.code });
    }
    throw new AppError("UNAVAILABLE", "The worker could not finish the AWS read. Try again; if it repeats, check the worker's log.");
  }
  await boss.cancel(AWS_READ_QUEUE, id).catch(() => undefined);
  throw new AppError("UNAVAILABLE", "No worker answered within 30 s. Check that a worker (`npm run worker`, or WORKER_IN_WEB) is running and has AWS credentials.");
}

/** The reader route handlers hand to lib/tasks: every AWS read goes through a worker. */
export const workerAwsReader: TAwsReader = async (read) => awsReadViaWorker(await getJobClient(), read);
