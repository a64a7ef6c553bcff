// Paths of the auth pages, shared by the proxy, page guards and next-auth (no imports: edge-safe).
export const SIGN_IN_PATH = "/signin";
/** next-auth's id of the one OIDC provider (also the last segment of the redirect URI). */
export const OIDC_PROVIDER_ID = "oidc";
export const NO_ACCESS_PATH = "/no-access";
/** Request header the proxy sets so a page guard can send people back where they were. */
export const REQUEST_PATH_HEADER = "x-rootwarden-path";
/** next-auth's session cookie; behind HTTPS with the __Host- prefix (lib/auth/session.ts). */
export const SESSION_COOKIE = "next-auth.session-token";
export const SESSION_COOKIE_NAMES = [SESSION_COOKIE, `__Host-${SESSION_COOKIE}`] as const;
