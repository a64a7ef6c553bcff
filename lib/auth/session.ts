// The session cookie: a JWT encrypted by next-auth with AUTH_SECRET. Route handlers and pages read
// it here (from a Request or from next/headers cookies) and turn it into an actor.
import { randomBytes } from "node:crypto";
import { decode, encode } from "next-auth/jwt";
import { z } from "zod";
import type { TConfig } from "@/lib/config";
import type { TActor } from "./actor";
import { SESSION_COOKIE } from "./paths";
import { isRole, type TRole } from "./roles";
import { postgresSessionStore, type TSessionStore } from "./user-sessions";


// Without AUTH_SECRET outside production, a secret made at random once per process (kept on
// globalThis: the server bundles this module into several chunks, which must agree). Sessions end
// when the process restarts; the demo persists a real AUTH_SECRET instead.
const globalForSecret = globalThis as unknown as { rootwardenEphemeralSecret?: string };

type TAuthConfig = Pick<TConfig, "NODE_ENV" | "APP_URL" | "AUTH_SECRET" | "SESSION_MAX_AGE_HOURS">;

export function isSecureDeployment(config: Pick<TConfig, "APP_URL">): boolean {
  return config.APP_URL?.startsWith("https://") ?? false;
}

/**
 * The session cookie's name. Behind HTTPS it carries the __Host- prefix: browsers then accept it
 * only when Secure, for Path=/ and without a Domain, so no sibling subdomain can set or shadow it.
 */
