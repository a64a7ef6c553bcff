// The SSRF guard for webhook and Slack URLs: https only, no credentials in the URL, and no
// loopback, private, link-local (cloud metadata) or reserved addresses, checked when a channel is
// saved and again on every connection (the resolved addresses, so DNS cannot point us inside).
import dns from "node:dns";
import net from "node:net";
import type { TConfig } from "@/lib/config";

export type TUrlPolicy = {
  /** http://127.0.0.1, http://localhost and http://[::1] (and those addresses): the demo and tests. */
  allowLoopback: boolean;
  /** RFC 1918, carrier-grade NAT and unique-local addresses: receivers inside the company network. */
  allowPrivate: boolean;
};

export function urlPolicy(config: Pick<TConfig, "DEMO_MODE" | "NODE_ENV" | "NOTIFY_ALLOW_PRIVATE_HOSTS">): TUrlPolicy {
  return { allowLoopback: config.DEMO_MODE || config.NODE_ENV === "test", allowPrivate: config.NOTIFY_ALLOW_PRIVATE_HOSTS };
}

export type TAddressClass = "public" | "loopback" | "private" | "reserved";

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const PRIVATE = new net.BlockList();
PRIVATE.addSubnet("10.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("172.16.0.0", 12, "ipv4");
PRIVATE.addSubnet("192.168.0.0", 16, "ipv4");
PRIVATE.addSubnet("100.64.0.0", 10, "ipv4");
PRIVATE.addSubnet("fc00::", 7, "ipv6");

// Never a webhook receiver: "this network", link-local (169.254.169.254 is the cloud metadata
// service), IETF/benchmark/documentation ranges, multicast, reserved, broadcast, and their IPv6 kin.
const RESERVED = new net.BlockList();
for (const [net4, bits] of [
  ["0.0.0.0", 8],
  ["169.254.0.0", 16],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  RESERVED.addSubnet(net4, bits, "ipv4");
}
RESERVED.addAddress("::", "ipv6");
RESERVED.addSubnet("fe80::", 10, "ipv6");
RESERVED.addSubnet("ff00::", 8, "ipv6");
RESERVED.addSubnet("2001:db8::", 32, "ipv6");
RESERVED.addSubnet("64:ff9b::", 96, "ipv6");

export function classifyAddress(address: string): TAddressClass {
  const family = net.isIP(address);
  if (family === 0) return "reserved";
  let ip = address;
  let type: "ipv4" | "ipv6" = family === 4 ? "ipv4" : "ipv6";
  // ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address inside.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) {
    ip = mapped[1];
    type = "ipv4";
  }
  if (LOOPBACK.check(ip, type)) return "loopback";
  if (RESERVED.check(ip, type)) return "reserved";
  if (PRIVATE.check(ip, type)) return "private";
  return "public";
}

export function isAllowedAddress(address: string, policy: TUrlPolicy): boolean {
  const cls = classifyAddress(address);
  return cls === "public" || (cls === "loopback" && policy.allowLoopback) || (cls === "private" && policy.allowPrivate);
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Checks a channel URL's form; the addresses a host name resolves to are checked on connection. */
export function checkOutboundUrl(raw: string, policy: TUrlPolicy): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a URL; give a full https:// URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not contain a user name or password" };
  const host = url.hostname.toLowerCase();
  const loopbackName = LOOPBACK_NAMES.has(host) || host.endsWith(".localhost");
  if (url.protocol === "http:") {
    if (policy.allowLoopback && loopbackName) return { ok: true, url };
    return { ok: false, reason: "must be an https:// URL (plain http is allowed only for 127.0.0.1/localhost in the demo and tests)" };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "must be an https:// URL" };
  if (loopbackName && !policy.allowLoopback) return { ok: false, reason: "must not point at this machine (localhost)" };
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  if (net.isIP(literal) && !isAllowedAddress(literal, policy)) {
    return { ok: false, reason: `must not point at a ${classifyAddress(literal)} address (${literal}); use a public host name` };
  }
  return { ok: true, url };
}

export class BlockedAddressError extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a ${classifyAddress(address)} address; refused (see NOTIFY_ALLOW_PRIVATE_HOSTS)`);
    this.name = "BlockedAddressError";
  }
}

type TLookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A net/http `lookup` that resolves as usual and refuses the connection when any address is not allowed. */
export function guardedLookup(policy: TUrlPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: TLookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const blocked = addresses.find((a) => !isAllowedAddress(a.address, policy));
      if (blocked) return callback(new BlockedAddressError(hostname, blocked.address) as NodeJS.ErrnoException, []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}
