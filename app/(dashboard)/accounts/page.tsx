// Accounts: the OU tree beside a filterable, sortable, paginated account table. The first render
// comes from Postgres directly; filtering and paging then go through the API (accounts-browser.tsx).
import type { Metadata } from "next";
import { serialize } from "@/components/fetch-json";
import { requirePagePermission } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";
import { zodToAppError } from "@/lib/auth/route";
import { isAppError } from "@/lib/errors";
import { getOuTree } from "@/lib/inventory/get-ou-tree";
import { listAccounts, searchParamsToListQueryInput, ZListAccountsQuery } from "@/lib/inventory/list-accounts";
import { AccountsBrowser } from "./accounts-browser";
import { canonicalListKey } from "./list-key";
import { prisma } from "@/lib/db/client";
import { readTaskSettings } from "@/lib/tasks/settings";

export const metadata: Metadata = { title: "Accounts" };
export const dynamic = "force-dynamic";

export default async function AccountsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePagePermission("accounts.read");
  const params = await searchParams;
  const parsed = ZListAccountsQuery.safeParse(searchParamsToListQueryInput(params));
  const tree = await getOuTree({ actor });
  const canRequest = hasPermission(actor.roles, "tasks.request");
  const settings = canRequest ? await readTaskSettings(prisma) : null;

  // A bad link (hand-edited URL, OU gone since the last sync) still shows the page, with the reason.
  let problem: string | null = null;
  let list = null;
  if (!parsed.success) {
    problem = zodToAppError(parsed.error).message;
  } else {
    try {
      list = await listAccounts({ actor, query: parsed.data });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      problem = err.message;
    }
  }

  return (
    <div className="space-y-3">
      {problem ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          {problem}
        </p>
      ) : null}
      <AccountsBrowser
        initialList={list ? serialize(list) : null}
        initialListKey={canonicalListKey(params)}
        initialTree={serialize(tree)}
        canScan={hasPermission(actor.roles, "scans.start")}
        canExport={hasPermission(actor.roles, "reports.export")}
        taskOptions={
          settings ? { requireTicket: settings.requireTicket, canBreakGlass: settings.breakGlassEnabled && hasPermission(actor.roles, "tasks.breakglass") } : null
        }
      />
    </div>
  );
}
