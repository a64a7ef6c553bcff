// Where the scheduled report is written: a directory on the worker machines or an S3 bucket
// (through the SDK, with the workers' AWS identity). A file appears whole or not at all: in a
// directory it is written under a temporary name and renamed; an S3 PutObject is atomic.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode, redactSecrets } from "@/lib/aws/errors";
import { describeDestination, type TReportDestination } from "./report-schedule";

export type TReportStore = {
  description: string;
  /** The name a report file gets there: the object key, or the path in the directory. */
  locationOf: (name: string) => string;
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
    put: async (name, file, contentType) => {
      const { size } = await stat(file);
      try {
        await s3().send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: createReadStream(file), ContentLength: size, ContentType: contentType }));
      } catch (err) {
        throw new ReportDestinationError(s3Problem(bucket, prefix, err));
      }
    },
  };
}

/** A fresh path for a local working copy (removed by the caller). */
export function localWorkFile(name: string): string {
  return path.join(os.tmpdir(), `rootwarden-report-${randomUUID()}-${name}`);
}

async function checkDirectory(dir: string): Promise<void> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    throw new ReportDestinationError(directoryProblem(dir, err));
  }
  if (!info.isDirectory()) throw new ReportDestinationError(`${dir} on worker ${os.hostname()} is not a directory. Change the destination in Settings › Scheduled report.`);
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
