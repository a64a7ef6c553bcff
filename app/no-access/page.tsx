// For people who signed in but hold no Rootwarden role: says so, shows which IdP groups grant which
// role, and offers nothing else.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { RoleGroupsTable } from "@/components/role-groups-table";
import { SignOutButton } from "@/components/user-menu";
import { getOwnUser } from "@/lib/auth/get-own-user";
import { requireSignedIn } from "@/lib/auth/page";
import { parseRoleGroups } from "@/lib/auth/role-mapping";
import { getConfig } from "@/lib/config";

export const metadata: Metadata = { title: "No access" };
export const dynamic = "force-dynamic";

export default async function NoAccessPage() {
  const actor = await requireSignedIn();
  if (actor.roles.length > 0) redirect("/overview");
  const mapping = parseRoleGroups(getConfig().ROLE_GROUPS);
  const own = await getOwnUser({ actor });

  return (
    <main className="mx-auto flex min-h-screen max-w-2xl flex-col justify-center gap-6 px-6 py-16">
      <div className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">You have no access to Rootwarden yet</h1>
        <p className="text-slate-700">
          You are signed in as <strong>{actor.name ?? actor.email ?? actor.subject}</strong>
          {actor.email && actor.name ? ` (${actor.email})` : ""}, but none of your groups in the identity provider grants
          a Rootwarden role.
        </p>
        <p className="text-slate-700">
          Ask your identity-provider administrator to add you to the group for the role you need. Roles are read at
          sign-in: once you have been added, sign out and sign in again.
        </p>
      </div>
      <RoleGroupsTable mapping={mapping} className="rounded-md border border-slate-200 bg-white" />
      <p className="text-slate-600">
        Your groups at your last sign-in:{" "}
        {own && own.groups.length > 0 ? own.groups.map((g) => <code key={g} className="mr-2">{g}</code>) : <em>none</em>}
      </p>
      <div>
        <SignOutButton />
      </div>
    </main>
  );
}
