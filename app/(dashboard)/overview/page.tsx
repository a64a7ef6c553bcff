// Overview: the security team's daily view. Org features for centralized root access, accounts per
// status, drift since the last completed full scan started, the OUs with most non-compliant
// accounts, the trend, and scan timing. Reads Postgres only.
import type { Metadata } from "next";
import Link from "next/link";
import { serialize } from "@/components/fetch-json";
import { formatCount, formatDateTime, formatRelative } from "@/components/format";
import { LiveScanProgress } from "@/components/live-scan-progress";
import { ScanButton } from "@/components/scan-button";
import { SeverityBadge, STATUS_LABELS, StatusBadge } from "@/components/status-badge";
import { requirePagePermission } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";
import { evaluateOrganization, getRule, type TComplianceStatus } from "@/lib/inventory/compliance";
import { getOverview, type TOverview } from "@/lib/inventory/get-overview";
import { listDriftEvents } from "@/lib/inventory/list-drift-events";
import { DRIFT_ALL_LIMIT, DRIFT_CARD_LIMIT, DriftChanges, driftWindowNote } from "./drift-changes";
import { TrendChart } from "./trend-chart";
import { Card } from "@/components/card";

export const metadata: Metadata = { title: "Overview" };
export const dynamic = "force-dynamic";

const TILES: TComplianceStatus[] = ["NON_COMPLIANT", "ERROR", "UNKNOWN", "COMPLIANT", "NOT_APPLICABLE"];

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePagePermission("accounts.read");
  const canScan = hasPermission(actor.roles, "scans.start");
  // ?drift=all: the drift card lists up to DRIFT_ALL_LIMIT instead of the newest DRIFT_CARD_LIMIT.
  const showAllDrift = (await searchParams).drift === "all";
  const [overview, drift] = await Promise.all([
    getOverview({ actor }),
    listDriftEvents({ actor, query: { limit: showAllDrift ? DRIFT_ALL_LIMIT : DRIFT_CARD_LIMIT } }),
  ]);
  // Days before the first audit say nothing but "unknown"; the chart starts where the data does.
  const trend = sinceFirstAudit(overview.trend);
  const now = new Date();

  if (!overview.organization) {
    return (
      <div className="space-y-4">
        <h1 className="text-xl font-semibold tracking-tight">Overview</h1>
        <p className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm">
          No AWS Organization has been synced yet. An admin starts with an organization sync; scans and this overview follow.
        </p>
      </div>
    );
  }
  const org = overview.organization;

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="text-xl font-semibold tracking-tight">Overview</h1>
        <span className="text-sm text-slate-600">
          Organization <code>{org.id}</code> · management account <code>{org.managementAccountId}</code> · synced{" "}
          <span title={formatDateTime(org.lastSyncedAt)}>{formatRelative(org.lastSyncedAt, now)}</span>
        </span>
        {canScan ? (
          <span className="ml-auto">
            <ScanButton scope={{ type: "ORG" }} label="Scan organization" />
          </span>
        ) : null}
      </div>

      <LiveScanProgress scope={{ type: "org" }} canCancel={canScan} />

      <section aria-label="Accounts per status" className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
        <Tile label="Accounts" value={formatCount(overview.counts.total)} href="/accounts" note="members of the organization" />
        {TILES.map((s) => (
          <Tile
            key={s}
            label={STATUS_LABELS[s]}
            value={formatCount(overview.counts[s])}
            href={`/accounts?status=${s}`}
            note={percent(overview.counts[s], overview.counts.total)}
            status={s}
          />
        ))}
      </section>

      <Card bodyClassName="p-2" title="Changes since the last scan" note={driftWindowNote(drift, now)}>
        <DriftChanges
          window={drift}
          now={now}
          showingAll={showAllDrift}
          auditHref={hasPermission(actor.roles, "audit.read") ? "/audit?type=drift.detected" : null}
        />
      </Card>

      <div className="grid gap-5 lg:grid-cols-3">
        <Card bodyClassName="p-2" title="Compliance trend" note={trendNote(trend, overview.trend.length, overview.freshnessHours)} className="lg:col-span-2">
          <TrendChart trend={serialize(trend)} />
        </Card>

        <Card bodyClassName="p-2" title="Organization features" note={`Checked ${formatRelative(org.featuresCheckedAt, now)}`}>
          <OrgFeatures org={org} />
          {hasPermission(actor.roles, "org.setup") ? (
            <p className="px-1 pt-1 text-xs">
              <Link href="/settings/organization" className="underline">
                Organization set-up
              </Link>
            </p>
          ) : null}
        </Card>
      </div>

      <div className="grid gap-5 lg:grid-cols-3">
        <Card bodyClassName="p-2" title="OUs with most non-compliant accounts" note="Accounts directly in the OU" className="lg:col-span-2">
          <WorstOus ous={overview.worstOus} />
        </Card>
        <Card bodyClassName="p-2" title="Scans">
          <ScanTiming overview={overview} now={now} />
        </Card>
      </div>
    </div>
  );
}

