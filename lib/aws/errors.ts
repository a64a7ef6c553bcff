// Turns AWS SDK errors into short, credential-free codes and messages that can be stored and shown.
// Nothing here keeps a reference to the SDK error (its $response or cause could carry request data).

export class AwsCallError extends Error {
  constructor(
    /** AWS error code (AccessDenied, Throttling, ...) or TimeoutError / Unknown. */
    public readonly code: string,
    /** For the server log: the hint plus AWS's own (redacted) message, which can name ARNs and hosts. */
    message: string,
    /** Which call failed, e.g. "sts:AssumeRoot". */
    public readonly operation: string,
    /** For people (stored, shown to viewers): what happened and what to do, without AWS's text. */
    public readonly publicMessage: string = describeAwsError(code, operation),
  ) {
    super(message);
    this.name = "AwsCallError";
  }
}

const HINTS: Record<string, string> = {
  AccessDenied:
    "Access denied. Check that the caller has sts:AssumeRoot for this task policy, that RootSessions is enabled for the organization and that the account is a member.",
  AccessDeniedException: "Access denied by AWS Organizations. Run Rootwarden from the management or IAM delegated-admin account.",
  Throttling: "AWS kept throttling the calls (Rate exceeded) after every retry; the next scan will try again.",
  ThrottlingException: "AWS kept throttling the calls (Rate exceeded) after every retry; the next scan will try again.",
  TooManyRequestsException: "AWS Organizations kept throttling the calls after every retry; try again later.",
  TimeoutError: "AWS did not answer in time; the next scan will try again.",
  AbortError: "The audit took too long and was stopped; the next scan will try again.",
  RegionDisabledException: "STS is not activated in the configured Region; activate it or set AWS_REGION to another Region.",
  ExpiredTokenException: "The root session expired before the audit finished; the next scan will try again.",
  ServiceAccessNotEnabledException: "IAM trusted access is not enabled for the organization (organizations:EnableAWSServiceAccess for iam.amazonaws.com).",
  AccountNotManagementOrDelegatedAdministratorException:
    "The caller is neither the management account nor the IAM delegated administrator.",
};

// Session access key ids, 40-character secrets and long session tokens, whatever the message says,
// also percent-encoded (a token echoed from a query string or form body has %2B, %2F and %3D in it).
const SECRET_PATTERNS = [/\b(?:ASIA|AKIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, /(?:[A-Za-z0-9/+=]|%2[BbFf]|%3[Dd]){40,}/g];

/** Removes anything that looks like a credential, and the given exact values (raw and percent-encoded). */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("[redacted]");
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, "[redacted]");
  return out;
}

export function awsErrorCode(err: unknown): string {
  if (!err || typeof err !== "object") return "Unknown";
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  const raw = [e.Code, e.name, e.code].find((v): v is string => typeof v === "string" && v !== "Error");
  return raw ?? "Unknown";
}

export function isAwsError(err: unknown, ...codes: string[]): boolean {
  const code = awsErrorCode(err);
  // SDK v3 names modeled errors "<Code>Exception" (NoSuchEntity -> NoSuchEntityException).
  return codes.some((c) => code === c || code === `${c}Exception`);
}

/** A message for people from the code alone: the hint when there is one, else what failed and where to look. */
export function describeAwsError(code: string, operation: string): string {
  return (
    HINTS[code] ??
    `${operation} failed (${code}). The next scan will try again; if it keeps failing, an administrator can find the details in the server log.`
  );
}

/** A new error safe to store, log and return: code, operation, hint and the redacted AWS message. */
export function toAwsCallError(err: unknown, operation: string, secrets: readonly string[] = []): AwsCallError {
  if (err instanceof AwsCallError) return err;
  const code = awsErrorCode(err);
  const awsMessage = err instanceof Error ? err.message : String(err);
  const hint = HINTS[code];
  const detail = redactSecrets(awsMessage, secrets).slice(0, 300);
  const message = hint ? `${hint} (${operation}: ${detail})` : `${operation} failed: ${code}: ${detail}`;
  return new AwsCallError(code, message, operation);
}
