// What the sign-in page says for next-auth's ?error= codes; anything else gets a generic line.

const ERROR_MESSAGES: Record<string, string> = {
  OAuthSignin: "Could not start sign-in with the identity provider. Check that it is reachable and try again.",
  OAuthCallback: "The identity provider's answer could not be verified. Start again.",
  Callback: "Sign-in could not be completed. Start again; if it keeps failing, ask an administrator to check the server log.",
  OAuthAccountNotLinked: "This account could not be linked. Ask an administrator.",
  AccessDenied: "Sign-in was cancelled or refused by the identity provider.",
  Configuration: "Sign-in is misconfigured on the server. Ask an administrator to check the server log.",
  SessionRequired: "Sign in to continue.",
};

export function signInErrorMessage(code: string): string {
  // Own keys only: "__proto__" or "constructor" from the URL must not reach Object.prototype.
  return Object.hasOwn(ERROR_MESSAGES, code) ? ERROR_MESSAGES[code] : "Sign-in failed. Try again.";
}
