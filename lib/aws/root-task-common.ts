// What every privileged root task shares: the deadline and session length, and item errors that
// can be stored and shown (code plus a sentence, AWS's own text stays in the server log).
import { AwsCallError, toAwsCallError } from "./errors";

/**
 * Each task run stops after this long; its root session is asked for a little longer, so no call
 * runs on an expired session and no session outlives the task by much.
 */
export const TASK_DEADLINE_SECONDS = 120;
export const TASK_SESSION_SECONDS = TASK_DEADLINE_SECONDS + 30;

export function taskSignal(signal: AbortSignal | undefined): AbortSignal {
  const deadline = AbortSignal.timeout(TASK_DEADLINE_SECONDS * 1000);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

const ITEM_HINTS: Record<string, string> = {
  AccessDenied: "AWS denied the call.",
  Throttling: "AWS kept throttling the call after every retry.",
  TimeoutError: "AWS did not answer in time.",
  AbortError: "The task ran out of time and was stopped.",
  ExpiredToken: "The root session expired before the call.",
  ExpiredTokenException: "The root session expired before the call.",
};

/** The code and a sentence for people about one failed call of a task; retrying the target is the remedy. */
export function itemError(err: unknown, operation: string, secrets: readonly string[]): { errorCode: string; message: string } {
  const safe = toAwsCallError(err, operation, secrets);
  const hint = ITEM_HINTS[safe.code] ?? "";
  return { errorCode: safe.code, message: `${operation} failed (${safe.code}).${hint ? ` ${hint}` : ""} Retrying the target re-checks it first.` };
}

export function invalidInput(message: string, operation: string): AwsCallError {
  return new AwsCallError("InvalidInput", message, operation, message);
}
