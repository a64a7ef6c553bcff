// GET /api/audit/status - tree size, signed root, signing key and the last verification
import { withPermission } from "@/lib/auth/route";
import { getChainStatus } from "@/lib/audit/get-chain-status";

export const GET = withPermission("audit.read", async (_req, { actor }) => Response.json({ status: await getChainStatus({ actor }) }));
