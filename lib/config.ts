// The environment, parsed and validated once with zod. Start-up fails with a message that names
// each bad variable and says what to set, instead of failing later somewhere deep.
import { z } from "zod";
import { RoleGroupsError, parseRoleGroups } from "./auth/role-mapping";
import { readKey } from "./notify/channel-secrets";
import { zIntString } from "./validation";

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .optional()
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes"].includes(v)));

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const url = (what: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), { message: `must be a full URL (${what})` });

export const ZConfig = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: zIntString(3000, 1, 65535),
  /** Public URL of the app, used for OIDC redirects and the same-origin check. */
  APP_URL: url("e.g. https://rootwarden.example.com"),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: "must be a postgres:// or postgresql:// URL",
  }),
  /** Where the embedded Postgres keeps its data when DATABASE_URL is unset. */
  EMBEDDED_PG_DIR: z.string().default(".data/postgres"),
  EMBEDDED_PG_PORT: zIntString(54329, 1, 65535),

  AUTH_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: "must be at least 32 characters (generate one with: openssl rand -base64 32)",
  }),
  OIDC_ISSUER: url("the issuer of your identity provider, e.g. https://example.okta.com"),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_SCOPES: z.string().default("openid email profile groups"),
  OIDC_GROUPS_CLAIM: z.string().min(1).default("groups"),
  OIDC_PROVIDER_NAME: z.string().default("SSO"),
  /** role:group[|group...] pairs, comma-separated, e.g. admin:platform-admins,approver:sec-approvers */
  ROLE_GROUPS: z
    .string()
    .default("")
    .superRefine((spec, ctx) => {
      // A typo here would silently leave people without roles; refuse to start instead.
      try {
        parseRoleGroups(spec);
      } catch (err) {
        if (!(err instanceof RoleGroupsError)) throw err;
        for (const problem of err.problems) ctx.addIssue({ code: "custom", message: problem });
      }
    }),
  /** A session ends this long after sign-in however active it is (at most a day). */
  SESSION_MAX_AGE_HOURS: zIntString(8, 1, 24),
  /** Approving or running a break-glass execution needs an IdP sign-in (auth_time) at most this old. */
  REAUTH_MAX_AGE_MINUTES: zIntString(15, 1, 1440),

  AWS_REGION: optionalString,
  /** Optional role to assume first (the management account or the IAM delegated-admin account). */
  AWS_ROLE_ARN: optionalString.refine((v) => v === undefined || /^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(v), {
    message: "must be an IAM role ARN like arn:aws:iam::123456789012:role/RootwardenAdmin",
  }),
  AWS_CALL_TIMEOUT_MS: zIntString(10_000, 100, 120_000),
  AWS_MAX_ATTEMPTS: zIntString(8, 1, 20),

  SCAN_CONCURRENCY: zIntString(64, 1, 512),
  SCAN_BATCH_SIZE: zIntString(50, 1, 1000),
  SCAN_INTERVAL_HOURS: zIntString(24, 0, 24 * 30),
  COMPLIANCE_FRESHNESS_HOURS: zIntString(48, 1, 24 * 90),
  /**
   * Scans one user may start per window, and accounts those scans may cover (each is a root session
   * GuardDuty may report). 0 turns a limit off. Scheduled scans are not counted.
   */
  SCAN_LIMIT_WINDOW_MINUTES: zIntString(60, 1, 24 * 60),
  SCAN_LIMIT_SCANS: zIntString(20, 0, 10_000),
  SCAN_LIMIT_ROOT_SESSIONS: zIntString(10_000, 0, 1_000_000),
  /** Run a job worker inside the web process (one machine needs nothing else). */
  WORKER_IN_WEB: bool(true),
  /** Set by `npm run demo` only: a production build served over plain http on 127.0.0.1. */
  DEMO_MODE: bool(false),

  /** Ed25519 private key signing audit checkpoints: a PEM, or the path of a PEM file. */
  AUDIT_SIGNING_KEY: optionalString,
  /** The audit log's origin line and signing key name (no spaces or "+"). */
  AUDIT_LOG_ORIGIN: z
    .string()
    .default("rootwarden/audit")
    .refine((v) => v !== "" && !/[\s+]/.test(v), { message: 'must be non-empty, without spaces or "+" (e.g. rootwarden.example.com/audit)' }),
  /** Directory that receives copies of the signed checkpoints (the demo uses .data/audit-copy). */
  AUDIT_COPY_DIR: optionalString,
  /** S3 bucket (Object Lock recommended) that receives copies of the signed checkpoints. */
  AUDIT_COPY_S3_BUCKET: optionalString,
  AUDIT_COPY_S3_PREFIX: z.string().default("rootwarden-audit/"),

  /** SMTP server for e-mail notification channels, e.g. smtps://user:pass@smtp.example.com:465. */
  SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), { message: "must be an smtp:// or smtps:// URL" }),
  /** Sender of notification e-mails. */
  NOTIFY_EMAIL_FROM: z.string().default("Rootwarden <rootwarden@localhost>"),
  /** Lets webhook and Slack channels reach private (RFC 1918, unique-local) addresses, for receivers inside your network. */
  NOTIFY_ALLOW_PRIVATE_HOSTS: bool(false),
  /** AES-256-GCM key for channel secrets at rest: 32 bytes as base64 or hex, or a file path; else derived from AUTH_SECRET. */
  NOTIFY_ENCRYPTION_KEY: optionalString,
  /** Former NOTIFY_ENCRYPTION_KEY values (comma-separated), still accepted to open values sealed under them. */
  NOTIFY_ENCRYPTION_KEYS_OLD: optionalString,
});

