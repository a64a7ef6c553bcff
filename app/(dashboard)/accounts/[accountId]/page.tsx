// One account: its root credentials in detail (password, access keys, certificates, MFA), the rules
// it fails with their remediation, snapshot history and scan errors. Reads Postgres only.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { formatDate, formatDateTime, formatRelative } from "@/components/format";
import { LiveScanProgress } from "@/components/live-scan-progress";
import { ScanButton } from "@/components/scan-button";
import { SeverityBadge, StatusBadge } from "@/components/status-badge";
import type { TActor } from "@/lib/auth/actor";
import { requirePagePermission } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";
import { isAppError } from "@/lib/errors";
import { notScannableReason } from "@/lib/inventory/compliance";
import { getAccountDetail, type TAccountDetail } from "@/lib/inventory/get-account-detail";
import { toStatus, ZAccountId } from "@/lib/inventory/list-accounts";
import { Card } from "@/components/card";
import { prisma } from "@/lib/db/client";
import { readTaskSettings } from "@/lib/tasks/settings";
import { TaskButtons } from "./task-buttons";

export const dynamic = "force-dynamic";

type TProps = { params: Promise<{ accountId: string }> };

export async function generateMetadata({ params }: TProps): Promise<Metadata> {
  const { accountId } = await params;
  return { title: `Account ${accountId}` };
}

