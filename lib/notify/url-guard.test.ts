// The SSRF guard's rules: which URLs a channel may have and which addresses a connection may reach.
import { describe, expect, it } from "vitest";
import { checkOutboundUrl, classifyAddress, isAllowedAddress, urlPolicy } from "./url-guard";

const PRODUCTION = { allowLoopback: false, allowPrivate: false };
const DEMO = { allowLoopback: true, allowPrivate: false };

describe("classifyAddress", () => {
  it.each([
    ["93.184.216.34", "public"],
    ["2606:4700::1111", "public"],
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd00::1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:a9fe:a9fe", "reserved"],
    ["169.254.169.254", "reserved"],
    ["fe80::1", "reserved"],
    ["0.0.0.0", "reserved"],
    ["::", "reserved"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["not an ip", "reserved"],
  ])("%s is %s", (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it("lets private addresses through only when allowed, reserved ones never", () => {
    expect(isAllowedAddress("10.0.0.1", { allowLoopback: false, allowPrivate: true })).toBe(true);
    expect(isAllowedAddress("169.254.169.254", { allowLoopback: true, allowPrivate: true })).toBe(false);
  });
});

describe("checkOutboundUrl", () => {
  it.each([
    ["https://hooks.slack.com/services/T0/B0/x", PRODUCTION, true],
    ["https://93.184.216.34/hook", PRODUCTION, true],
    ["http://hooks.example.com/x", PRODUCTION, false],
    ["http://127.0.0.1:9999/x", PRODUCTION, false],
    ["http://127.0.0.1:9999/x", DEMO, true],
    ["http://localhost:9999/x", DEMO, true],
    ["http://[::1]:9999/x", DEMO, true],
    ["http://example.com/x", DEMO, false],
    ["https://localhost/x", PRODUCTION, false],
    ["https://app.localhost/x", PRODUCTION, false],
    ["https://[::1]/x", PRODUCTION, false],
    ["https://169.254.169.254/latest/meta-data", DEMO, false],
    ["https://10.0.0.1/x", PRODUCTION, false],
    ["https://[fd00::1]/x", PRODUCTION, false],
    ["https://[::ffff:a00:1]/x", PRODUCTION, false],
    ["https://user:pass@example.com/x", PRODUCTION, false],
    ["file:///etc/passwd", DEMO, false],
    ["not a url", PRODUCTION, false],
  ])("%s -> %s", (url, policy, ok) => {
    expect(checkOutboundUrl(url, policy).ok).toBe(ok);
  });

  it("derives the policy from the configuration", () => {
    expect(urlPolicy({ DEMO_MODE: false, NODE_ENV: "production", NOTIFY_ALLOW_PRIVATE_HOSTS: false })).toEqual(PRODUCTION);
    expect(urlPolicy({ DEMO_MODE: true, NODE_ENV: "production", NOTIFY_ALLOW_PRIVATE_HOSTS: false })).toEqual(DEMO);
    expect(urlPolicy({ DEMO_MODE: false, NODE_ENV: "test", NOTIFY_ALLOW_PRIVATE_HOSTS: true })).toEqual({ allowLoopback: true, allowPrivate: true });
  });
});
