// Audit: the tamper-evident trail, filterable by type, actor, account and time (all in the URL), with
// event detail, the chain's status and "verify now", and a signed export of the filtered time range.
import type { Metadata } from "next";
import { serialize } from "@/components/fetch-json";
import { getChainStatus } from "@/lib/audit/get-chain-status";
import { listAuditEvents, searchParamsToAuditQuery, ZListAuditEventsQuery } from "@/lib/audit/list-events";
import { requirePagePermission } from "@/lib/auth/page";
import { zodToAppError } from "@/lib/auth/route";
import { AuditBrowser } from "./audit-browser";
import { auditListKey } from "./list-key";

export const metadata: Metadata = { title: "Audit" };
export const dynamic = "force-dynamic";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePagePermission("audit.read");
  const params = await searchParams;
  const parsed = ZListAuditEventsQuery.safeParse(searchParamsToAuditQuery(params));
  const problem = parsed.success ? null : zodToAppError(parsed.error).message;
  const [page, status] = await Promise.all([parsed.success ? listAuditEvents({ actor, query: parsed.data }) : null, getChainStatus({ actor })]);
  return (
    <div className="space-y-3">
      {problem ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          {problem}
        </p>
      ) : null}
      <AuditBrowser initialPage={page ? serialize(page) : null} initialKey={auditListKey(new URLSearchParams(toPairs(params)))} initialStatus={serialize(status)} />
    </div>
  );
}

function toPairs(params: Record<string, string | string[] | undefined>): [string, string][] {
  return Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v[0] : v] as [string, string]]));
}
