// Signed-out landing page: what Rootwarden is and the way in. Signed-in users go to the overview.
import Link from "next/link";
import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/page";

export default async function LandingPage() {
  const actor = await getActor();
  if (actor) redirect("/overview");

  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col justify-center gap-8 px-6 py-16">
      <div className="flex items-center gap-3">
        <Logo />
        <span className="text-xl font-semibold tracking-tight">Rootwarden</span>
      </div>
      <div className="space-y-4">
        <h1 className="text-3xl font-semibold tracking-tight text-slate-900">
          Govern root access across your AWS Organization
        </h1>
        <p className="max-w-2xl text-base leading-relaxed text-slate-600">
          See which member accounts still hold long-term root credentials, where they sit in your OU tree and how that
          changes over time. Run the few tasks that still need root through short-lived, task-scoped sessions,
          approved by a second person and recorded.
        </p>
      </div>
      <ul className="grid gap-3 text-slate-700 sm:grid-cols-3">
        <li className="rounded-md border border-slate-200 bg-white p-3">
          <strong className="block text-slate-900">Security team</strong>
          Root-credential inventory and compliance, per account and OU.
        </li>
        <li className="rounded-md border border-slate-200 bg-white p-3">
          <strong className="block text-slate-900">Auditors</strong>
          Reports and an audit trail of every privileged action.
        </li>
        <li className="rounded-md border border-slate-200 bg-white p-3">
          <strong className="block text-slate-900">Operators</strong>
          Approved, verified root tasks with the narrowest session.
        </li>
      </ul>
      <div>
        <Link
          href="/signin"
          className="inline-flex items-center rounded-md bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700"
        >
          Sign in with SSO
        </Link>
      </div>
    </main>
  );
}

function Logo() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="h-8 w-8 text-slate-900" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Z" />
      <path d="M12 8v5m0 3h.01" strokeLinecap="round" />
    </svg>
  );
}
