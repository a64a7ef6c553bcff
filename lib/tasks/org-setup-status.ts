// Settings › Organization: the five set-up steps in the documented order, each with its state read
// from AWS now, the task types that change it, and the open requests for it (linked).
import { assertPermission, type TActor } from "@/lib/auth/actor";
import { getAwsContext } from "@/lib/aws/context";
import { ORG_SETUP_STEP_LABELS, stepValue, type TOrgSetupState, type TOrgSetupStep } from "@/lib/aws/org-setup";
import { prisma as defaultDb } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/db/generated/client";
import { OPEN_STATUSES, ORG_TASK_TYPES, TASKS, orgTaskTypeFor, type TOrgTaskType } from "./catalogue";
import { localAwsReader, type TAwsReader } from "./aws-reads";
import { currentOrganizationId } from "./requests";

export type TOrgSetupStepView = {
  step: TOrgSetupStep | "ALL_FEATURES";
  number: number;
  label: string;
  /** true/false; the delegated administrator's account id (or null: none); null also when unreadable (see problem). */
  value: boolean | string | null;
  problem: string | null;
  enableTaskType: TOrgTaskType | null;
  disableTaskType: TOrgTaskType | null;
  open: { id: string; number: number; taskType: string; label: string; status: string; link: string }[];
};

export type TOrgSetupStatus = {
  organizationId: string;
  managementAccountId: string;
  lastSyncedAt: string | null;
  readAt: string;
  steps: TOrgSetupStepView[];
  /** Candidates for the delegated administrator: active member accounts. */
  accounts: { id: string; name: string }[];
};

export async function getOrgSetupStatus(options: {
  actor: TActor | null;
  db?: PrismaClient;
  /** Route handlers pass the worker-backed reader (lib/jobs/aws-reads.ts); default: this process's AWS context. */
  awsRead?: TAwsReader;
  now?: Date;
}): Promise<TOrgSetupStatus> {
  assertPermission(options.actor, "org.setup");
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const organizationId = await currentOrganizationId(db);
  const org = await db.organization.findUniqueOrThrow({ where: { id: organizationId }, select: { managementAccountId: true, lastSyncedAt: true } });
  const [state, open, accounts] = await Promise.all([
    (options.awsRead ?? localAwsReader(getAwsContext))({ op: "org.readSetup" }) as Promise<TOrgSetupState>,
    db.taskRequest.findMany({
      where: { organizationId, taskType: { in: [...ORG_TASK_TYPES] }, status: { in: [...OPEN_STATUSES] } },
      select: { id: true, number: true, taskType: true, status: true },
      orderBy: { number: "desc" },
    }),
    db.account.findMany({ where: { organizationId, state: "ACTIVE", isManagement: false, leftOrgAt: null }, select: { id: true, name: true }, orderBy: { name: "asc" }, take: 5000 }),
  ]);
  const problemOf = (step: TOrgSetupStepView["step"]) =>
    state.problems.find((p) => p.step === (step === "ROOT_SESSIONS" ? "ROOT_CREDENTIALS_MANAGEMENT" : step))?.message ?? null;
  const allFeatures: TOrgSetupStepView = {
    step: "ALL_FEATURES",
    number: 1,
    label: "All-features mode",
    value: state.featureSet === null ? null : state.featureSet === "ALL",
    problem: problemOf("ALL_FEATURES"),
    enableTaskType: null,
    disableTaskType: null,
    open: [],
  };
  const steps = (["TRUSTED_ACCESS", "ROOT_CREDENTIALS_MANAGEMENT", "ROOT_SESSIONS", "DELEGATED_ADMIN"] as const).map((step, i): TOrgSetupStepView => {
    const types = [orgTaskTypeFor(step, true), orgTaskTypeFor(step, false)];
    return {
      step,
      number: i + 2,
      label: ORG_SETUP_STEP_LABELS[step],
      value: stepValue(state, step),
      problem: problemOf(step),
      enableTaskType: types[0]!,
      disableTaskType: types[1]!,
      open: open
        .filter((r) => (types as string[]).includes(r.taskType))
        .map((r) => ({ ...r, label: TASKS[r.taskType as TOrgTaskType].label, link: `/requests/${r.id}` })),
    };
  });
  return {
    organizationId,
    managementAccountId: state.managementAccountId ?? org.managementAccountId,
    lastSyncedAt: org.lastSyncedAt?.toISOString() ?? null,
    readAt: now.toISOString(),
    steps: [allFeatures, ...steps],
    accounts,
  };
}
