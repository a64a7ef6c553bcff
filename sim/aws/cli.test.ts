// The standalone CLI: flag parsing, the JSON first line on stdout, and exit code 2 on bad flags.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./cli";

const cli = path.join(import.meta.dirname, "cli.ts");
const tsx = path.join(import.meta.dirname, "..", "..", "node_modules", ".bin", "tsx");

describe("parseCliArgs", () => {
  it("parses the documented flags", () => {
    expect(parseCliArgs(["--port", "0", "--accounts", "10", "--seed", "abc", "--latency-ms=5", "--features-disabled"])).toEqual({
      port: 0,
      accounts: 10,
      seed: "abc",
      latencyMs: 5,
      featuresEnabled: false,
    });
    expect(parseCliArgs(["--state-file", "/tmp/s.json", "--consolidated-billing"])).toEqual({ port: 4566, stateFile: "/tmp/s.json", featureSet: "CONSOLIDATED_BILLING" });
  });

  it("rejects bad values with a clear message", () => {
    expect(() => parseCliArgs(["--accounts", "0"])).toThrow(/--accounts must be between 1 and 50000/);
    expect(() => parseCliArgs(["--accounts", "many"])).toThrow(/whole number/);
    expect(() => parseCliArgs(["--wat"])).toThrow(/unknown flag --wat/);
    expect(() => parseCliArgs(["--state-file"])).toThrow(/--state-file needs a path/);
  });
});

describe("cli process", () => {
  it("prints the connection JSON as its first stdout line", async () => {
    const child = spawn(tsx, [cli, "--port", "0", "--accounts", "25", "--seed", "7"], { stdio: ["ignore", "pipe", "pipe"] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    child.kill("SIGTERM");
    const config = JSON.parse(line) as Record<string, string>;
    expect(Object.keys(config)).toEqual(["endpoint", "region", "accessKeyId", "secretAccessKey", "organizationId", "managementAccountId"]);
    expect(config.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("exits 2 on a bad flag", async () => {
    const child = spawn(tsx, [cli, "--accounts", "-3"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain("--accounts");
  });
});
