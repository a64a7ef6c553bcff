// GET /api/accounts - list accounts with filters (status, rule, OU subtree, text), sort and pagination
import { parseInput, withPermission } from "@/lib/auth/route";
import { listAccounts, searchParamsToListQueryInput, ZListAccountsQuery } from "@/lib/inventory/list-accounts";

export const GET = withPermission("accounts.read", async (req, { actor }) => {
  const query = parseInput(searchParamsToListQueryInput(new URL(req.url).searchParams), ZListAccountsQuery);
  return Response.json(await listAccounts({ actor, query }));
});
