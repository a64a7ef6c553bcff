// One outbound POST for the webhook and Slack channels: every connection through the SSRF guard,
// a 5 s deadline for the whole exchange, and redirects never followed (a 3xx is a failure).
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { BlockedAddressError, guardedLookup, isAllowedAddress, type TUrlPolicy } from "./url-guard";

export const POST_TIMEOUT_MS = 5000;
const MAX_RESPONSE_BYTES = 16 * 1024;

export type TPostResult = { status: number; body: string };

export function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { policy: TUrlPolicy; timeoutMs?: number },
): Promise<TPostResult> {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  // A literal IP is connected to without a lookup, so the guard checks it here.
  if (net.isIP(host) && !isAllowedAddress(host, options.policy)) return Promise.reject(new BlockedAddressError(host, host));
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.policy) as never,
        // A fresh connection each time: a pooled socket would skip the guard's lookup.
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs ?? POST_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8").slice(0, MAX_RESPONSE_BYTES) }));
        res.on("error", reject);
      },
    );
    req.on("error", (err: Error) => reject(err.name === "AbortError" || err.name === "TimeoutError" ? new Error(`no answer within ${(options.timeoutMs ?? POST_TIMEOUT_MS) / 1000} s`) : err));
    req.end(body);
  });
}
