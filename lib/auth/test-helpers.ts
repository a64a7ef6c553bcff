// Shared by auth tests: a test configuration and session cookies forged exactly as next-auth
// would set them (same encryption, same cookie name), so tests exercise the real decoding path.
// With `db`, the cookie's server-side session is a real UserSession row (of a real user); without,
// it is open in `testSessions`, the store that pure unit tests hand to the code under test.
import { randomUUID } from "node:crypto";
import { parseConfig, type TConfig } from "@/lib/config";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TRole } from "./roles";
import { encodeSessionCookie } from "./session";
import { createUserSession, type TSessionStore } from "./user-sessions";

export const TEST_SECRET = "test-secret-for-rootwarden-auth-tests-0123456789";
export const TEST_ISSUER = "https://idp.rootwarden.test";

export function testConfig(overrides: Record<string, string> = {}): TConfig {
  return parseConfig({
    NODE_ENV: "test",
    APP_URL: "http://127.0.0.1:3000",
    AUTH_SECRET: TEST_SECRET,
    ROLE_GROUPS: "viewer:g-viewer,auditor:g-auditor,operator:g-operator,approver:g-approver,admin:g-admin",
    ...overrides,
  });
}

const openTestSessions = new Set<string>();
export const testSessions: TSessionStore & { end(sessionId: string): void } = {
  isActive: async (sessionId) => openTestSessions.has(sessionId),
  end: (sessionId) => void openTestSessions.delete(sessionId),
};

/** authTime: the IdP's auth_time in seconds (default: signedInAt); null for an IdP that sends none. */
export type TTestSessionExtra = { uid?: string; sub?: string; signedInAt?: number; authTime?: number | null; db?: PrismaClient };

export async function sessionCookie(
  roles: TRole[],
  config: TConfig,
  extra: TTestSessionExtra = {},
): Promise<string> {
  return (await testSession(roles, config, extra)).header;
}

/** A cookie and the ids behind it. */
export async function testSession(
  roles: TRole[],
  config: TConfig,
  extra: TTestSessionExtra = {},
): Promise<{ header: string; value: string; userId: string; sessionId: string }> {
  const sub = extra.sub ?? `test-${roles.join("-") || "norole"}`;
  const signedInAt = extra.signedInAt ?? Math.floor(Date.now() / 1000);
  const authTime = extra.authTime === undefined ? signedInAt : extra.authTime;
  let uid = extra.uid ?? "00000000-0000-4000-8000-000000000001";
  let sid: string = randomUUID();
  if (extra.db) {
    const user = await extra.db.user.upsert({
      where: { id: uid },
      create: { id: uid, issuer: TEST_ISSUER, subject: sub, email: `${sub}@example.test`, roles, groups: [] },
      update: {},
    });
    uid = user.id;
    sid = await createUserSession(extra.db, {
      userId: uid,
      now: new Date(signedInAt * 1000),
      maxAgeSeconds: config.SESSION_MAX_AGE_HOURS * 3600,
      authTime: authTime === null ? null : new Date(authTime * 1000),
    });
  } else {
    openTestSessions.add(sid);
  }
  const cookie = await encodeSessionCookie({ sub, uid, sid, email: `${sub}@example.test`, name: sub, roles, signedInAt, authTime }, config);
  return { header: cookie.header, value: cookie.value, userId: uid, sessionId: sid };
}
