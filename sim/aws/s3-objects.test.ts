// S3 objects through the real SDK: put (string, Buffer and a file stream, which the SDK sends
// aws-chunked with a trailing checksum), get, head, list with pages, delete, If-None-Match, refusals.
import { mkdtempSync, rmSync, statSync, writeFileSync, createReadStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim, type AwsSim } from "./server";
import { activeMembers, errorOf, managementClients } from "./test-helpers";

let sim: AwsSim;
let tmp: string;
beforeAll(async () => {
  sim = await startAwsSim({ accounts: 40, seed: "s3sqs" });
  tmp = mkdtempSync(path.join(os.tmpdir(), "sim-s3-objects-"));
});
afterAll(async () => {
  await sim.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => sim.reset());

const mgmtBucket = () => sim.state.accounts.get(sim.managementAccountId)!.bucketNames[0]!;

describe("S3 objects", () => {
  it("puts, heads, gets, lists and deletes an object in the caller's bucket", async () => {
    const { s3 } = managementClients(sim);
    const Bucket = mgmtBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: "reports/a b.csv", Body: "id,name\r\n1,x\r\n", ContentType: "text/csv" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "reports/a b.csv" }));
    expect(head.ContentLength).toBe(14);
    expect(head.ContentType).toBe("text/csv");
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "reports/a b.csv" }));
    expect(await got.Body!.transformToString()).toBe("id,name\r\n1,x\r\n");
    const list = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "reports/" }));
    expect(list.Contents?.map((o) => [o.Key, o.Size])).toEqual([["reports/a b.csv", 14]]);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: "reports/a b.csv" }));
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: "reports/a b.csv" })))).name).toBe("NoSuchKey");
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: "reports/a b.csv" })))).name).toBe("NotFound");
  });

  it("takes a file stream body (aws-chunked with a trailing checksum) byte for byte", async () => {
    const { s3 } = managementClients(sim);
    const Bucket = mgmtBucket();
    const file = path.join(tmp, "big.bin");
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 0);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    writeFileSync(file, bytes);
    await s3.send(new PutObjectCommand({ Bucket, Key: "big.bin", Body: createReadStream(file), ContentLength: statSync(file).size }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "big.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it("refuses a second write with If-None-Match: * (412) and keeps the first", async () => {
    const { s3 } = managementClients(sim);
    const Bucket = mgmtBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: "once.txt", Body: "first", IfNoneMatch: "*" }));
    const err = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: "once.txt", Body: "second", IfNoneMatch: "*" })));
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: "once.txt" }))).Body!.transformToString()).toBe("first");
  });

  it("pages ListObjectsV2 with MaxKeys and ContinuationToken", async () => {
    const { s3 } = managementClients(sim);
    const Bucket = mgmtBucket();
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket, Key: `p/${i}.txt`, Body: String(i) }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "other.txt", Body: "x" }));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "p/", MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toEqual(["p/0.txt", "p/1.txt", "p/2.txt", "p/3.txt", "p/4.txt"]);
  });

  it("refuses a missing bucket and another account's bucket", async () => {
    const { s3 } = managementClients(sim);
    expect((await errorOf(s3.send(new PutObjectCommand({ Bucket: "no-such-bucket-here", Key: "k", Body: "x" })))).name).toBe("NoSuchBucket");
    const other = activeMembers(sim, (a) => a.bucketNames.length > 0)[0]!;
    expect((await errorOf(s3.send(new PutObjectCommand({ Bucket: other.bucketNames[0]!, Key: "k", Body: "x" })))).name).toBe("AccessDenied");
  });

  it("forgets objects on reset", async () => {
    const { s3 } = managementClients(sim);
    const Bucket = mgmtBucket();
    await s3.send(new PutObjectCommand({ Bucket, Key: "gone.txt", Body: "x" }));
    sim.reset();
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: "gone.txt" })))).name).toBe("NoSuchKey");
  });
});