function OrgFeatures({ org }: { org: NonNullable<TOverview["organization"]> }) {
  const results = evaluateOrganization(org);
  return (
    <ul className="divide-y divide-slate-100 text-sm" data-testid="org-features">
      {results.map((r) => {
        const rule = getRule(r.ruleId);
        const status: TComplianceStatus = r.result === "PASS" ? "COMPLIANT" : r.result === "FAIL" ? "NON_COMPLIANT" : "UNKNOWN";
        return (
          <li key={r.ruleId} className="py-2">
            <div className="flex items-start justify-between gap-3">
              <span>{r.result === "FAIL" && rule ? rule.finding : (rule?.title ?? r.ruleId)}</span>
              <StatusBadge status={status} />
            </div>
            {r.result !== "PASS" && rule ? (
              <p className="mt-1 text-xs text-slate-600">
                <SeverityBadge severity={rule.severity} /> {rule.remediation}
              </p>
            ) : null}
          </li>
        );
      })}
      <li className="flex items-start justify-between gap-3 py-2">
        <span>Delegated administrator for IAM</span>
        {org.delegatedAdminAccountId ? (
          <code className="text-xs">{org.delegatedAdminAccountId}</code>
        ) : (
          <span className="text-xs text-slate-600">none (runs from the management account)</span>
        )}
      </li>
    </ul>
  );
}

function WorstOus({ ous }: { ous: TOverview["worstOus"] }) {
  if (ous.length === 0) {
    return <p className="px-3 py-4 text-sm text-slate-600">No OU has non-compliant accounts right now.</p>;
  }
  const max = Math.max(...ous.map((o) => o.nonCompliant));
  return (
    <table className="w-full text-left text-sm" data-testid="worst-ous">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th scope="col" className="px-3 py-2 font-medium">OU</th>
          <th scope="col" className="px-3 py-2 text-right font-medium">Non-compliant</th>
          <th scope="col" className="w-1/3 px-3 py-2 font-medium"><span className="sr-only">Share</span></th>
        </tr>
      </thead>
      <tbody>
        {ous.map((o) => (
          <tr key={o.id} className="border-t border-slate-100">
            <td className="px-3 py-1.5">
              <Link href={`/accounts?ouId=${o.id}&status=NON_COMPLIANT`} className="text-blue-700 hover:underline" title={o.id}>
                {o.path}
              </Link>
            </td>
            <td className="px-3 py-1.5 text-right tabular-nums">
              {o.nonCompliant} <span className="text-slate-500">of {o.total}</span>
            </td>
            <td className="px-3 py-1.5">
              <div className="h-2 rounded bg-red-100" aria-hidden="true">
                <div className="h-2 rounded bg-red-600" style={{ width: `${(o.nonCompliant / max) * 100}%` }} />
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ScanTiming({ overview, now }: { overview: TOverview; now: Date }) {
  const last = overview.lastScan;
  return (
    <dl className="space-y-3 px-3 py-3 text-sm" data-testid="scan-timing">
      <div>
        <dt className="text-xs uppercase text-slate-500">Last scan</dt>
        <dd>
          {last ? (
            <>
              {last.scopeLabel}: <strong>{last.status.toLowerCase()}</strong>{" "}
              <span title={formatDateTime(last.finishedAt ?? last.createdAt)}>{formatRelative(last.finishedAt ?? last.createdAt, now)}</span>
              <div className="text-xs text-slate-600">
                {last.done} of {last.total} accounts done, {last.failed} failed, {last.skipped} skipped
              </div>
            </>
          ) : (
            "No scan yet"
          )}
        </dd>
      </div>
      {overview.lastOrgScan && overview.lastOrgScan.id !== last?.id ? (
        <div>
          <dt className="text-xs uppercase text-slate-500">Last full scan</dt>
          <dd>
            {overview.lastOrgScan.status.toLowerCase()}{" "}
            <span title={formatDateTime(overview.lastOrgScan.createdAt)}>{formatRelative(overview.lastOrgScan.createdAt, now)}</span>
          </dd>
        </div>
      ) : null}
      <div>
        <dt className="text-xs uppercase text-slate-500">Next scheduled full scan</dt>
        <dd>
          {overview.nextScheduledScanAt ? (
            <>
              <span title={formatDateTime(overview.nextScheduledScanAt)}>
                {overview.nextScheduledScanAt.getTime() <= now.getTime() ? "due now" : formatRelative(overview.nextScheduledScanAt, now)}
              </span>{" "}
              <span className="text-xs text-slate-600">(every {overview.scanIntervalHours} h)</span>
            </>
          ) : (
            "Off (SCAN_INTERVAL_HOURS=0)"
          )}
        </dd>
      </div>
    </dl>
  );
}

function Tile({ label, value, note, href, status }: { label: string; value: string; note: string; href: string; status?: TComplianceStatus }) {
  return (
    <Link
      href={href}
      data-testid={`tile-${status ?? "total"}`}
      className="rounded-md border border-slate-200 bg-white px-3 py-2 hover:border-slate-400"
    >
      <div className="flex items-center justify-between gap-2 text-xs text-slate-600">
        {status ? <StatusBadge status={status} /> : <span className="font-medium uppercase">{label}</span>}
      </div>
      <div className="mt-1 text-2xl font-semibold tabular-nums">{value}</div>
      <div className="text-xs text-slate-500">{note}</div>
    </Link>
  );
}

function percent(n: number, total: number): string {
  return total > 0 ? `${Math.round((n / total) * 1000) / 10}% of accounts` : "—";
}

function sinceFirstAudit(trend: TOverview["trend"]): TOverview["trend"] {
  const first = trend.findIndex((p) => p.COMPLIANT + p.NON_COMPLIANT + p.ERROR > 0);
  return first <= 0 ? trend : trend.slice(first);
}

function trendNote(shown: TOverview["trend"], window: number, freshnessHours: number): string {
  const span = shown.length < window && shown.length > 0 ? `Since the first audit on ${shown[0].day}` : `Last ${window} days`;
  return `${span}; a result older than ${freshnessHours} h counts as unknown.`;
}
