// The roles, what each allows and the IdP groups that grant it (from ROLE_GROUPS): shown to admins
// on Settings and to signed-in users without a role, so they know which group to ask for.
import type { TRoleGroups } from "@/lib/auth/role-mapping";
import { ROLES, ROLE_DESCRIPTIONS } from "@/lib/auth/roles";

export function RoleGroupsTable({ mapping, className = "" }: { mapping: TRoleGroups; className?: string }) {
  return (
    <table className={`w-full text-left ${className}`}>
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th className="px-3 py-2 font-medium">Role</th>
          <th className="px-3 py-2 font-medium">What it allows</th>
          <th className="px-3 py-2 font-medium">Granted by IdP group</th>
        </tr>
      </thead>
      <tbody>
        {ROLES.map((role) => (
          <tr key={role} className="border-t border-slate-100 align-top">
            <td className="px-3 py-2 font-medium">{role}</td>
            <td className="px-3 py-2 text-slate-600">{ROLE_DESCRIPTIONS[role]}</td>
            <td className="px-3 py-2">
              {mapping[role].length > 0 ? (
                mapping[role].map((g) => (
                  <code key={g} className="mr-2">
                    {g}
                  </code>
                ))
              ) : (
                <em className="text-amber-700">no group: nobody holds this role</em>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
