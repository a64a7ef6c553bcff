// The embedded Postgres the demo uses: a real server on 127.0.0.1, data kept between runs, and no
// server process left behind after stop().
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isProcessAlive, startEmbeddedPostgres } from "./embedded-postgres";

const dir = mkdtempSync(path.join(os.tmpdir(), "rw-embedded-"));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}


describe("startEmbeddedPostgres", () => {
  it("serves a database, keeps its data across restarts and leaves no process after stop", async () => {
    const dataDir = path.join(dir, "data");
    const first = await startEmbeddedPostgres({ dataDir, port: 0 });
    expect(first.url()).toMatch(/^postgresql:\/\/rootwarden:[^@]+@127\.0\.0\.1:\d+\/rootwarden$/);
    await scalar(first.url(), "CREATE TABLE kept (n int)");
    await scalar(first.url(), "INSERT INTO kept VALUES (42)");
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    expect(isProcessAlive(pid)).toBe(true);
    await first.stop();
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      expect(await scalar(second.url(), "SELECT n FROM kept")).toEqual({ n: 42 });
      // Same password file, so the URL changes only by port.
      expect(second.url().split("@")[0]).toBe(first.url().split("@")[0]);
    } finally {
      await second.stop();
    }
  });

  it("only listens on the loopback interface", async () => {
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "loopback"), port: 0, ephemeral: true });
    try {
      expect(await scalar(server.url(), "SHOW listen_addresses")).toEqual({ listen_addresses: "127.0.0.1" });
    } finally {
      await server.stop();
    }
    expect(existsSync(path.join(dir, "loopback"))).toBe(false);
  });
});
