// "Allow password recovery" for one member account: CreateLoginProfile with no password in an
// IAMCreateRootUserPassword session, so the owner of the root email can reset the password.
import { CreateLoginProfileCommand, GetLoginProfileCommand, type IAMClient } from "@aws-sdk/client-iam";
import { withRootSession } from "./assume-root";
import type { TAwsContext } from "./context";
import { isAwsError, toAwsCallError } from "./errors";
import { itemError, TASK_SESSION_SECONDS, taskSignal } from "./root-task-common";

export type TPasswordRecoveryOutcome = {
  accountId: string;
  assumeRootRequestId: string | null;
  result: "DONE" | "ALREADY_DONE" | "FAILED";
  errorCode?: string;
  message?: string;
  before: { passwordPresent: boolean };
  /** Null when the read-back failed. */
  after: { passwordPresent: boolean } | null;
  mutatingCalls: number;
  verified: boolean;
};

/** Throws AwsCallError when AssumeRoot or the first GetLoginProfile fails (nothing changed). */
export async function allowPasswordRecovery(aws: TAwsContext, options: { accountId: string; signal?: AbortSignal }): Promise<TPasswordRecoveryOutcome> {
  const { accountId } = options;
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId, taskPolicy: "IAMCreateRootUserPassword", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ iam, secrets, assumeRootRequestId }) => {
      const read = () => loginProfilePresent(iam, signal, secrets);
      const present = await read();
      const base = { accountId, assumeRootRequestId, before: { passwordPresent: present } };
      if (present) return { ...base, result: "ALREADY_DONE", after: { passwordPresent: true }, mutatingCalls: 0, verified: true };
      let result: TPasswordRecoveryOutcome["result"] = "DONE";
      let failure: { errorCode: string; message: string } | undefined;
      try {
        // No Password: with root-session credentials AWS refuses one; the email owner sets it.
        await iam.send(new CreateLoginProfileCommand({}), { abortSignal: signal });
      } catch (err) {
        if (isAwsError(err, "EntityAlreadyExists")) result = "ALREADY_DONE";
        else {
          result = "FAILED";
          failure = itemError(err, "iam:CreateLoginProfile", secrets);
        }
      }
      const after = await read().then(
        (p) => ({ passwordPresent: p }),
        () => null,
      );
      return { ...base, result, ...failure, after, mutatingCalls: 1, verified: result !== "FAILED" && after?.passwordPresent === true };
    },
  );
}

async function loginProfilePresent(iam: IAMClient, signal: AbortSignal, secrets: readonly string[]): Promise<boolean> {
  try {
    await iam.send(new GetLoginProfileCommand({}), { abortSignal: signal });
    return true;
  } catch (err) {
    if (isAwsError(err, "NoSuchEntity")) return false;
    throw toAwsCallError(err, "iam:GetLoginProfile", secrets);
  }
}
