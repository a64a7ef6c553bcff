// Executing an approved organization set-up target: the one change through lib/aws/org-setup, and,
// in the target's result transaction, the Organization row updated from the read-back (so the
// Overview shows the new state at once) and the read-back kept as an OrganizationFeatureReading
// (reports as of a time), with an org.feature.enabled / org.feature.disabled event.
import { appendAuditEvent } from "@/lib/audit/append";
import { SYSTEM } from "@/lib/auth/actor";
import type { TAwsContext } from "@/lib/aws/context";
import { changeOrgSetup, ORG_SETUP_STEP_LABELS, type TOrgSetupState } from "@/lib/aws/org-setup";
import type { PrismaClient } from "@/lib/db/generated/client";
import type { TTargetResult } from "./execute";
import type { TOrgSetupPreview } from "./plan-org-setup";

type TTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Throws AwsCallError (runTarget turns it into a FAILED result with its sentence). */
export async function runOrgSetupTarget(aws: TAwsContext, preview: TOrgSetupPreview, signal?: AbortSignal): Promise<TTargetResult> {
  const change =
    preview.step === "DELEGATED_ADMIN"
      ? { step: preview.step, enable: preview.enable, accountId: preview.accountId ?? "" }
      : { step: preview.step, enable: preview.enable };
  const out = await changeOrgSetup(aws, change, { signal });
  const evidence = { before: out.before, after: out.after, verified: out.verified, awsRequestId: out.requestId };
  const items = [{ kind: "org-setup", id: ORG_SETUP_STEP_LABELS[preview.step], result: out.result }];
  const base = { assumeRootRequestId: null, mutatingCalls: out.mutatingCalls, items, evidence };
  if (out.result === "PRECONDITION_FAILED") {
    return { ...base, status: "PRECONDITION_FAILED", differences: [out.message ?? "The state changed since the request."], errorCode: "PreconditionFailed", message: out.message };
  }
  if (!out.verified) {
    return { ...base, status: "FAILED", differences: [], errorCode: "NotVerified", message: `Reading back after the change does not show ${ORG_SETUP_STEP_LABELS[preview.step]} ${preview.enable ? "enabled" : "disabled"}.` };
  }
  return { ...base, status: out.result === "ALREADY_DONE" ? "ALREADY_DONE" : "SUCCEEDED", differences: [], errorCode: null, message: null };
}

/** Inside the target's result transaction: the Organization row follows AWS, and a change is audited. */
export async function recordOrgSetupChange(
  tx: TTx,
  o: { organizationId: string; requestId: string; targetId: string; preview: TOrgSetupPreview; result: TTargetResult; now: Date },
): Promise<void> {
  const evidence = o.result.evidence as { before?: TOrgSetupState; after?: TOrgSetupState | null; awsRequestId?: string | null };
  const state = evidence.after ?? (o.result.status === "ALREADY_DONE" ? evidence.before : undefined);
  if (state && state.problems.length === 0) {
    const features = {
      trustedAccessIam: state.trustedAccess,
      rootCredentialsManagement: state.rootCredentialsManagement,
      rootSessions: state.rootSessions,
      delegatedAdminAccountId: state.delegatedAdminAccountId,
    };
    const updated = await tx.organization.updateMany({
      where: { id: o.organizationId },
      data: { ...(state.featureSet ? { featureSet: state.featureSet } : {}), ...features, featuresCheckedAt: o.now },
    });
    // A reading like a sync's, for reports as of a time (the Organization row keeps only the latest).
    if (updated.count > 0) {
      await tx.organizationFeatureReading.create({ data: { organizationId: o.organizationId, readAt: o.now, source: "org-setup", ...features } });
    }
  }
  if (o.result.status !== "SUCCEEDED") return;
  await appendAuditEvent(tx, {
    type: o.preview.enable ? "org.feature.enabled" : "org.feature.disabled",
    actor: SYSTEM,
    organizationId: o.organizationId,
    target: { type: "ORG", id: o.organizationId },
    payload: {
      requestId: o.requestId,
      targetId: o.targetId,
      feature: o.preview.step,
      accountId: o.preview.accountId,
      awsRequestId: evidence.awsRequestId ?? null,
      verified: true,
    },
    time: o.now,
  });
}
