// Hostile input never answers 500: every page and every API route found under app/ (by file, so a
// new route is probed the day it lands) gets NUL, invalid UTF-8, __proto__, huge numbers, 10,000
// characters and repeated keys in its dynamic segments and query string, and malformed, deeply
// nested and huge bodies, over real HTTP against the production build, signed in as admin.
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { discoverQueryKeys, discoverRoutes, fillPath, type TDiscoveredRoute } from "./helpers/discover-routes";
import { signIn } from "./helpers/sign-in";

const ROOT = path.resolve(import.meta.dirname, "..");
const ROUTES = discoverRoutes(path.join(ROOT, "app"));
const QUERY_KEYS = discoverQueryKeys(ROOT);
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

// Already percent-encoded, as they travel in a URL.
const HOSTILE_VALUES = [
  "%00",
  "a%00b",
  "%ff%fe",
  "%C0%AF",
  "%E0%80%80",
  "%ED%A0%80",
  "%",
  "%zz",
  "__proto__",
  "constructor",
  "prototype",
  "99999999999999999999999999999999",
  "1e309",
  "-1",
  "NaN",
  "%0d%0aSet-Cookie:%20x=1",
  "..%2f..%2f",
  "x".repeat(10_000),
];

const DEEP = 100_000;
const BODIES: { name: string; contentType: string; data: string | Buffer }[] = [
  { name: "malformed JSON", contentType: "application/json", data: '{"scope": {' },
  { name: "empty", contentType: "application/json", data: "" },
  { name: "null", contentType: "application/json", data: "null" },
  { name: "a string", contentType: "application/json", data: '"scope"' },
  { name: "an array", contentType: "application/json", data: "[1,2,3]" },
  { name: "a huge number", contentType: "application/json", data: "1e999999" },
  { name: "invalid UTF-8", contentType: "application/json", data: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: "NUL in a string", contentType: "application/json", data: '{"scope":{"type":"OU","ouId":"\\u0000"}}' },
  { name: "prototype keys", contentType: "application/json", data: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"scope":{"__proto__":{"type":"ORG"}}}' },
  { name: "arrays where scalars belong", contentType: "application/json", data: '{"scope":{"type":["ORG"],"ouId":["r-ab12"],"accountIds":"123456789012"}}' },
  { name: "wrong types", contentType: "application/json", data: '{"scope":{"type":"ACCOUNTS","accountIds":[1e309,null,{},[]]}}' },
  { name: "deeply nested arrays", contentType: "application/json", data: "[".repeat(DEEP) + "]".repeat(DEEP) },
  { name: "deeply nested objects", contentType: "application/json", data: '{"scope":'.repeat(DEEP) + "1" + "}".repeat(DEEP) },
  { name: "huge (5 MB)", contentType: "application/json", data: `{"scope":"${"x".repeat(5_000_000)}"}` },
  { name: "10,000 ids", contentType: "application/json", data: JSON.stringify({ scope: { type: "ACCOUNTS", accountIds: Array.from({ length: 10_000 }, () => "%00") } }) },
  { name: "text/plain", contentType: "text/plain", data: "scope=ORG" },
  { name: "form", contentType: "application/x-www-form-urlencoded", data: "scope[type]=ORG&__proto__[x]=1" },
  { name: "multipart without boundary", contentType: "multipart/form-data", data: "--x\r\n\r\n" },
];

type TProbe = { method: string; url: string; contentType?: string; data?: string | Buffer };
type TFailure = { probe: string; status: number; body: string };

test.describe.configure({ timeout: 300_000 });

test("the probe finds the app's pages and API routes from the file system", () => {
  // A guard on the walker itself, not a list of what is probed: every discovered route is probed below.
  const patterns = ROUTES.map((r) => `${r.kind} ${r.pattern}`);
  expect(patterns).toContain("page /accounts/[accountId]");
  expect(patterns).toContain("page /requests/[requestId]");
  expect(patterns).toContain("route /api/scans/[scanId]/cancel");
  expect(patterns).toContain("route /api/auth/[...nextauth]");
  expect(QUERY_KEYS).toEqual(expect.arrayContaining(["q", "status", "ouId", "error", "callbackUrl"]));
});

for (const route of ROUTES) {
  test(`${route.kind} ${route.pattern} answers hostile input without a 500`, async ({ page }) => {
    await signIn(page, "admin");
    const origin = new URL(page.url()).origin;
    const probes = route.kind === "page" ? pageProbes(route) : apiProbes(route);
    const failures = await runProbes(page.request, origin, probes);
    expect(failures, describeFailures(failures)).toEqual([]);
  });
}

