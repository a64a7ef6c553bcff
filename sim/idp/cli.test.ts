// Flag parsing for `npm run sim:idp`: defaults, and clear errors for bad flags.
import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./cli";

describe("sim:idp flags", () => {
  it("defaults to the local app's client", () => {
    expect(parseCliArgs([])).toEqual({
      port: 4000,
      clientId: "rootwarden",
      clientSecret: "rootwarden-dev-secret",
      redirectUris: ["http://127.0.0.1:3000/api/auth/callback/oidc"],
    });
  });

  it("accepts several redirect URIs and port 0", () => {
    const o = parseCliArgs(["--port", "0", "--redirect-uri", "http://127.0.0.1:1/a", "--redirect-uri", "http://127.0.0.1:2/b"]);
    expect(o.port).toBe(0);
    expect(o.redirectUris).toEqual(["http://127.0.0.1:1/a", "http://127.0.0.1:2/b"]);
  });

  it.each([
    [["--port", "http"], /--port must be a whole number/],
    [["--port", "70000"], /--port must be a whole number/],
    [["--redirect-uri", "not a url"], /--redirect-uri must be an http\(s\) URL/],
    [["--client-secret", "short"], /at least 8 characters/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["positional"], /Unexpected argument 'positional'/],
  ])("rejects %j", (args, message) => {
    expect(() => parseCliArgs(args)).toThrow(message);
  });
});
