// `npm run sim:idp`: runs the dev IdP on its own and prints one JSON line with what the app needs
// (issuer, client id and secret). Flags: --port, --client-id, --client-secret, --redirect-uri (repeatable).
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEMO_ROLE_GROUPS, startIdp } from "./server";

const USAGE = `Usage: npm run sim:idp -- [--port 4000] [--client-id rootwarden] [--client-secret rootwarden-dev-secret]
                        [--redirect-uri http://127.0.0.1:3000/api/auth/callback/oidc ...]`;

export type TCliOptions = { port: number; clientId: string; clientSecret: string; redirectUris: string[] };

/** Parses the flags; throws an Error whose message says what is wrong. */
export function parseCliArgs(args: string[]): TCliOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string", default: "4000" },
      "client-id": { type: "string", default: "rootwarden" },
      "client-secret": { type: "string", default: "rootwarden-dev-secret" },
      "redirect-uri": { type: "string", multiple: true, default: ["http://127.0.0.1:3000/api/auth/callback/oidc"] },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535 (0 = any free port), got "${values.port}"`);
  }
  const clientId = values["client-id"].trim();
  const clientSecret = values["client-secret"];
  if (clientId === "") throw new Error("--client-id must not be empty");
  if (clientSecret.length < 8) throw new Error("--client-secret must be at least 8 characters");
  for (const uri of values["redirect-uri"]) {
    if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
      throw new Error(`--redirect-uri must be an http(s) URL, got "${uri}"`);
    }
  }
  return { port, clientId, clientSecret, redirectUris: values["redirect-uri"] };
}

async function main(): Promise<void> {
  let options: TCliOptions;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sim:idp: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
  const idp = await startIdp({ port: options.port, clients: [options] });
  process.stdout.write(
    `${JSON.stringify({ issuer: idp.issuer, clientId: options.clientId, clientSecret: options.clientSecret, roleGroups: DEMO_ROLE_GROUPS })}\n`,
  );
  const stop = () => {
    idp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
