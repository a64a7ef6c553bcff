// Who a message is for, as e-mail addresses, resolved inside the outbox writer's transaction and
// stored on each delivery row (Notification.recipients), so a retry addresses the same people.
import { PERMISSIONS } from "@/lib/auth/permissions";
import type { TAuditTx } from "@/lib/audit/append";
import type { TEmailConfig } from "./channel-config";
import type { TNotifyAudience } from "./events";

/** The people of a message's audience (lowercase, sorted, without the actor). */
export type TAudiencePeople = { requester: string[]; approvers: string[] };

/** The roles that hold tasks.approve, read from the catalogue so the two cannot disagree. */
export const APPROVER_ROLES: readonly string[] = PERMISSIONS["tasks.approve"].roles;

/**
 * The requester (audience `requester`, or `everyone` on a message naming one) and the approvers
 * (audience `approvers` or `everyone`): users whose roles at their last sign-in hold tasks.approve.
 * The actor is left out, by user id and by address (one address is one person): nobody is told of
 * their own action. Users without an e-mail address cannot be addressed.
 */
export async function resolveAudiencePeople(
  tx: TAuditTx,
  message: { audience?: TNotifyAudience; requesterUserId?: string | null; actorUserId?: string | null },
): Promise<TAudiencePeople> {
  const audience = message.audience;
  const wantsRequester = (audience === "requester" || audience === "everyone") && !!message.requesterUserId;
  const wantsApprovers = audience === "approvers" || audience === "everyone";
  if (!wantsRequester && !wantsApprovers) return { requester: [], approvers: [] };
  const rows = await query<{ id: string; email: string | null; approver: boolean }>(
    tx,
    `SELECT "id"::text AS id, lower(btrim("email")) AS email, ("roles" && $3::text[]) AS approver FROM "User"
     WHERE "id"::text = ANY($1::text[]) OR ($2 AND "roles" && $3::text[])`,
    [[message.requesterUserId, message.actorUserId].filter((v): v is string => !!v), wantsApprovers, APPROVER_ROLES],
  );
  const actorEmail = rows.find((r) => r.id === message.actorUserId)?.email ?? null;
  const addressable = (r: { id: string; email: string | null }) => !!r.email && r.email.includes("@") && r.id !== message.actorUserId && r.email !== actorEmail;
  const list = (match: (r: (typeof rows)[number]) => boolean) => [...new Set(rows.filter((r) => match(r) && addressable(r)).map((r) => r.email!))].sort();
  return {
    requester: wantsRequester ? list((r) => r.id === message.requesterUserId) : [],
    approvers: wantsApprovers ? list((r) => r.approver) : [],
  };
}

/** An e-mail channel's addresses for one message: its fixed list, then the people its options add. */
export function emailRecipients(config: TEmailConfig, people: TAudiencePeople): string[] {
  const out = new Set(config.to.map((t) => t.toLowerCase()));
  if (config.toRequester) for (const e of people.requester) out.add(e);
  if (config.toApprovers) for (const e of people.approvers) out.add(e);
  return [...out];
}

/** What a webhook or Slack message names as its audience's people, for a receiver that routes. */
export function audienceAddresses(people: TAudiencePeople): string[] {
  return [...new Set([...people.requester, ...people.approvers])].sort();
}

async function query<T>(tx: TAuditTx, text: string, values: unknown[]): Promise<T[]> {
  if ("$queryRawUnsafe" in tx) return tx.$queryRawUnsafe<T[]>(text, ...values);
  return (await tx.query(text, values)).rows as T[];
}