test("signed-out visitors get no 500 from hostile input on any page or API route", async ({ request, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const probes = ROUTES.flatMap((route) => (route.kind === "page" ? pageProbes(route) : apiProbes(route).filter((_, i) => i % 7 === 0)));
  const failures = await runProbes(request, origin, probes);
  expect(failures, describeFailures(failures)).toEqual([]);
});

test("the fixed findings answer 400 with a readable message", async ({ page }) => {
  await page.goto("/signin?error=__proto__");
  await expect(page.getByRole("alert").filter({ hasText: "Sign-in failed" })).toBeVisible();
  await signIn(page, "admin");

  for (const url of ["/api/accounts?q=%00", "/api/accounts/%ff%fe", "/api/scans/%C0%AF", "/api/accounts/%C0%AF", "/api/auth/signin?callbackUrl=-1"]) {
    const res = await page.request.get(url);
    expect(res.status(), url).toBe(400);
    expect((await res.json()).error.code, url).toBe("BAD_REQUEST");
  }
  const origin = new URL(page.url()).origin;
  const cancel = await page.request.post("/api/scans/%ff%fe/cancel", { headers: { origin, "content-type": "application/json" }, data: "{}" });
  expect(cancel.status()).toBe(400);
  expect((await cancel.json()).error.message).toMatch(/not valid/i);

  for (const url of ["/accounts?q=%00", "/accounts/%ff%fe", "/accounts/%C0%AF"]) {
    const res = await page.goto(url);
    expect(res?.status(), url).toBe(400);
    await expect(page.getByRole("heading", { level: 1 }), url).toContainText("cannot be read");
  }
});

function apiProbes(route: TDiscoveredRoute): TProbe[] {
  const probes: TProbe[] = [];
  const plain = fillPath(route, () => "0");
  for (const method of METHODS) {
    for (const value of HOSTILE_VALUES) probes.push({ method, url: fillPath(route, () => value) });
    if (method === "GET") probes.push(...queryProbes(plain).map((url) => ({ method, url })));
    else for (const body of BODIES) probes.push({ method, url: plain, contentType: body.contentType, data: body.data });
  }
  return probes;
}

function pageProbes(route: TDiscoveredRoute): TProbe[] {
  const segmentProbes = HOSTILE_VALUES.map((value) => ({ method: "GET", url: fillPath(route, () => value) }));
  return [...(route.segments.some((s) => s.kind !== "static") ? segmentProbes : []), ...queryProbes(fillPath(route, () => "0")).map((url) => ({ method: "GET", url }))];
}

// Per query key a subset (each key costs a page render per value); path segments get them all.
const QUERY_VALUES = ["%00", "%ff%fe", "%C0%AF", "%", "__proto__", "constructor", "99999999999999999999999999999999", "1e309", "x".repeat(10_000)];

/** One key at a time (a bad key answering 400 first must not hide another), then each key repeated. */
function queryProbes(base: string): string[] {
  const urls: string[] = [];
  for (const key of QUERY_KEYS) {
    for (const value of QUERY_VALUES) urls.push(`${base}?${key}=${value}`);
    urls.push(`${base}?${key}=a&${key}=b&${key}=%00`, `${base}?${key}[]=1&${key}[__proto__]=x`);
  }
  urls.push(`${base}?__proto__=1&constructor=1&__proto__[admin]=1`);
  return urls;
}

async function runProbes(request: APIRequestContext, origin: string, probes: TProbe[]): Promise<TFailure[]> {
  const failures: TFailure[] = [];
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const probe = probes[next++];
      const res = await request.fetch(probe.url, {
        method: probe.method,
        headers: { origin, ...(probe.contentType ? { "content-type": probe.contentType } : {}) },
        data: probe.data,
        maxRedirects: 0,
        failOnStatusCode: false,
        timeout: 60_000,
      });
      if (res.status() >= 500) {
        failures.push({ probe: `${probe.method} ${probe.url.slice(0, 160)}`, status: res.status(), body: (await res.text()).slice(0, 200) });
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return failures;
}

function describeFailures(failures: TFailure[]): string {
  const lines = failures.slice(0, 40).map((f) => `${f.status} ${f.probe}\n    ${f.body.replace(/\s+/g, " ")}`);
  return `${failures.length} probes answered 5xx:\n${lines.join("\n")}`;
}
