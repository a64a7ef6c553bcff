// The one catalogue of audit event types: each dot-namespaced type with its typed payload (a zod
// discriminated union), so a writer cannot record a payload its type does not describe.
import { z } from "zod";

const ZUuid = z.string().uuid();
const ZScanScopeRecord = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ORG") }),
  z.object({ type: z.literal("OU"), ouId: z.string() }),
  z.object({ type: z.literal("ACCOUNTS"), accountIds: z.array(z.string()).max(20_000) }),
]);
const ZIsoTime = z.string().datetime();

export const ZAuditEventBody = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("user.signed_in"),
    payload: z.object({
      groups: z.array(z.string()),
      roles: z.array(z.string()),
      /** The IdP's auth_time (null: the ID token had none); absent in events from before it was recorded. */
      authTime: ZIsoTime.nullable().optional(),
      /** The session of the same browser that this sign-in ended (a re-authentication). */
      replacedSessionId: ZUuid.optional(),
    }),
  }),
  z.object({ type: z.literal("user.signed_out"), payload: z.object({}) }),
  z.object({
    type: z.literal("user.sessions_revoked"),
    payload: z.object({ userId: ZUuid, reason: z.string().max(500).optional(), sessions: z.number().int().nonnegative().optional() }),
  }),
  z.object({
    type: z.literal("scan.started"),
    payload: z.object({
      scanId: ZUuid,
      scope: ZScanScopeRecord,
      scopeLabel: z.string(),
      trigger: z.enum(["MANUAL", "SCHEDULED"]),
      total: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
    }),
  }),
  z.object({ type: z.literal("scan.cancelled"), payload: z.object({ scanId: ZUuid, done: z.number().int(), total: z.number().int() }) }),
  z.object({
    type: z.literal("scan.finished"),
    payload: z.object({
      scanId: ZUuid,
      status: z.enum(["SUCCEEDED", "FAILED"]),
      total: z.number().int(),
      done: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
      error: z.string().nullable().optional(),
    }),
  }),
  z.object({
    // One event per transaction that found drift (a scan's results chunk, or an org sync).
    type: z.literal("drift.detected"),
    payload: z.object({
      scanId: ZUuid.nullable(),
      drifts: z.array(
        z.object({
          id: ZUuid,
          accountId: z.string().nullable(),
          kind: z.enum(["CREDENTIAL_ADDED", "BECAME_NON_COMPLIANT", "FEATURE_DISABLED", "JOINED_WITH_CREDENTIALS"]),
          changes: z.array(z.string()),
        }),
      ),
    }),
  }),
  z.object({
    type: z.literal("org.synced"),
    payload: z.object({ ous: z.number().int(), accounts: z.number().int(), leftOrg: z.number().int(), problems: z.array(z.string()) }),
  }),
  z.object({ type: z.literal("org.sync_requested"), payload: z.object({ jobId: ZUuid }) }),
  ...(["org.feature.enabled", "org.feature.disabled"] as const).map((type) =>
    z.object({
      type: z.literal(type),
      payload: z.object({
        requestId: ZUuid,
        targetId: ZUuid,
        /** TRUSTED_ACCESS | ROOT_CREDENTIALS_MANAGEMENT | ROOT_SESSIONS | DELEGATED_ADMIN (lib/aws/org-setup.ts). */
        feature: z.string(),
        /** The delegated administrator registered or deregistered. */
        accountId: z.string().nullable(),
        /** AWS request id of the change, to match with CloudTrail. */
        awsRequestId: z.string().nullable(),
        verified: z.boolean(),
      }),
    }),
  ),
  z.object({
    type: z.literal("settings.changed"),
    payload: z.object({ setting: z.string(), from: z.unknown().optional(), to: z.unknown().optional() }),
  }),
  z.object({
    type: z.literal("report.exported"),
    payload: z.object({
      report: z.string(),
      format: z.string(),
      asOf: ZIsoTime.optional(),
      rows: z.number().int().optional(),
      sha256: z.string().optional(),
      /** The ReportExport row (Reports page). */
      exportId: ZUuid.optional(),
      /** The Accounts page's filters the export was made with. */
      filters: z.record(z.string(), z.string()).optional(),
      freshnessHours: z.number().int().optional(),
      /** The scheduled report only: where the file was written (a directory path, or s3://bucket/key). */
      destination: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal("audit.exported"),
    payload: z.object({
      from: ZIsoTime.nullable(),
      to: ZIsoTime.nullable(),
      firstSeq: z.number().int().nullable(),
      lastSeq: z.number().int().nullable(),
    }),
  }),
  z.object({
    type: z.literal("notify.channel_created"),
    payload: z.object({
      channelId: ZUuid,
      kind: z.string(),
      name: z.string(),
      events: z.array(z.string()),
      host: z.string().nullable(),
      /** E-mail channels: whether they also address the requester / the approvers. */
      toRequester: z.boolean().optional(),
      toApprovers: z.boolean().optional(),
    }),
  }),
  z.object({
    type: z.literal("notify.channel_updated"),
    payload: z.object({
      channelId: ZUuid,
      name: z.string(),
      changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
    }),
  }),
  z.object({ type: z.literal("notify.channel_deleted"), payload: z.object({ channelId: ZUuid, kind: z.string(), name: z.string() }) }),
  z.object({ type: z.literal("notify.test_requested"), payload: z.object({ channelId: ZUuid, name: z.string(), notificationId: ZUuid }) }),
  z.object({
    type: z.literal("audit.verified"),
    payload: z.object({
      ok: z.boolean(),
      treeSize: z.number().int(),
      checkpoints: z.number().int(),
      copies: z.number().int(),
      durationMs: z.number().int(),
      problem: z.string().nullable(),
      firstBadSeq: z.number().int().nullable(),
    }),
  }),
  // ---- privileged tasks (lib/tasks) ----
  z.object({
    type: z.literal("request.created"),
    payload: z.object({
      requestId: ZUuid,
      number: z.number().int(),
      taskType: z.string(),
      scopeLabel: z.string(),
      targets: z.number().int().nonnegative(),
      requiredApprovals: z.number().int().nonnegative(),
      reason: z.string(),
      ticket: z.string().nullable(),
      /** SHA-256 (hex) of the RFC 8785 form of the frozen plan: what approvers approve. */
      planSha256: z.string(),
      retryOf: ZUuid.nullable().optional(),
    }),
  }),
  z.object({
    type: z.literal("request.voted"),
    payload: z.object({
      requestId: ZUuid,
      decision: z.enum(["APPROVE", "REJECT"]),
      comment: z.string().nullable(),
      authTime: ZIsoTime.nullable(),
      approvals: z.number().int(),
      requiredApprovals: z.number().int(),
    }),
  }),
  z.object({ type: z.literal("request.approved"), payload: z.object({ requestId: ZUuid, approvals: z.number().int(), startBy: ZIsoTime }) }),
  z.object({ type: z.literal("request.rejected"), payload: z.object({ requestId: ZUuid, comment: z.string().nullable() }) }),
  z.object({ type: z.literal("request.cancelled"), payload: z.object({ requestId: ZUuid, from: z.string() }) }),
  z.object({ type: z.literal("request.expired"), payload: z.object({ requestId: ZUuid, from: z.enum(["PENDING", "APPROVED"]) }) }),
  z.object({
    type: z.literal("request.break_glass"),
    payload: z.object({ requestId: ZUuid, reason: z.string(), authTime: ZIsoTime.nullable() }),
  }),
  z.object({ type: z.literal("request.reviewed"), payload: z.object({ requestId: ZUuid, comment: z.string().nullable() }) }),
  z.object({ type: z.literal("task.started"), payload: z.object({ requestId: ZUuid, targets: z.number().int() }) }),
  z.object({
    type: z.literal("task.target_finished"),
    payload: z.object({
      requestId: ZUuid,
      targetId: ZUuid,
      accountId: z.string(),
      resource: z.string().nullable(),
      status: z.enum(["SUCCEEDED", "ALREADY_DONE", "PRECONDITION_FAILED", "FAILED"]),
      /** STS request id of the AssumeRoot call (never its credentials), to match with CloudTrail. */
      assumeRootRequestId: z.string().nullable(),
      mutatingCalls: z.number().int().nonnegative(),
      /** Per credential or policy: what was done. */
      items: z.array(z.object({ kind: z.string(), id: z.string(), result: z.string() })).max(1_000),
      differences: z.array(z.string()).max(100),
      errorCode: z.string().nullable(),
      evidenceSha256: z.string(),
    }),
  }),
  z.object({
    type: z.literal("task.finished"),
    payload: z.object({
      requestId: ZUuid,
      status: z.enum(["SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED"]),
      succeeded: z.number().int(),
      alreadyDone: z.number().int(),
      preconditionFailed: z.number().int(),
      failed: z.number().int(),
    }),
  }),
  z.object({
    type: z.literal("task.session_read"),
    payload: z.object({
      /** Why a root session was opened outside an approved request: listing or reading for a request dialog. */
      purpose: z.enum(["list-resources", "read-policy"]),
      taskPolicy: z.string(),
      accountId: z.string(),
      resource: z.string().nullable(),
      assumeRootRequestId: z.string().nullable(),
      count: z.number().int().nullable(),
    }),
  }),
]);

export type TAuditEventBody = z.infer<typeof ZAuditEventBody>;
export type TAuditEventType = TAuditEventBody["type"];
export type TAuditPayload<T extends TAuditEventType> = Extract<TAuditEventBody, { type: T }>["payload"];

export const AUDIT_EVENT_TYPES = ZAuditEventBody.options.map((o) => o.shape.type.value) as TAuditEventType[];

export function isAuditEventType(value: string): value is TAuditEventType {
  return (AUDIT_EVENT_TYPES as string[]).includes(value);
}

export const ZAuditTargetType = z.enum(["ORG", "OU", "ACCOUNT", "BUCKET", "QUEUE", "SCAN", "USER", "REQUEST", "NOTIFICATION_CHANNEL"]);
export type TAuditTargetType = z.infer<typeof ZAuditTargetType>;
