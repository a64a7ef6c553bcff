// Shared by auth tests: a test configuration and session cookies forged exactly as next-auth
// would set them (same encryption, same cookie name), so tests exercise the real decoding path.
import { parseConfig, type TConfig } from "@/lib/config";
import type { TRole } from "./roles";
import { encodeSessionCookie } from "./session";

export const TEST_SECRET = "test-secret-for-rootwarden-auth-tests-0123456789";

export function testConfig(overrides: Record<string, string> = {}): TConfig {
  return parseConfig({
    NODE_ENV: "test",
    APP_URL: "http://127.0.0.1:3000",
    AUTH_SECRET: TEST_SECRET,
    ROLE_GROUPS: "viewer:g-viewer,auditor:g-auditor,operator:g-operator,approver:g-approver,admin:g-admin",
    ...overrides,
  });
}

export async function sessionCookie(
  roles: TRole[],
  config: TConfig,
  extra: { uid?: string; sub?: string; signedInAt?: number } = {},
): Promise<string> {
  const sub = extra.sub ?? `test-${roles.join("-") || "norole"}`;
  const cookie = await encodeSessionCookie(
    {
      sub,
      uid: extra.uid ?? "00000000-0000-4000-8000-000000000001",
      email: `${sub}@example.test`,
      name: sub,
      roles,
      signedInAt: extra.signedInAt ?? Math.floor(Date.now() / 1000),
    },
    config,
  );
  return cookie.header;
}