export type TConfig = z.infer<typeof ZConfig>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every variable.`);
    this.name = "ConfigError";
  }
}

/** Parses an environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): TConfig {
  const result = ZConfig.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const config = result.data;
  const problems = [...demoModeProblems(config), ...productionProblems(config), ...notifyKeyProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** True for http(s) URLs on 127.0.0.1, ::1 or localhost. */
export function isLoopbackUrl(value: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(value).hostname);
  } catch {
    return false;
  }
}

// DEMO_MODE relaxes the https rule, so it may only ever serve this machine.
function demoModeProblems(config: TConfig): string[] {
  if (!config.DEMO_MODE) return [];
  const appUrl = config.APP_URL ?? `http://127.0.0.1:${config.PORT}`;
  return isLoopbackUrl(appUrl)
    ? []
    : [`DEMO_MODE: only allowed when APP_URL is on this machine (127.0.0.1, ::1 or localhost); APP_URL is ${appUrl}. Unset DEMO_MODE for a real deployment.`];
}

// Production must never run with a guessable session secret, cleartext cookies or no real IdP.
function productionProblems(config: TConfig): string[] {
  if (config.NODE_ENV !== "production") return [];
  const problems: string[] = [];
  if (!config.AUTH_SECRET) problems.push("AUTH_SECRET: required in production (openssl rand -base64 32)");
  if (!config.APP_URL?.startsWith("https://") && !config.DEMO_MODE) problems.push("APP_URL: must be an https:// URL in production");
  if (!config.OIDC_ISSUER) problems.push("OIDC_ISSUER: required in production (your identity provider's issuer URL)");
  else if (!config.DEMO_MODE && !config.OIDC_ISSUER.startsWith("https://")) {
    problems.push("OIDC_ISSUER: must be an https:// URL in production (tokens and keys must not travel in cleartext)");
  } else if (!config.DEMO_MODE && isLoopbackUrl(config.OIDC_ISSUER)) {
    problems.push("OIDC_ISSUER: a local (loopback) identity provider is allowed only in the demo; set your IdP's issuer");
  } else if (config.DEMO_MODE && !config.OIDC_ISSUER.startsWith("https://") && !isLoopbackUrl(config.OIDC_ISSUER)) {
    problems.push("OIDC_ISSUER: must be an https:// URL unless it is the demo's local identity provider");
  }
  if (!config.OIDC_CLIENT_ID) problems.push("OIDC_CLIENT_ID: required in production");
  if (!config.OIDC_CLIENT_SECRET) problems.push("OIDC_CLIENT_SECRET: required in production");
  if (!config.AUDIT_SIGNING_KEY) {
    problems.push("AUDIT_SIGNING_KEY: required in production (an Ed25519 PEM or its path: openssl genpkey -algorithm ed25519 -out audit-key.pem)");
  }
  return problems;
}

// A bad key must stop start-up, not surface later as undeliverable notifications. Never names the value.
function notifyKeyProblems(config: TConfig): string[] {
  const problems: string[] = [];
  const entries: [string, string][] = [];
  if (config.NOTIFY_ENCRYPTION_KEY) entries.push(["NOTIFY_ENCRYPTION_KEY", config.NOTIFY_ENCRYPTION_KEY]);
  (config.NOTIFY_ENCRYPTION_KEYS_OLD ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((value, i) => entries.push([`NOTIFY_ENCRYPTION_KEYS_OLD (entry ${i + 1})`, value]));
  for (const [name, value] of entries) {
    try {
      readKey(value, name);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return problems;
}

let cached: TConfig | undefined;

/** The process's configuration, parsed on first use. */
export function getConfig(): TConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
