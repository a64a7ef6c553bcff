// Finds every page and route handler from the file system (app/**/page.tsx, app/**/route.ts), the
// way Next.js maps folders to URLs, so a probe covers a new route without anyone listing it.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type TSegment = { kind: "static"; value: string } | { kind: "dynamic" | "catch-all" | "optional-catch-all"; name: string };

export type TDiscoveredRoute = {
  kind: "page" | "route";
  /** The route as its folders name it, e.g. /accounts/[accountId]. */
  pattern: string;
  segments: TSegment[];
  file: string;
};

const PAGE_FILE = /^page\.(tsx|ts|jsx|js|mdx)$/;
const ROUTE_FILE = /^route\.(ts|tsx|js|mjs)$/;

export function discoverRoutes(appDir: string): TDiscoveredRoute[] {
  const found: TDiscoveredRoute[] = [];
  const walk = (dir: string, segments: TSegment[]) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const segment = toSegment(entry.name);
        // Private folders ("_name") are not routes at all.
        if (segment === "private") continue;
        walk(full, segment === null ? segments : [...segments, segment]);
      } else if (PAGE_FILE.test(entry.name) || ROUTE_FILE.test(entry.name)) {
        found.push({ kind: PAGE_FILE.test(entry.name) ? "page" : "route", pattern: toPattern(segments), segments, file: full });
      }
    }
  };
  walk(appDir, []);
  return found.sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** Builds a request path from a route's segments, each dynamic one replaced by an already-encoded value. */
export function fillPath(route: TDiscoveredRoute, value: (segment: TSegment) => string): string {
  const parts = route.segments.map((s) => (s.kind === "static" ? encodeURIComponent(s.value) : value(s)));
  return `/${parts.join("/")}`;
}

/**
 * Query keys worth probing: names that app/ and lib/ read from search params (zod query schemas,
 * searchParams.get, params.x in pages), so new filters are probed as soon as they are read.
 */
export function discoverQueryKeys(rootDir: string): string[] {
  const keys = new Set<string>();
  const patterns = [
    /searchParams\.(?:get|getAll|has)\(\s*["'`]([\w-]+)["'`]/g,
    /\bparams\.([a-zA-Z_]\w*)/g,
    /\bparams\[\s*["'`]([\w-]+)["'`]\s*\]/g,
  ];
  const schema = /\bZ\w*(?:Query|Params)\s*=\s*z\s*\.object\(\{([\s\S]*?)\n {0,2}\}\)/g;
  for (const file of sourceFiles([path.join(rootDir, "app"), path.join(rootDir, "lib")])) {
    const text = readFileSync(file, "utf8");
    for (const p of patterns) for (const m of text.matchAll(p)) keys.add(m[1]);
    for (const m of text.matchAll(schema)) for (const k of topLevelKeys(m[1])) keys.add(k);
  }
  for (const builtIn of ["then", "get", "getAll", "has", "toString", "valueOf"]) keys.delete(builtIn);
  return [...keys].sort();
}

/** The keys of an object literal's body: the least-indented "key:" lines (nested options are deeper). */
function topLevelKeys(body: string): string[] {
  const lines = [...body.matchAll(/^( +)([a-zA-Z_]\w*)\s*:/gm)];
  const indent = Math.min(...lines.map((l) => l[1].length));
  return lines.filter((l) => l[1].length === indent).map((l) => l[2]);
}

function toSegment(name: string): TSegment | null | "private" {
  if (name.startsWith("_")) return "private";
  // Route groups "(name)" and parallel-route slots "@name" do not appear in the URL.
  if (/^\(.*\)$/.test(name) || name.startsWith("@")) return null;
  let m = /^\[\[\.\.\.(\w+)\]\]$/.exec(name);
  if (m) return { kind: "optional-catch-all", name: m[1] };
  m = /^\[\.\.\.(\w+)\]$/.exec(name);
  if (m) return { kind: "catch-all", name: m[1] };
  m = /^\[(\w+)\]$/.exec(name);
  if (m) return { kind: "dynamic", name: m[1] };
  return { kind: "static", value: name };
}

function toPattern(segments: TSegment[]): string {
  const parts = segments.map((s) =>
    s.kind === "static" ? s.value : s.kind === "dynamic" ? `[${s.name}]` : s.kind === "catch-all" ? `[...${s.name}]` : `[[...${s.name}]]`,
  );
  return `/${parts.join("/")}`;
}

function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated" && entry.name !== "node_modules") walk(full);
      } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        out.push(full);
      }
    }
  };
  for (const d of dirs) walk(d);
  return out;
}
