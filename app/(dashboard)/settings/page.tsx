// Settings (admin): who has which role now, the group-to-role mapping in force, the permission
// catalogue, the sign-in configuration (never secrets), the notification channels with their log, and
// the scheduled report.
import type { Metadata } from "next";
import Link from "next/link";
import type { TActor } from "@/lib/auth/actor";
import { listUsers } from "@/lib/auth/list-users";
import { requirePagePermission } from "@/lib/auth/page";
import { PERMISSIONS, PERMISSION_NAMES, hasPermission } from "@/lib/auth/permissions";
import { formatRoleGroups, parseRoleGroups } from "@/lib/auth/role-mapping";
import { ROLES, type TRole } from "@/lib/auth/roles";
import { getConfig } from "@/lib/config";
import { listChannels } from "@/lib/notify/list-channels";
import { listDeliveries } from "@/lib/notify/list-deliveries";
import { serialize } from "@/components/fetch-json";
import { Card } from "@/components/card";
import { RoleGroupsTable } from "@/components/role-groups-table";
import { EndSessionsButton } from "./end-sessions-button";
import { NotificationSettings } from "./notification-settings";
import { ReportScheduleSettings } from "./report-schedule-settings";
import { TaskSettingsSection } from "./task-settings";
import { prisma } from "@/lib/db/client";
import { isAppError } from "@/lib/errors";
import { currentOrganizationId } from "@/lib/tasks/requests";
import { getTaskSettings, listApprovalRules } from "@/lib/tasks/settings";
import { getReportSchedule } from "@/lib/reports/report-schedule";

export const metadata: Metadata = { title: "Settings" };
export const dynamic = "force-dynamic";

