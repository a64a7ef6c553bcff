// next-auth configuration: one generic OpenID Connect provider from the environment (Okta, Entra ID,
// Keycloak, Google Workspace or the dev IdP), signed-cookie JWT sessions, roles from IdP groups.
import type { AuthOptions, Profile } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { getConfig, type TConfig } from "@/lib/config";
import type { PrismaClient } from "@/lib/db/generated/client";
import { safeCallbackPath } from "./callback-url";
import { OIDC_PROVIDER_ID, SIGN_IN_PATH } from "./paths";
import { groupsFromClaim, parseRoleGroups, rolesForGroups } from "./role-mapping";
import { authSecret, isSecureDeployment, sessionCookieName, sessionMaxAgeSeconds, type TSessionClaims } from "./session";
import { previousSessionId } from "./previous-session";
import { upsertUserAtSignIn } from "./upsert-user";
import { signOutSession } from "./sign-out";

export { OIDC_PROVIDER_ID };

type TOidcProfile = Profile & Record<string, unknown>;

/** The app's public URL: APP_URL, else (development only) the local server. */
export function appBaseUrl(config: Pick<TConfig, "APP_URL" | "PORT">): string {
  return (config.APP_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, "");
}

/** The redirect URI to register with the IdP. */
export function oidcCallbackUrl(config: Pick<TConfig, "APP_URL" | "PORT">): string {
  return `${appBaseUrl(config)}/api/auth/callback/${OIDC_PROVIDER_ID}`;
}

export function isOidcConfigured(config: TConfig): boolean {
  return Boolean(config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET);
}

export function buildAuthOptions(config: TConfig, deps: { db?: PrismaClient } = {}): AuthOptions {
  // Fails on a bad ROLE_GROUPS before anyone can sign in with a mapping that was not meant.
  const roleGroups = parseRoleGroups(config.ROLE_GROUPS);
  const groupsClaim = config.OIDC_GROUPS_CLAIM;
  const maxAge = sessionMaxAgeSeconds(config);

  const providers: OAuthConfig<TOidcProfile>[] = [];
  if (isOidcConfigured(config)) {
    const issuer = (config.OIDC_ISSUER ?? "").replace(/\/+$/, "");
    providers.push({
      id: OIDC_PROVIDER_ID,
      name: config.OIDC_PROVIDER_NAME,
      type: "oauth",
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: config.OIDC_SCOPES } },
      checks: ["pkce", "state"],
      idToken: true,
      userinfo: {
        // Profile = verified ID token claims. Some IdPs (Okta's org server, Keycloak without an
        // "add to ID token" mapper) send groups, email or name only from userinfo: fill the gaps there.
        async request({ tokens, client }) {
          // client.callback() has verified the ID token (signature, issuer, audience, PKCE) by now.
          const claims = idTokenClaims(tokens.id_token);
          const complete = claims[groupsClaim] !== undefined && claims.email !== undefined;
          if (complete || !tokens.access_token || !client.issuer.metadata.userinfo_endpoint) return claims;
          const info = (await client.userinfo(tokens.access_token)) as Record<string, unknown>;
          if (info.sub !== claims.sub) throw new Error("The userinfo response is for another subject than the ID token.");
          return { ...info, ...claims };
        },
      },
      profile(profile) {
        const name = stringClaim(profile.name) ?? stringClaim(profile.preferred_username);
        return { id: profile.sub ?? "", email: stringClaim(profile.email), name, image: null };
      },
    });
  }

  return {
    providers,
    secret: authSecret(config),
    session: { strategy: "jwt", maxAge },
    jwt: { maxAge },
    useSecureCookies: isSecureDeployment(config),
    cookies: {
      // __Host- behind HTTPS (Secure, Path=/, no Domain); next-auth's default is only __Secure-.
      sessionToken: {
        name: sessionCookieName(config),
        options: { httpOnly: true, sameSite: "lax", path: "/", secure: isSecureDeployment(config) },
      },
    },
    events: {
      // Ends the session row (every copy of this cookie stops working) and records user.signed_out.
      signOut: ({ token }) => signOutSession(token, config, { db: deps.db }),
    },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    callbacks: {
      async jwt({ token, account, profile }) {
        // Only at sign-in do account/profile exist: roles are derived then and kept until the next
        // sign-in, so IdP group changes apply at the next sign-in at the latest.
        if (!account || !profile) return token;
        const raw = profile as TOidcProfile;
        const subject = stringClaim(raw.sub);
        if (!subject) throw new Error("The identity provider's ID token has no sub claim.");
        const groups = groupsFromClaim(raw[groupsClaim]);
        const roles = rolesForGroups(groups, roleGroups);
        const email = stringClaim(raw.email)?.toLowerCase() ?? null;
        const name = stringClaim(raw.name) ?? stringClaim(raw.preferred_username) ?? null;
        const issuer = stringClaim(raw.iss) ?? (config.OIDC_ISSUER ?? "").replace(/\/+$/, "");
        const now = new Date();
        const authTime = authTimeClaim(raw.auth_time);
        const user = await upsertUserAtSignIn(
          { issuer, subject, email, name, groups, roles, authTime: authTime === null ? null : new Date(authTime * 1000) },
          { db: deps.db, now, maxAgeSeconds: maxAge, previousSessionId: previousSessionId() },
        );
        const claims: TSessionClaims = {
          sub: subject,
          uid: user.id,
          sid: user.sessionId,
          email,
          name,
          roles,
          signedInAt: Math.floor(now.getTime() / 1000),
          authTime,
        };
        return claims;
      },
      async redirect({ url, baseUrl }) {
        // Only ever back into this app (no open redirect through callbackUrl).
        return `${baseUrl}${safeCallbackPath(url, baseUrl)}`;
      },
    },
  };
}

let cached: AuthOptions | undefined;

/** The process's auth options; also points next-auth (which reads NEXTAUTH_URL) at APP_URL. */
export function getAuthOptions(): AuthOptions {
  if (cached) return cached;
  const config = getConfig();
  process.env.NEXTAUTH_URL ??= appBaseUrl(config);
  cached = buildAuthOptions(config);
  return cached;
}

function idTokenClaims(idToken: string | undefined): TOidcProfile {
  const payload = idToken?.split(".")[1];
  if (!payload) throw new Error("The identity provider returned no ID token; check that the openid scope is requested.");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TOidcProfile;
}

// auth_time is a JSON number of seconds (OIDC Core 2); anything else counts as not sent.
function authTimeClaim(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : null;
}

function stringClaim(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}
