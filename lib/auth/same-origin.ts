// Cross-site request forgery guard for state-changing requests: the browser's Origin header must
// name this app. Cookies are SameSite=Lax already; this is the second, explicit line.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isMutatingMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The origin requests must come from: APP_URL's when configured (the public URL behind a load
 * balancer), else the origin the request itself was addressed to (local development).
 */
export function expectedOrigin(req: Request, appUrl: string | undefined): string {
  return new URL(appUrl ?? req.url).origin;
}

export type TOriginCheck = { ok: true } | { ok: false; reason: string };

/** Browsers send Origin on every POST/PUT/PATCH/DELETE, so a missing one is refused too. */
export function checkSameOrigin(req: Request, appUrl: string | undefined): TOriginCheck {
  const origin = req.headers.get("origin");
  const expected = expectedOrigin(req, appUrl);
  if (!origin || origin === "null") {
    return { ok: false, reason: `The request has no Origin header; send it from ${expected}.` };
  }
  let actual: string;
  try {
    actual = new URL(origin).origin;
  } catch {
    return { ok: false, reason: `The Origin header "${origin}" is not a valid origin.` };
  }
  if (actual !== expected) {
    return { ok: false, reason: `Cross-origin request refused: it came from ${actual}, expected ${expected}.` };
  }
  return { ok: true };
}
