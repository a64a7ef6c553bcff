// Where checkpoint copies live outside Postgres: a directory (the demo) or an S3 bucket (production;
// with Object Lock the objects cannot be rewritten, even by the bucket's owner). Layout, in both:
//   checkpoints/<tree size, 20 digits>.txt   one signed checkpoint note
//   keys.json                               the public-key history, as lib/audit/keys.ts lists it
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { TConfig } from "@/lib/config";

export type TCopyStore = {
  description: string;
  put: (name: string, body: string) => Promise<void>;
  get: (name: string) => Promise<string | null>;
  /** Names under checkpoints/, in any order. */
  listCheckpoints: () => Promise<string[]>;
};

export function checkpointCopyName(size: number): string {
  return `checkpoints/${String(size).padStart(20, "0")}.txt`;
}

export function sizeFromCopyName(name: string): number | null {
  const m = /(?:^|\/)(\d{20})\.txt$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function directoryStore(dir: string): TCopyStore {
  const root = path.resolve(dir);
  return {
    description: `directory ${root}`,
    put: async (name, body) => {
      const file = path.join(root, name);
      await mkdir(path.dirname(file), { recursive: true });
      // Written whole or not at all: a reader never sees half a checkpoint.
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, body);
      await rename(temp, file);
    },
    get: async (name) => {
      try {
        return await readFile(path.join(root, name), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },
    listCheckpoints: async () => {
      try {
        return (await readdir(path.join(root, "checkpoints"))).filter((n) => n.endsWith(".txt")).map((n) => `checkpoints/${n}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
      }
    },
  };
}

export function s3Store(bucket: string, prefix: string, client: S3Client = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) })): TCopyStore {
  return {
    description: `s3://${bucket}/${prefix}`,
    put: async (name, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: body, ContentType: "text/plain; charset=utf-8" }));
    },
    get: async (name) => {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${name}` }));
        return (await res.Body?.transformToString("utf8")) ?? null;
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return null;
        throw err;
      }
    },
    listCheckpoints: async () => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}checkpoints/`, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names;
    },
  };
}

/** The stores the configuration names (none, one or both). */
export function configuredCopyStores(config: Pick<TConfig, "AUDIT_COPY_DIR" | "AUDIT_COPY_S3_BUCKET" | "AUDIT_COPY_S3_PREFIX">): TCopyStore[] {
  const stores: TCopyStore[] = [];
  if (config.AUDIT_COPY_DIR) stores.push(directoryStore(config.AUDIT_COPY_DIR));
  if (config.AUDIT_COPY_S3_BUCKET) stores.push(s3Store(config.AUDIT_COPY_S3_BUCKET, config.AUDIT_COPY_S3_PREFIX));
  return stores;
}