export default async function SettingsPage() {
  const actor = await requirePagePermission("settings.read");
  const config = getConfig();
  const mapping = parseRoleGroups(config.ROLE_GROUPS);
  const users = await listUsers({ actor });
  const canRevoke = hasPermission(actor.roles, "sessions.revoke");
  const taskSettings = await getTaskSettings({ actor });
  const rules = await approvalRulesOrNull(actor);
  const [channels, deliveries] = await Promise.all([listChannels({ actor }), listDeliveries({ actor, query: { limit: 50 } })]);
  const reportSchedule = await getReportSchedule({ actor, db: prisma });

  return (
    <div className="space-y-8">
      <h1 className="text-xl font-semibold tracking-tight">Settings</h1>

      {hasPermission(actor.roles, "org.setup") ? (
        <Card title="Organization" note="Centralized root access: trusted access, RootCredentialsManagement, RootSessions and IAM's delegated administrator, in set-up order.">
          <p className="px-3 py-2 text-sm">
            <Link href="/settings/organization" className="font-medium underline" data-testid="settings-organization-link">
              Set up the organization
            </Link>{" "}
            <span className="text-slate-600">— each step as AWS reports it now, with requests to change it, and Sync now.</span>
          </p>
        </Card>
      ) : null}

      <Card title={`Users (${users.length})`} note="Roles as of each user's last sign-in. IdP group changes apply at the next sign-in, which also ends the user's older sessions.">
        <table className="w-full text-left" data-testid="users-table">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">User</th>
              <th className="px-3 py-2 font-medium">Roles</th>
              <th className="px-3 py-2 font-medium">IdP groups</th>
              <th className="px-3 py-2 font-medium">Last sign-in</th>
              <th className="px-3 py-2 font-medium">Open sessions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className="border-t border-slate-100 align-top">
                <td className="px-3 py-2">
                  <div className="font-medium">{u.name ?? u.email ?? u.subject}</div>
                  <div className="text-xs text-slate-500">{u.email ?? u.subject}</div>
                </td>
                <td className="px-3 py-2">{u.roles.length > 0 ? <RoleList roles={u.roles} /> : <em className="text-slate-500">no role</em>}</td>
                <td className="px-3 py-2 text-xs text-slate-600">{u.groups.length > 0 ? u.groups.join(", ") : "—"}</td>
                <td className="px-3 py-2 whitespace-nowrap text-slate-600">{formatTime(u.lastLoginAt)}</td>
                <td className="px-3 py-2">
                  <div className="flex items-start gap-3">
                    <span className="tabular-nums text-slate-700">{u.openSessions}</span>
                    {canRevoke ? <EndSessionsButton userId={u.id} label={u.name ?? u.email ?? u.subject} openSessions={u.openSessions} /> : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <Card title="Role mapping" note={`From ROLE_GROUPS. Groups are read from the "${config.OIDC_GROUPS_CLAIM}" claim and matched exactly.`}>
        <RoleGroupsTable mapping={mapping} />
        <p className="px-3 py-2 text-xs text-slate-500">
          In force: <code>ROLE_GROUPS={formatRoleGroups(mapping) || "(empty)"}</code>
        </p>
      </Card>

      <Card title="Permissions" note="The one catalogue every check and every button reads.">
        <table className="w-full text-left" data-testid="permissions-table">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">Permission</th>
              <th className="px-3 py-2 font-medium">Allows</th>
              {ROLES.map((role) => (
                <th key={role} className="px-2 py-2 text-center font-medium">
                  {role}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {PERMISSION_NAMES.map((name) => {
              const holders: readonly TRole[] = PERMISSIONS[name].roles;
              return (
                <tr key={name} className="border-t border-slate-100 align-top">
                  <td className="px-3 py-2">
                    <code>{name}</code>
                  </td>
                  <td className="px-3 py-2 text-slate-600">{PERMISSIONS[name].description}</td>
                  {ROLES.map((role) => (
                    <td key={role} className="px-2 py-2 text-center" aria-label={holders.includes(role) ? `${role} holds ${name}` : `${role} does not hold ${name}`}>
                      {holders.includes(role) ? "✓" : ""}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </Card>

      <div id="privileged-tasks" className="scroll-mt-4">
        <Card title="Privileged tasks" note="Requests, approvals and break-glass. Changes are recorded in the audit trail.">
          <TaskSettingsSection settings={taskSettings} rules={rules ? serialize(rules) : null} canWrite={hasPermission(actor.roles, "settings.write")} />
        </Card>
      </div>

      <div id="notifications" className="scroll-mt-4">
        <Card title="Notifications" note="Channels get the events they subscribe to; delivery is retried with backoff, and every message carries an idempotency key.">
          <NotificationSettings
            channels={serialize(channels)}
            deliveries={serialize(deliveries)}
            canWrite={hasPermission(actor.roles, "settings.write")}
            smtpConfigured={config.SMTP_URL !== undefined}
          />
        </Card>
      </div>

      <div id="scheduled-report" className="scroll-mt-4">
        <Card title="Scheduled report" note="The monthly compliance report, written by the workers. Its runs and their results are on the Reports page. Changes are recorded in the audit trail.">
          <ReportScheduleSettings initial={reportSchedule} canWrite={hasPermission(actor.roles, "settings.write")} />
        </Card>
      </div>

      <Card title="Sign-in">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 px-3 py-2">
          <dt className="text-slate-500">Identity provider</dt>
          <dd>
            {config.OIDC_PROVIDER_NAME} · <code>{config.OIDC_ISSUER ?? "not configured"}</code>
          </dd>
          <dt className="text-slate-500">Client id</dt>
          <dd>
            <code>{config.OIDC_CLIENT_ID ?? "—"}</code>
          </dd>
          <dt className="text-slate-500">Scopes</dt>
          <dd>
            <code>{config.OIDC_SCOPES}</code>
          </dd>
          <dt className="text-slate-500">Groups claim</dt>
          <dd>
            <code>{config.OIDC_GROUPS_CLAIM}</code>
          </dd>
          <dt className="text-slate-500">Session length</dt>
          <dd>{config.SESSION_MAX_AGE_HOURS} h from sign-in</dd>
        </dl>
      </Card>
    </div>
  );
}

function RoleList({ roles }: { roles: readonly TRole[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {roles.map((r) => (
        <span key={r} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700">
          {r}
        </span>
      ))}
    </span>
  );
}

function formatTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "never";
}

// Rules belong to the synced organization; before the first sync there is none to attach them to.
async function approvalRulesOrNull(actor: TActor) {
  try {
    return await listApprovalRules({ actor, organizationId: await currentOrganizationId(prisma) });
  } catch (err) {
    if (isAppError(err) && err.code === "CONFLICT") return null;
    throw err;
  }
}
