// Requests: privileged task requests, mine or all, filtered by status, task, account and requester
// (all in the URL), newest first, paged by request number.
import type { Metadata } from "next";
import { serialize } from "@/components/fetch-json";
import { requirePagePermission } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";
import { zodToAppError } from "@/lib/auth/route";
import { listTaskRequesters, listTaskRequests, ZRequestListQuery } from "@/lib/tasks/list";
import { pickRequestListParams, requestListKey } from "./list-key";
import { RequestsBrowser } from "./requests-browser";

export const metadata: Metadata = { title: "Requests" };
export const dynamic = "force-dynamic";

export default async function RequestsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePagePermission("tasks.read");
  const params = pickRequestListParams(await searchParams);
  const parsed = ZRequestListQuery.safeParse(Object.fromEntries(params));
  const problem = parsed.success ? null : zodToAppError(parsed.error).message;
  const [list, requesters] = await Promise.all([parsed.success ? listTaskRequests({ actor, query: parsed.data }) : null, listTaskRequesters({ actor })]);
  return (
    <div className="space-y-3">
      {problem ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          {problem}
        </p>
      ) : null}
      <RequestsBrowser
        initialList={list ? serialize(list) : null}
        initialKey={requestListKey(params)}
        requesters={requesters}
        canRequest={hasPermission(actor.roles, "tasks.request")}
      />
    </div>
  );
}
