// The dev identity provider: a real OpenID Provider (oidc-provider) with the demo users and a small
// login form, for `npm run demo` and the end-to-end tests. Never used unless OIDC_ISSUER points at it.
import { generateKeyPairSync, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { interactionPolicy, type TAccount, type TOidcContext } from "oidc-provider";
import { createMemoryAdapter } from "./memory-adapter";
import { DEMO_PASSWORD, DEMO_USERS, findDemoUser, type TDemoUser } from "./users";

export { DEMO_GROUPS, DEMO_PASSWORD, DEMO_ROLE_GROUPS, DEMO_USERS, type TDemoUser } from "./users";

export type TIdpClient = { clientId: string; clientSecret: string; redirectUris: string[] };
export type TIdpOptions = {
  port?: number;
  clients: TIdpClient[];
  /**
   * false: the ID token carries only sub and the rest (email, name, groups) comes from userinfo,
   * as with Okta's org authorization server or Keycloak without "add to ID token". Default true.
   */
  claimsInIdToken?: boolean;
};
export type TIdp = { issuer: string; close(): Promise<void> };

/** Public list of demo users (no passwords beyond the shared demo one) for the app's sign-in page. */
export const DEMO_USERS_PATH = "/dev/users";

const SCOPES = ["openid", "email", "profile", "groups"];
const MAX_FORM_BYTES = 16_384;
/** The login form can back-date auth_time this far, so re-authentication can be tried without waiting. */
export const MAX_AUTH_AGE_MINUTES = 24 * 60;

export async function startIdp(options: TIdpOptions): Promise<TIdp> {
  if (options.clients.length === 0) throw new Error("startIdp needs at least one client.");
  // The issuer needs the port, so the provider is created once the server listens.
  const state: { provider?: { oidc: Provider; callback: TNodeHandler } } = {};
  const server = createServer((req, res) => {
    if (!state.provider) return sendHtml(res, 503, page("Starting", "<p>The identity provider is starting.</p>"));
    handle(state.provider, req, res).catch((err: unknown) => {
      console.error("dev IdP error:", err instanceof Error ? err.message : err);
      if (!res.headersSent) sendHtml(res, 500, page("Error", "<p>The dev identity provider failed; see its log.</p>"));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const oidc = createProvider(issuer, options.clients, options.claimsInIdToken ?? true);
  state.provider = { oidc, callback: oidc.callback() };
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function createProvider(issuer: string, clients: TIdpClient[], claimsInIdToken: boolean): Provider {
  const policy = interactionPolicy.base();
  // Ask for credentials on every sign-in (even with an IdP session) so the demo can switch users
  // after signing out of the app; ctx.oidc.result.login means this request just logged in.
  policy.get("login")?.checks.add(
    new interactionPolicy.Check("dev_login_each_time", "The dev IdP asks who you are at every sign-in", (ctx) =>
      ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
    ),
    0,
  );
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

  return new Provider(issuer, {
    adapter: createMemoryAdapter(),
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      // auth_time in every ID token (not only when max_age or prompt=login asked for it), as the app
      // checks it before approvals and break-glass executions.
      require_auth_time: true,
    })),
    scopes: SCOPES,
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    // By default put the requested claims (groups included) in the ID token, as Entra ID and a
    // configured Okta do; conformIdTokenClaims keeps them for userinfo only.
    conformIdTokenClaims: !claimsInIdToken,
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    jwks: { keys: [{ ...signingKey, kid: "dev-idp", use: "sig", alg: "RS256" }] },
    features: { devInteractions: { enabled: false } },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    findAccount: async (_ctx, sub) => accountFor(sub),
    // First-party app: grant what it asks for instead of showing a consent screen.
    loadExistingGrant: async (ctx: TOidcContext) => {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const existing = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
      if (existing) {
        const grant = await oidc.provider.Grant.find(existing);
        if (grant) return grant;
      }
      const grant = new oidc.provider.Grant({ clientId, accountId });
      const requested = typeof oidc.params?.scope === "string" ? oidc.params.scope : "openid";
      grant.addOIDCScope(requested.split(" ").filter((s) => SCOPES.includes(s)).join(" "));
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      const rows = Object.entries(out)
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`)
        .join("");
      ctx.body = page("Sign-in error", `<dl>${rows}</dl>`);
    },
  });
}

function accountFor(sub: string): TAccount | undefined {
  const user = DEMO_USERS.find((u) => u.subject === sub);
  if (!user) return undefined;
  return {
    accountId: user.subject,
    claims: () => ({
      sub: user.subject,
      email: user.email,
      email_verified: true,
      name: user.name,
      preferred_username: user.username,
      groups: user.groups,
    }),
  };
}

type TNodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

async function handle(
  { oidc: provider, callback }: { oidc: Provider; callback: TNodeHandler },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname === DEMO_USERS_PATH && req.method === "GET") {
    const users = DEMO_USERS.map(({ username, name, groups, description }) => ({ username, name, groups, description }));
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify({ password: DEMO_PASSWORD, users }));
    return;
  }
  const match = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(url.pathname);
  if (!match) return callback(req, res);

  const details = await provider.interactionDetails(req, res);
  if (details.uid !== match[1]) return sendHtml(res, 400, page("Sign-in error", "<p>This sign-in form has expired; start again from the app.</p>"));

  if (match[2] === "/abort" && req.method === "POST") {
    await provider.interactionFinished(req, res, { error: "access_denied", error_description: "The user cancelled sign-in." }, { mergeWithLastSubmission: false });
    return;
  }
  if (match[2] === "/login" && req.method === "POST") {
    const form = await readForm(req);
    const username = (form.get("username") ?? "").trim();
    const user = checkCredentials(username, form.get("password") ?? "");
    if (!user) return sendHtml(res, 401, loginPage(details.uid, username, "Unknown user or wrong password."));
    const age = authAgeMinutes(form.get("auth_age_minutes"));
    if (age === undefined) return sendHtml(res, 400, loginPage(details.uid, username, `"Report this sign-in as older" takes whole minutes from 0 to ${MAX_AUTH_AGE_MINUTES}.`));
    // ts is the auth_time the ID token will carry: now, or (for testing re-authentication) earlier.
    const ts = Math.floor(Date.now() / 1000) - age * 60;
    await provider.interactionFinished(req, res, { login: { accountId: user.subject, ts } }, { mergeWithLastSubmission: false });
    return;
  }
  if (!match[2] && req.method === "GET") {
    if (details.prompt.name !== "login") {
      // Consent is granted automatically (loadExistingGrant), so no other prompt should appear.
      return sendHtml(res, 400, page("Sign-in error", `<p>Unexpected prompt: ${escapeHtml(details.prompt.name)}</p>`));
    }
    const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : "";
    return sendHtml(res, 200, loginPage(details.uid, hint, null));
  }
  sendHtml(res, 405, page("Not allowed", "<p>Method not allowed.</p>"));
}

/** Empty means 0; undefined for anything that is not whole minutes within range. */
function authAgeMinutes(value: string | null): number | undefined {
  const text = (value ?? "").trim();
  if (text === "") return 0;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= MAX_AUTH_AGE_MINUTES ? n : undefined;
}

function checkCredentials(username: string, password: string): TDemoUser | undefined {
  const user = findDemoUser(username);
  const given = Buffer.from(password);
  const expected = Buffer.from(DEMO_PASSWORD);
  const ok = given.length === expected.length && timingSafeEqual(given, expected);
  return user && ok ? user : undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_FORM_BYTES) break;
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function loginPage(uid: string, username: string, error: string | null): string {
  const rows = DEMO_USERS.map(
    (u) =>
      `<tr><td><code>${escapeHtml(u.username)}</code></td><td>${escapeHtml(u.name)}</td><td>${escapeHtml(u.description)}</td></tr>`,
  ).join("");
  return page(
    "Sign in to the Rootwarden dev IdP",
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
  <label>Username <input id="username" name="username" value="${escapeHtml(username)}" required autofocus></label>
  <label>Password <input id="password" name="password" type="password" required></label>
  <details><summary>Testing</summary>
    <label>Report this sign-in as older, in minutes (auth_time in the past; Rootwarden then asks to sign in again before approvals)
      <input id="auth_age_minutes" name="auth_age_minutes" inputmode="numeric" pattern="[0-9]*" value=""></label>
  </details>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit" class="link">Cancel</button></form>
<h2>Demo users</h2>
<p>Password for all: <code>${escapeHtml(DEMO_PASSWORD)}</code></p>
<table><thead><tr><th>Username</th><th>Name</th><th>For</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#111}
label{display:block;margin:.5rem 0}input{display:block;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:.75rem;padding:.5rem 1rem}.link{background:none;border:none;color:#555;text-decoration:underline;cursor:pointer}
.error{color:#b00020}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}</style>
</head><body><p><strong>Development identity provider</strong> — not for production.</p><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}
