"use client";
// Who is signed in (name, roles) and the way out. Sign-out clears the session cookie through
// next-auth's CSRF-protected POST /api/auth/signout.
import { signOut } from "next-auth/react";
import { useState } from "react";
import type { TActor } from "@/lib/auth/actor";

export function UserMenu({ actor }: { actor: TActor }) {
  const label = actor.name ?? actor.email ?? actor.subject;
  return (
    <div className="flex items-center gap-3" data-testid="user-menu">
      <div className="text-right leading-tight">
        <div className="font-medium text-slate-900" data-testid="user-name" title={actor.email ?? undefined}>
          {label}
        </div>
        <div className="text-xs text-slate-500" data-testid="user-roles">
          {actor.roles.length > 0 ? actor.roles.join(", ") : "no role"}
        </div>
      </div>
      <SignOutButton />
    </div>
  );
}

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signOut({ callbackUrl: "/signin?signedOut=1" });
      }}
      className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-100 disabled:opacity-60"
    >
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
