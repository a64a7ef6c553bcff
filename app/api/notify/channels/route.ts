// GET /api/notify/channels - notification channels, never their secrets (settings.read)
// POST /api/notify/channels - add a channel; a generated webhook secret is returned this once (settings.write)
import { parseJsonBody, withPermission } from "@/lib/auth/route";
import { createChannel, ZCreateChannelInput } from "@/lib/notify/create-channel";
import { listChannels } from "@/lib/notify/list-channels";

export const GET = withPermission("settings.read", async (_req, { actor }) => {
  return Response.json({ channels: await listChannels({ actor }) });
});

export const POST = withPermission("settings.write", async (req, { actor }) => {
  const input = await parseJsonBody(req, ZCreateChannelInput);
  return Response.json(await createChannel({ actor, input, now: new Date() }), { status: 201 });
});
