// Where the scheduled report is written: a directory on the worker machines or an S3 bucket
// (through the SDK, with the workers' AWS identity). A file appears whole or not at all: in a
// directory it is written under a temporary name and renamed; an S3 PutObject is atomic.
import { randomUUID } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { access, copyFile, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode, redactSecrets } from "@/lib/aws/errors";
import { describeDestination, type TReportDestination } from "./report-schedule";

export type TReportStore = {
  description: string;
  /** The name a report file gets there: the object key, or the path in the directory. */
  locationOf: (name: string) => string;
  /** Fails with what to fix when the destination cannot be written at all (a directory that is not there). */
  check: () => Promise<void>;
  /** Puts the local file `file` there as `name`, replacing an earlier one of that name. */
  put: (name: string, file: string, contentType: string) => Promise<void>;
};

/** Thrown with a message that says what to fix in the setting or on the worker. */
export class ReportDestinationError extends Error {
  name = "ReportDestinationError";
}

export function reportStore(destination: TReportDestination, s3: () => S3Client): TReportStore {
  const description = describeDestination(destination);
  if (destination.type === "directory") {
    const dir = destination.path;
    return {
      description,
      locationOf: (name) => path.join(dir, name),
      check: () => checkDirectory(dir),
      put: async (name, file) => {
        await checkDirectory(dir);
        const temp = path.join(dir, `.${name}.${randomUUID()}.tmp`);
        try {
          await copyFile(file, temp);
          await rename(temp, path.join(dir, name));
        } catch (err) {
          await rm(temp, { force: true }).catch(() => {});
          throw new ReportDestinationError(directoryProblem(dir, err));
        }
      },
    };
  }
  const { bucket, prefix } = destination;
  return {
    description,
    locationOf: (name) => `s3://${bucket}/${prefix}${name}`,
    // Only a write proves that the workers may write (a PutObject-only policy allows nothing else).
    check: async () => {},
    put: async (name, file, contentType) => {
      const { size } = await stat(file);
      // The SDK does not retry a request whose body is a stream, so transient failures are retried
      // here, each attempt with the file read again from its start.
      for (let attempt = 1; ; attempt++) {
        try {
          await s3().send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: createReadStream(file), ContentLength: size, ContentType: contentType }));
          return;
        } catch (err) {
          if (attempt >= S3_ATTEMPTS || !isTransient(err)) throw new ReportDestinationError(s3Problem(bucket, prefix, err));
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        }
      }
    },
  };
}

const S3_ATTEMPTS = 4;

function isTransient(err: unknown): boolean {
  const e = err as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return e?.$retryable !== undefined || status >= 500 || status === 429 || ["ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNREFUSED"].includes(e?.code ?? "") || awsErrorCode(err) === "TimeoutError";
}

/** A fresh path for a local working copy (removed by the caller). */
export function localWorkFile(name: string): string {
  return path.join(os.tmpdir(), `rootwarden-report-${randomUUID()}-${name}`);
}

async function checkDirectory(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new ReportDestinationError(directoryProblem(dir, err));
  }
}

function directoryProblem(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const where = `${dir} on worker ${os.hostname()}`;
  const fix = "Change the destination in Settings › Scheduled report, or fix the directory on every worker machine.";
  if (code === "ENOENT") return `The directory ${where} does not exist. Create it (writable by the worker's user), or ${fix.charAt(0).toLowerCase()}${fix.slice(1)}`;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `The worker may not write to ${where} (${code}). Let the worker's user write there. ${fix}`;
  if (code === "ENOTDIR") return `${where} is not a directory. ${fix}`;
  if (code === "ENOSPC" || code === "EDQUOT") return `No space left in ${where} (${code}). Free some space there.`;
  return `Could not write to ${where}: ${redactSecrets(err instanceof Error ? err.message : String(err))}. ${fix}`;
}

function s3Problem(bucket: string, prefix: string, err: unknown): string {
  const code = awsErrorCode(err);
  const target = `s3://${bucket}/${prefix}`;
  const fix = "Change the destination in Settings › Scheduled report, or fix the bucket or the workers' permissions.";
  if (code === "NoSuchBucket") return `The bucket ${bucket} does not exist (NoSuchBucket). Create it, or ${fix.charAt(0).toLowerCase()}${fix.slice(1)}`;
  if (code === "AccessDenied" || code === "AllAccessDisabled") {
    return `The workers' AWS identity may not write to ${target} (${code}). Allow it s3:PutObject on arn:aws:s3:::${bucket}/${prefix}* (bucket policy or IAM policy). ${fix}`;
  }
  if (code === "CredentialsProviderError" || /credential/i.test(code)) {
    return `The worker has no AWS credentials to write to ${target} (${code}). Give the workers AWS credentials (see the README's production section).`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `Could not write to ${target}: ${code}: ${redactSecrets(message).slice(0, 300)}. ${fix}`;
}
