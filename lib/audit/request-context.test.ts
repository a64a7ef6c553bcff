// Request metadata for audit events: the source IP is the entry our own proxy appended, never one
// the client wrote itself.
import { describe, expect, it } from "vitest";
import { requestMetaFromHeaders } from "./request-context";

describe("requestMetaFromHeaders", () => {
  it("takes the last X-Forwarded-For entry, which the load balancer appended", () => {
    const meta = requestMetaFromHeaders(new Headers({ "x-forwarded-for": "10.1.2.3, 198.51.100.7", "user-agent": "ua", "x-request-id": "r1" }));
    expect(meta).toEqual({ ip: "198.51.100.7", userAgent: "ua", requestId: "r1" });
  });

  it("falls back to X-Real-IP, and to nothing", () => {
    expect(requestMetaFromHeaders(new Headers({ "x-real-ip": "192.0.2.1" })).ip).toBe("192.0.2.1");
    expect(requestMetaFromHeaders(new Headers({ "x-forwarded-for": " , " })).ip).toBeNull();
  });
});
