// POST /api/notify/channels/[channelId]/test - send a test notification through the outbox (settings.write)
import { parseInput, withPermission } from "@/lib/auth/route";
import { getJobClient } from "@/lib/jobs/boss";
import { requestNotificationDelivery } from "@/lib/jobs/notify-jobs";
import { sendTestNotification } from "@/lib/notify/send-test-notification";
import { ZChannelParams } from "@/lib/notify/update-channel";

export const POST = withPermission("settings.write", async (_req, { actor, params }) => {
  const { channelId } = parseInput(params, ZChannelParams);
  const result = await sendTestNotification({ actor, channelId, now: new Date() });
  // After commit; without a job client (no DATABASE_URL) the minute tick still delivers it.
  await getJobClient().then(requestNotificationDelivery, () => undefined);
  return Response.json(result, { status: 202 });
});