export function sessionCookieName(config: Pick<TConfig, "APP_URL">): string {
  return isSecureDeployment(config) ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

export function authSecret(config: Pick<TConfig, "NODE_ENV" | "AUTH_SECRET">): string {
  if (config.AUTH_SECRET) return config.AUTH_SECRET;
  if (config.NODE_ENV === "production") {
    throw new Error("AUTH_SECRET is not set: set it to a random value of 32+ characters (openssl rand -base64 32).");
  }
  return (globalForSecret.rootwardenEphemeralSecret ??= randomBytes(32).toString("base64url"));
}

export function sessionMaxAgeSeconds(config: Pick<TConfig, "SESSION_MAX_AGE_HOURS">): number {
  return config.SESSION_MAX_AGE_HOURS * 3600;
}

/** The claims Rootwarden keeps in the session JWT (next-auth adds iat/exp/jti). */
export const ZSessionClaims = z.object({
  sub: z.string().min(1),
  uid: z.string().min(1),
  /** The UserSession row of this sign-in; a cookie whose row is ended is no session. */
  sid: z.string().min(1),
  email: z.string().nullable().default(null),
  name: z.string().nullable().default(null),
  // Unknown role names (e.g. from an older release) are dropped rather than trusted.
  roles: z.array(z.string()).transform((roles) => roles.filter((r): r is TRole => isRole(r))),
  /** Seconds since epoch of the SSO sign-in; bounds the session's total life (see actorFromToken). */
  signedInAt: z.number().int().positive(),
  /** Seconds since epoch of the IdP authentication (ID token auth_time); null when unknown or an older cookie. */
  authTime: z.number().int().positive().nullable().default(null),
});
export type TSessionClaims = z.infer<typeof ZSessionClaims>;

/**
 * An actor from decoded JWT claims, or null when the claims are not ours or the session is older
 * than SESSION_MAX_AGE_HOURS since sign-in (next-auth renews exp on activity; this bound does not move).
 */
export function actorFromClaims(claims: unknown, config: TAuthConfig, nowSeconds = Date.now() / 1000): TActor | null {
  const parsed = ZSessionClaims.safeParse(claims);
  if (!parsed.success) return null;
  const c = parsed.data;
  if (nowSeconds - c.signedInAt > sessionMaxAgeSeconds(config)) return null;
  const authTime = c.authTime === null ? null : new Date(c.authTime * 1000);
  return { userId: c.uid, subject: c.sub, email: c.email, name: c.name, roles: c.roles, authTime };
}

type TCookie = { name: string; value: string };

/** Reassembles next-auth's cookie, which it splits into name.0, name.1, ... when it exceeds 4 KB. */
export function sessionTokenFromCookies(cookies: readonly TCookie[], config: Pick<TConfig, "APP_URL">): string | null {
  const name = sessionCookieName(config);
  const whole = cookies.find((c) => c.name === name);
  if (whole) return whole.value;
  const chunks = cookies
    .map((c) => ({ c, m: c.name.startsWith(`${name}.`) ? /^\d+$/.exec(c.name.slice(name.length + 1)) : null }))
    .filter((x): x is { c: TCookie; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[0]) - Number(b.m[0]));
  return chunks.length > 0 ? chunks.map((x) => x.c.value).join("") : null;
}

export type TSessionDeps = { sessions?: TSessionStore; now?: Date };

const defaultSessions = postgresSessionStore();

/** The actor of a valid cookie whose server-side session is still open, else null. */
export async function actorFromCookies(cookies: readonly TCookie[], config: TAuthConfig, deps: TSessionDeps = {}): Promise<TActor | null> {
  const token = sessionTokenFromCookies(cookies, config);
  if (!token) return null;
  const now = deps.now ?? new Date();
  let claims: Readonly<Record<string, unknown>> | null;
  try {
    claims = await decodeSessionToken(token, authSecret(config), now);
  } catch {
    // Tampered, expired or signed with another secret: the same as no session.
    return null;
  }
  const actor = claims ? actorFromClaims(claims, config, now.getTime() / 1000) : null;
  if (!actor) return null;
  const active = await (deps.sessions ?? defaultSessions).isActive(String(claims!.sid), now);
  return active ? actor : null;
}

/** The session id (UserSession row) a cookie names, whether or not the session is still open. */
export async function sessionIdFromToken(token: string, config: TAuthConfig): Promise<string | null> {
  try {
    const claims = await decode({ token, secret: authSecret(config) });
    return typeof claims?.sid === "string" ? claims.sid : null;
  } catch {
    return null;
  }
}

/** The session id the request's cookie names (open or not), e.g. the session a new sign-in replaces. */
export async function sessionIdFromRequest(req: Request, config: TAuthConfig): Promise<string | null> {
  const token = sessionTokenFromCookies(parseCookieHeader(req.headers.get("cookie")), config);
  return token ? sessionIdFromToken(token, config) : null;
}

// Decrypting a cookie (an HKDF key derivation, then AES-GCM) is most of the cost of reading a
// session, and the same cookie comes with every request a page makes. So the claims of a cookie that
// decrypted are kept (bounded, per secret); what can change with time is checked again on each use,
// exactly as jose checks it inside decode(): exp and nbf with next-auth's 15 s tolerance.
const CLOCK_TOLERANCE_SECONDS = 15;
const DECODED_TOKENS_MAX = 1000;
let decodedTokens: { secret: string; claims: Map<string, Readonly<Record<string, unknown>>> } | null = null;

async function decodeSessionToken(token: string, secret: string, now: Date): Promise<Readonly<Record<string, unknown>> | null> {
  if (decodedTokens?.secret !== secret) decodedTokens = { secret, claims: new Map() };
  const cache = decodedTokens.claims;
  const known = cache.get(token);
  if (known) {
    if (withinValidity(known, Math.floor(now.getTime() / 1000))) return known;
    cache.delete(token);
    return null;
  }
  // Throws when tampered, expired or encrypted with another secret.
  const claims = Object.freeze(await decode({ token, secret }));
  if (!claims) return null;
  if (cache.size >= DECODED_TOKENS_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, claims);
  return claims;
}

function withinValidity(claims: Readonly<Record<string, unknown>>, nowSeconds: number): boolean {
  const { exp, nbf } = claims;
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS)) return false;
  if (exp !== undefined && (typeof exp !== "number" || exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS)) return false;
  return true;
}

/** The actor of a route handler's request, from its Cookie header. */
export async function actorFromRequest(req: Request, config: TAuthConfig, deps: TSessionDeps = {}): Promise<TActor | null> {
  return actorFromCookies(parseCookieHeader(req.headers.get("cookie")), config, deps);
}

/** A session cookie exactly as next-auth would set it (for tests and scripts that act as a user). */
export async function encodeSessionCookie(
  claims: z.input<typeof ZSessionClaims>,
  config: TAuthConfig,
): Promise<{ name: string; value: string; header: string }> {
  const value = await encode({ token: claims, secret: authSecret(config), maxAge: sessionMaxAgeSeconds(config) });
  const name = sessionCookieName(config);
  return { name, value, header: `${name}=${value}` };
}

export function parseCookieHeader(header: string | null): TCookie[] {
  if (!header) return [];
  const cookies: TCookie[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (name) cookies.push({ name, value });
  }
  return cookies;
}
