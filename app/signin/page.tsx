// Sign-in: one button that starts the company's SSO. With the local dev IdP, the demo users and
// their roles are listed too.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { fetchDevIdpUsers } from "@/lib/auth/dev-idp-users";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { OIDC_PROVIDER_ID, appBaseUrl, isOidcConfigured } from "@/lib/auth/options";
import { getActor } from "@/lib/auth/page";
import { NO_ACCESS_PATH } from "@/lib/auth/paths";
import { getConfig } from "@/lib/config";
import { SignInButton } from "./sign-in-button";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const ERROR_MESSAGES: Record<string, string> = {
  OAuthSignin: "Could not start sign-in with the identity provider. Check that it is reachable and try again.",
  OAuthCallback: "The identity provider's answer could not be verified. Start again.",
  Callback: "Sign-in could not be completed. Start again; if it keeps failing, ask an administrator to check the server log.",
  OAuthAccountNotLinked: "This account could not be linked. Ask an administrator.",
  AccessDenied: "Sign-in was cancelled or refused by the identity provider.",
  Configuration: "Sign-in is misconfigured on the server. Ask an administrator to check the server log.",
  SessionRequired: "Sign in to continue.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const config = getConfig();
  const callbackUrl = safeCallbackPath(first(params.callbackUrl), appBaseUrl(config));
  const actor = await getActor();
  if (actor) redirect(actor.roles.length > 0 ? callbackUrl : NO_ACCESS_PATH);

  const configured = isOidcConfigured(config);
  const errorCode = first(params.error);
  const error = errorCode ? (Object.hasOwn(ERROR_MESSAGES, errorCode) ? ERROR_MESSAGES[errorCode] : "Sign-in failed. Try again.") : null;
  const signedOut = first(params.signedOut) === "1";
  const devUsers = configured ? await fetchDevIdpUsers(config) : null;

  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 px-6 py-16">
      <div className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight">Sign in to Rootwarden</h1>
        <p className="text-slate-600">Use your company account. Your roles come from your groups in the identity provider.</p>
      </div>
      {signedOut && !error ? (
        <p role="status" className="rounded-md border border-slate-200 bg-white p-3 text-slate-700">
          You are signed out.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-red-800">
          {error}
        </p>
      ) : null}
      {configured ? (
        <SignInButton providerId={OIDC_PROVIDER_ID} providerName={config.OIDC_PROVIDER_NAME} callbackUrl={callbackUrl} />
      ) : (
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-900">
          Single sign-on is not configured. Set <code>OIDC_ISSUER</code>, <code>OIDC_CLIENT_ID</code> and{" "}
          <code>OIDC_CLIENT_SECRET</code> (see the README), or run <code>npm run demo</code>, which starts a local
          identity provider with demo users.
        </div>
      )}
      {devUsers ? (
        <section aria-labelledby="demo-users" className="rounded-md border border-slate-200 bg-white p-4">
          <h2 id="demo-users" className="font-semibold">
            Demo users (local identity provider)
          </h2>
          <p className="mb-2 text-slate-600">
            Password for all: <code>{devUsers.password}</code>
          </p>
          <table className="w-full text-left">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-2 font-medium">User</th>
                <th className="py-1 pr-2 font-medium">Roles</th>
              </tr>
            </thead>
            <tbody>
              {devUsers.users.map((u) => (
                <tr key={u.username} className="border-t border-slate-100">
                  <td className="py-1 pr-2">
                    <code>{u.username}</code> <span className="text-slate-500">{u.name}</span>
                  </td>
                  <td className="py-1 pr-2">{u.roles.length > 0 ? u.roles.join(", ") : <em>none</em>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </main>
  );
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
