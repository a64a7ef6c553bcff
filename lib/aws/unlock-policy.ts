// The unlock step shared by buckets and queues: read the current policy, stop if it is already the
// target or no longer the approved one, else make the one change and read it back.
import { AwsCallError } from "./errors";
import { describePolicyDifferences, samePolicy, validateReplacementPolicy } from "./resource-policy";
import { invalidInput, itemError } from "./root-task-common";

export type TPolicyAction = { kind: "DELETE" } | { kind: "REPLACE"; policy: string };
export type TUnlockResult = "DONE" | "ALREADY_DONE" | "PRECONDITION_FAILED" | "FAILED";

export type TPolicyUnlockOutcome = {
  assumeRootRequestId: string | null;
  result: TUnlockResult;
  /** Sentences for people: why the precondition failed (empty otherwise). */
  differences: string[];
  errorCode?: string;
  message?: string;
  before: { policy: string | null };
  /** Null when the read-back failed. */
  after: { policy: string | null } | null;
  mutatingCalls: number;
  /** The policy read back is the target (gone, or equal to the replacement). */
  verified: boolean;
};

export function checkAction(action: TPolicyAction, service: "s3" | "sqs", operation: string): void {
  if (action.kind === "DELETE") return;
  if (action.kind !== "REPLACE") throw invalidInput("The action must be DELETE or REPLACE.", operation);
  const valid = validateReplacementPolicy(action.policy, { service });
  if (!valid.ok) throw invalidInput(valid.error, operation);
}

export async function unlockPolicy(options: {
  what: "bucket" | "queue";
  expectedPolicy: string | null;
  action: TPolicyAction;
  assumeRootRequestId: string | null;
  secrets: readonly string[];
  writeOperation: string;
  read: () => Promise<string | null>;
  write: (policy: string | null) => Promise<void>;
}): Promise<TPolicyUnlockOutcome> {
  const { action, assumeRootRequestId } = options;
  const target = action.kind === "DELETE" ? null : action.policy;
  const current = await options.read();
  const base = { assumeRootRequestId, before: { policy: current } };
  if (samePolicy(current, target)) {
    return { ...base, result: "ALREADY_DONE", differences: [], after: { policy: current }, mutatingCalls: 0, verified: true };
  }
  const differences = describePolicyDifferences(options.expectedPolicy, current, options.what);
  if (differences.length > 0) {
    return { ...base, result: "PRECONDITION_FAILED", differences, after: { policy: current }, mutatingCalls: 0, verified: false };
  }
  let failure: { errorCode: string; message: string } | undefined;
  try {
    await options.write(target);
  } catch (err) {
    failure = itemError(err, options.writeOperation, options.secrets);
  }
  const after = await options.read().then(
    (policy) => ({ policy }),
    () => null,
  );
  const verified = after !== null && samePolicy(after.policy, target);
  // A write that failed on the way back (a timeout) but took effect is done all the same.
  const result: TUnlockResult = verified ? "DONE" : "FAILED";
  return {
    ...base,
    result,
    differences: [],
    ...(result === "FAILED" ? (failure ?? { errorCode: "NotVerified", message: `The ${options.what} policy read back is not the intended one.` }) : {}),
    after,
    mutatingCalls: 1,
    verified,
  };
}

export function notFound(code: string, publicMessage: string, operation: string): AwsCallError {
  return new AwsCallError(code, publicMessage, operation, publicMessage);
}
