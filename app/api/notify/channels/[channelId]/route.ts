// PATCH /api/notify/channels/[channelId] - enable/disable, rename or change events (settings.write)
// DELETE /api/notify/channels/[channelId] - delete a channel; its delivery log stays (settings.write)
import { parseInput, parseJsonBody, withPermission } from "@/lib/auth/route";
import { deleteChannel } from "@/lib/notify/delete-channel";
import { updateChannel, ZChannelParams, ZUpdateChannelInput } from "@/lib/notify/update-channel";

export const PATCH = withPermission("settings.write", async (req, { actor, params }) => {
  const { channelId } = parseInput(params, ZChannelParams);
  const input = await parseJsonBody(req, ZUpdateChannelInput);
  return Response.json({ channel: await updateChannel({ actor, channelId, input, now: new Date() }) });
});

export const DELETE = withPermission("settings.write", async (_req, { actor, params }) => {
  const { channelId } = parseInput(params, ZChannelParams);
  return Response.json(await deleteChannel({ actor, channelId, now: new Date() }));
});