export default async function AccountPage({ params }: TProps) {
  const actor = await requirePagePermission("accounts.read");
  const { accountId } = await params;
  if (!ZAccountId.safeParse(accountId).success) notFound();
  let detail: TAccountDetail;
  try {
    detail = await getAccountDetail({ actor, accountId });
  } catch (err) {
    if (isAppError(err) && err.code === "NOT_FOUND") notFound();
    throw err;
  }
  const { account, credentials } = detail;
  const canScan = hasPermission(actor.roles, "scans.start");
  const cannotScan = notScannableReason(account);
  const canRequest = hasPermission(actor.roles, "tasks.request");
  // Tasks need the same as a scan: a member account that is active and still in the organization.
  const taskOptions = canRequest && !cannotScan ? await requestOptions(actor.roles) : null;
  const now = new Date();

  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <Link href="/accounts" className="text-blue-700 hover:underline">
          Accounts
        </Link>
        {account.ou ? (
          <>
            {" / "}
            <Link href={`/accounts?ouId=${account.ou.id}`} className="text-blue-700 hover:underline" title={account.ou.id}>
              {account.ou.path}
            </Link>
          </>
        ) : null}
      </nav>

      <div className="flex flex-wrap items-start gap-x-4 gap-y-2">
        <div>
          <h1 className="flex items-center gap-3 text-xl font-semibold tracking-tight">
            {account.name} <StatusBadge status={account.status} />
          </h1>
          <p className="text-sm text-slate-600">
            <code>{account.id}</code> · {account.email} · {account.state.toLowerCase()}
            {account.isManagement ? " · management account" : ""}
            {account.leftOrgAt ? ` · left the organization ${formatDate(account.leftOrgAt)}` : ""}
          </p>
          <p className="text-sm text-slate-600">
            Last scan{" "}
            <span title={formatDateTime(account.lastScannedAt)}>{formatRelative(account.lastScannedAt, now)}</span>
            {account.statusReason ? <> · {account.statusReason}</> : null}
          </p>
        </div>
        {canScan || canRequest ? (
          <div className="ml-auto flex flex-col items-end gap-2 text-right">
            {cannotScan ? (
              <p className="max-w-sm text-sm text-slate-600">{cannotScan}</p>
            ) : canScan ? (
              <ScanButton scope={{ type: "ACCOUNTS", accountIds: [account.id] }} label="Scan this account" />
            ) : null}
            {taskOptions ? <TaskButtons account={{ id: account.id, name: account.name }} hasRootCredentials={hasRootCredentials(credentials)} options={taskOptions} /> : null}
          </div>
        ) : null}
      </div>

      <LiveScanProgress scope={{ type: "account", accountId: account.id }} canCancel={canScan} />

      <div className="grid gap-4 xl:grid-cols-2">
        <Card
          className="pb-2"
          title="Root credentials"
          note={credentials ? `As read ${formatDateTime(credentials.takenAt)} (${formatRelative(credentials.takenAt, now)})` : undefined}
        >
          <Credentials credentials={credentials} />
        </Card>
        <Card
          className="pb-2"
          title="Compliance"
          note={account.stale ? `The last result is older than ${detail.freshnessHours} h: rules below are as of that scan.` : undefined}
        >
          <FailingRules detail={detail} />
        </Card>
      </div>

      {detail.errors.length > 0 ? (
        <Card className="pb-2" title="Scan errors" note="Newest first">
          <ul className="divide-y divide-slate-100 text-sm" data-testid="scan-errors">
            {detail.errors.slice(0, 10).map((e, i) => (
              <li key={`${e.at}-${i}`} className="flex flex-wrap gap-x-3 px-3 py-1.5">
                <span className="whitespace-nowrap text-slate-600">{formatDateTime(e.at)}</span>
                {e.code ? <code className="text-amber-800">{e.code}</code> : null}
                <span>{e.message}</span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      <Card className="pb-2" title="Snapshot history" note={`${detail.history.length} most recent audits`}>
        <History history={detail.history} />
      </Card>
    </div>
  );
}

async function requestOptions(roles: TActor["roles"]) {
  const settings = await readTaskSettings(prisma);
  return { requireTicket: settings.requireTicket, canBreakGlass: settings.breakGlassEnabled && hasPermission(roles, "tasks.breakglass") };
}

function hasRootCredentials(credentials: TAccountDetail["credentials"]): boolean | null {
  if (!credentials) return null;
  return credentials.passwordPresent || credentials.accessKeys.length > 0 || credentials.signingCertificates.length > 0 || credentials.mfaDevices.length > 0;
}

function Credentials({ credentials }: { credentials: TAccountDetail["credentials"] }) {
  if (!credentials) {
    return <p className="px-3 py-3 text-sm text-slate-600">Not read yet: no scan of this account has succeeded.</p>;
  }
  return (
    <div className="space-y-3 text-sm" data-testid="credentials">
      <dl className="grid grid-cols-[10rem_1fr] gap-y-1 px-3 pt-2">
        <dt className="text-slate-600">Console password</dt>
        <dd data-testid="password">
          {credentials.passwordPresent ? (
            <span className="font-medium text-red-800">
              Present
              {credentials.passwordCreatedAt ? ` · created ${formatDateTime(credentials.passwordCreatedAt)}` : ""}
            </span>
          ) : (
            <span className="text-emerald-800">None</span>
          )}
        </dd>
      </dl>

      <SubTable
        caption={`Access keys (${credentials.accessKeys.length})`}
        empty="No access keys."
        head={["Key", "Status", "Created", "Last used", "Service / region"]}
        rows={credentials.accessKeys.map((k) => [
          <code key="id">{k.accessKeyId}</code>,
          <KeyStatus key="s" status={k.status} />,
          formatDateTime(k.createDate),
          k.lastUsedDate ? formatDateTime(k.lastUsedDate) : "never",
          [k.lastUsedService, k.lastUsedRegion].filter(Boolean).join(" / ") || "—",
        ])}
        testId="access-keys"
      />
      <SubTable
        caption={`Signing certificates (${credentials.signingCertificates.length})`}
        empty="No X.509 signing certificates."
        head={["Certificate", "Status", "Uploaded"]}
        rows={credentials.signingCertificates.map((c) => [
          <code key="id">{c.certificateId}</code>,
          <KeyStatus key="s" status={c.status} />,
          formatDateTime(c.uploadDate),
        ])}
        testId="certificates"
      />
      <SubTable
        caption={`MFA devices (${credentials.mfaDevices.length})`}
        empty="No MFA devices."
        head={["Device", "Type", "Enabled"]}
        rows={credentials.mfaDevices.map((m) => [<code key="id" className="break-all">{m.serialNumber}</code>, m.type, formatDateTime(m.enableDate)])}
        testId="mfa-devices"
      />
    </div>
  );
}

function FailingRules({ detail }: { detail: TAccountDetail }) {
  const { account, failingRules } = detail;
  if (failingRules.length === 0) {
    const text =
      account.scannedStatus === "COMPLIANT"
        ? "No root credentials remain: every account rule passes."
        : account.scannedStatus === "NOT_APPLICABLE"
          ? "Rules do not apply to this account."
          : "No rule result yet.";
    return <p className="px-3 py-3 text-sm text-slate-600">{text}</p>;
  }
  return (
    <ul className="divide-y divide-slate-100" data-testid="failing-rules">
      {failingRules.map((r) => (
        <li key={r.id} className="px-3 py-2 text-sm">
          <div className="flex items-center gap-2">
            <SeverityBadge severity={r.severity} />
            <span className="font-medium" title={`Rule: ${r.title}`}>{r.finding}</span>
            <code className="ml-auto text-[11px] text-slate-500">{r.id}</code>
          </div>
          {r.remediation ? <p className="mt-1 text-slate-700">{r.remediation}</p> : null}
          {r.references.length > 0 ? <p className="mt-0.5 text-xs text-slate-500">{r.references.join(" · ")}</p> : null}
        </li>
      ))}
    </ul>
  );
}

function History({ history }: { history: TAccountDetail["history"] }) {
  if (history.length === 0) return <p className="px-3 py-3 text-sm text-slate-600">Never scanned.</p>;
  return (
    <table className="w-full text-left text-sm" data-testid="history">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          {["Taken", "Status", "Failing rules", "Password", "Keys", "Certs", "MFA", "Error"].map((h) => (
            <th key={h} scope="col" className="px-3 py-1.5 font-medium">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {history.map((s) => (
          <tr key={s.id} className="border-t border-slate-100">
            <td className="whitespace-nowrap px-3 py-1">{formatDateTime(s.takenAt)}</td>
            <td className="px-3 py-1">
              <StatusBadge status={toStatus(s.status)} />
            </td>
            <td className="px-3 py-1 text-xs">{s.failingRules.length > 0 ? s.failingRules.map((r) => r.replace(/^account\./, "")).join(", ") : "—"}</td>
            <td className="px-3 py-1">{s.passwordPresent === null ? "—" : s.passwordPresent ? "yes" : "no"}</td>
            <td className="px-3 py-1 tabular-nums">{s.accessKeyCount ?? "—"}</td>
            <td className="px-3 py-1 tabular-nums">{s.certificateCount ?? "—"}</td>
            <td className="px-3 py-1 tabular-nums">{s.mfaCount ?? "—"}</td>
            <td className="px-3 py-1 text-xs text-amber-900">{s.errorCode ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SubTable({ caption, empty, head, rows, testId }: { caption: string; empty: string; head: string[]; rows: ReactNode[][]; testId: string }) {
  return (
    <div className="px-3" data-testid={testId}>
      <h3 className="mb-1 text-xs font-semibold uppercase text-slate-500">{caption}</h3>
      {rows.length === 0 ? (
        <p className="text-slate-600">{empty}</p>
      ) : (
        <table className="w-full text-left">
          <thead className="text-xs text-slate-500">
            <tr>
              {head.map((h) => (
                <th key={h} scope="col" className="py-1 pr-3 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((cells, i) => (
              <tr key={i} className="border-t border-slate-100">
                {cells.map((c, j) => (
                  <td key={j} className="py-1 pr-3">
                    {c}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function KeyStatus({ status }: { status: string }) {
  const active = status.toLowerCase() === "active";
  return <span className={active ? "font-medium text-red-800" : "text-slate-600"}>{status}</span>;
}
