// When the app signs in through the local dev IdP (sim/idp), its demo users are listed on the sign-in
// page. Read over HTTP from the IdP itself: app code never imports sim/, and a real IdP never matches.
import { z } from "zod";
import type { TConfig } from "@/lib/config";
import { parseRoleGroups, rolesForGroups } from "./role-mapping";
import type { TRole } from "./roles";

const ZDevUsers = z.object({
  password: z.string(),
  users: z.array(z.object({ username: z.string(), name: z.string(), groups: z.array(z.string()), description: z.string() })),
});

export type TDevIdpUser = { username: string; name: string; description: string; roles: TRole[] };
export type TDevIdpUsers = { password: string; users: TDevIdpUser[] };

/** Only a loopback issuer can be the dev IdP; production issuers are never asked. */
export function isDevIdpIssuer(issuer: string | undefined): boolean {
  if (!issuer || !URL.canParse(issuer)) return false;
  const host = new URL(issuer).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

export async function fetchDevIdpUsers(
  config: Pick<TConfig, "OIDC_ISSUER" | "ROLE_GROUPS">,
  fetchImpl: typeof fetch = fetch,
): Promise<TDevIdpUsers | null> {
  if (!isDevIdpIssuer(config.OIDC_ISSUER)) return null;
  try {
    const res = await fetchImpl(`${config.OIDC_ISSUER?.replace(/\/+$/, "")}/dev/users`, {
      signal: AbortSignal.timeout(1500),
      cache: "no-store",
    });
    if (!res.ok) return null;
    const parsed = ZDevUsers.safeParse(await res.json());
    if (!parsed.success) return null;
    const mapping = parseRoleGroups(config.ROLE_GROUPS);
    return {
      password: parsed.data.password,
      users: parsed.data.users.map((u) => ({
        username: u.username,
        name: u.name,
        description: u.description,
        roles: rolesForGroups(u.groups, mapping),
      })),
    };
  } catch {
    // The list is a convenience: a local IdP that is down or is not ours just shows no list.
    return null;
  }
}
