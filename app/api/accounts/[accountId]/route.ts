// GET /api/accounts/[accountId] - one account: root credentials, failing rules, history, errors
import { z } from "zod";
import { parseInput, withPermission } from "@/lib/auth/route";
import { getAccountDetail } from "@/lib/inventory/get-account-detail";
import { ZAccountId } from "@/lib/inventory/list-accounts";

const ZParams = z.object({ accountId: ZAccountId });

export const GET = withPermission("accounts.read", async (_req, { actor, params }) => {
  const { accountId } = parseInput(params, ZParams);
  return Response.json(await getAccountDetail({ actor, accountId }));
});
