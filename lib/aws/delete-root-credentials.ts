// Deletes the approved root credentials of one member account in one IAMDeleteRootUserCredentials
// session: re-read, refuse if anything unapproved appeared, delete what is still there (one call
// each), read back. Full access key ids exist only inside the session; the outcome holds short ones.
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { withRootSession } from "./assume-root";
import { listAll, mfaType, shortenKeyId } from "./audit-root-credentials";
import type { TAwsContext } from "./context";
import { isAwsError, toAwsCallError } from "./errors";
import { itemError, TASK_SESSION_SECONDS, taskSignal } from "./root-task-common";

export type TCredentialKind = "password" | "accessKeys" | "signingCertificates" | "mfaDevices";
export const CREDENTIAL_KINDS: readonly TCredentialKind[] = ["password", "accessKeys", "signingCertificates", "mfaDevices"];

/** What the approvers approved for one account, from the scan: access key ids shortened as the inventory stores them. */
export type TDeletionPlan = {
  password: boolean;
  accessKeyIds: string[];
  certificateIds: string[];
  mfaSerials: string[];
  deleteVirtualMfa: boolean;
  /**
   * The kinds the requester chose. A chosen kind is compared in full at execution (a credential
   * of it that is not in the plan fails the precondition), even when the plan lists none of it.
   * Absent: a kind counts as chosen when the plan names something of it.
   */
  kinds?: TCredentialKind[];
};

export type TCurrentRootCredentials = {
  passwordPresent: boolean;
  /** Shortened (prefix…suffix). */
  accessKeyIds: string[];
  certificateIds: string[];
  mfaSerials: string[];
};

export type TDeletionItem = {
  kind: TCredentialKind;
  /** "password" for the login profile, the shortened key id, the certificate id or the MFA serial. */
  id: string;
  result: "DELETED" | "ALREADY_DONE" | "FAILED";
  /**
   * Mutating calls made for this item (a virtual MFA device deleted too takes two). An ALREADY_DONE
   * item normally has 0; 1 when the credential vanished between the read and the delete (NoSuchEntity).
   */
  calls: number;
  errorCode?: string;
  message?: string;
};

export type TDeletionOutcome = {
  accountId: string;
  assumeRootRequestId: string | null;
  precondition: { ok: boolean; differences: string[] };
  before: TCurrentRootCredentials;
  /** Read back after the deletions; null when the precondition failed or the read-back failed. */
  after: TCurrentRootCredentials | null;
  items: TDeletionItem[];
  /** Mutating calls sent, including ones AWS answered NoSuchEntity (the call log shows those as errors). */
  mutatingCalls: number;
  /** Every DELETED or ALREADY_DONE item was confirmed absent by reading back. */
  verified: boolean;
};

type TFullCredentials = { passwordPresent: boolean; accessKeyIds: string[]; certificateIds: string[]; mfaSerials: string[] };

/**
 * Throws AwsCallError (safe to store) when AssumeRoot or the first read fails: nothing was changed.
 * Once deletions start it does not throw; failures are per item.
 */
export async function deleteRootCredentials(
  aws: TAwsContext,
  options: { accountId: string; plan: TDeletionPlan; signal?: AbortSignal },
): Promise<TDeletionOutcome> {
  const { accountId, plan } = options;
  const signal = taskSignal(options.signal);
  return withRootSession(
    aws,
    { accountId, taskPolicy: "IAMDeleteRootUserCredentials", durationSeconds: TASK_SESSION_SECONDS, signal },
    async ({ iam, secrets, assumeRootRequestId }) => {
      const current = await readCredentials(iam, signal, secrets);
      const before = shorten(current);
      const differences = preconditionDifferences(plan, current);
      if (differences.length > 0) {
        return { accountId, assumeRootRequestId, precondition: { ok: false, differences }, before, after: null, items: [], mutatingCalls: 0, verified: false };
      }

      const items: TDeletionItem[] = [];
      // One call after another: IAM changes to one user are not meant to race each other.
      const run = async (kind: TCredentialKind, id: string, present: boolean, calls: { operation: string; send: () => Promise<unknown> }[]) => {
        if (!present) return items.push({ kind, id, result: "ALREADY_DONE", calls: 0 });
        let made = 0;
        for (const [i, call] of calls.entries()) {
          made++;
          try {
            await call.send();
          } catch (err) {
            // Gone already (another run, or removed by hand since the read): the goal is reached. A
            // virtual device missing after its deactivation was deleted by someone else, same thing.
            if (isAwsError(err, "NoSuchEntity")) {
              if (i === 0) return items.push({ kind, id, result: "ALREADY_DONE", calls: made });
              continue;
            }
            return items.push({ kind, id, result: "FAILED", calls: made, ...itemError(err, call.operation, secrets) });
          }
        }
        items.push({ kind, id, result: "DELETED", calls: made });
      };
      const send = { abortSignal: signal };

      if (plan.password) {
        await run("password", "password", current.passwordPresent, [
          { operation: "iam:DeleteLoginProfile", send: () => iam.send(new DeleteLoginProfileCommand({}), send) },
        ]);
      }
      for (const short of unique(plan.accessKeyIds)) {
        const full = current.accessKeyIds.find((k) => shortenKeyId(k) === short);
        await run("accessKeys", short, full !== undefined, [
          { operation: "iam:DeleteAccessKey", send: () => iam.send(new DeleteAccessKeyCommand({ AccessKeyId: full }), send) },
        ]);
      }
      for (const id of unique(plan.certificateIds)) {
        await run("signingCertificates", id, current.certificateIds.includes(id), [
          { operation: "iam:DeleteSigningCertificate", send: () => iam.send(new DeleteSigningCertificateCommand({ CertificateId: id }), send) },
        ]);
      }
      for (const serial of unique(plan.mfaSerials)) {
        const calls = [{ operation: "iam:DeactivateMFADevice", send: () => iam.send(new DeactivateMFADeviceCommand({ SerialNumber: serial }), send) }];
        if (plan.deleteVirtualMfa && mfaType(serial) === "virtual") {
          calls.push({ operation: "iam:DeleteVirtualMFADevice", send: () => iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }), send) });
        }
        // A device no longer listed is deactivated; an unassigned virtual device is no credential (and
        // the task policy cannot list virtual devices to find one), so it is not chased.
        await run("mfaDevices", serial, current.mfaSerials.includes(serial), calls);
      }
      const mutatingCalls = items.reduce((n, i) => n + i.calls, 0);

      let after: TFullCredentials | null = null;
      try {
        after = mutatingCalls === 0 ? current : await readCredentials(iam, signal, secrets);
      } catch {
        after = null;
      }
      if (after) {
        for (const item of items) {
          if (item.result === "FAILED" || !stillPresent(after, item)) continue;
          Object.assign(item, { result: "FAILED", errorCode: "StillPresent", message: "The credential was still there when read back after its deletion." });
        }
      }
      const verified = after !== null && items.every((i) => i.result !== "FAILED");
      return {
        accountId,
        assumeRootRequestId,
        precondition: { ok: true, differences: [] },
        before,
        after: after && shorten(after),
        items,
        mutatingCalls,
        verified,
      };
    },
  );
}

/** Sentences naming every current credential of a chosen kind that the plan does not cover. */
export function preconditionDifferences(plan: TDeletionPlan, current: TFullCredentials): string[] {
  const kinds = new Set<TCredentialKind>(
    plan.kinds ??
      CREDENTIAL_KINDS.filter((k) =>
        k === "password" ? plan.password : k === "accessKeys" ? plan.accessKeyIds.length > 0 : k === "signingCertificates" ? plan.certificateIds.length > 0 : plan.mfaSerials.length > 0,
      ),
  );
  const out: string[] = [];
  if (kinds.has("password") && current.passwordPresent && !plan.password) out.push("a root password appeared");
  if (kinds.has("accessKeys")) {
    const counts = new Map<string, number>();
    for (const id of current.accessKeyIds) counts.set(shortenKeyId(id), (counts.get(shortenKeyId(id)) ?? 0) + 1);
    for (const [short, n] of counts) {
      if (n > 1) out.push(`${n} access keys now match ${short}, so the approved one cannot be told apart`);
      else if (!plan.accessKeyIds.includes(short)) out.push(`access key ${short} appeared`);
    }
  }
  if (kinds.has("signingCertificates")) {
    for (const id of current.certificateIds) if (!plan.certificateIds.includes(id)) out.push(`signing certificate ${id} appeared`);
  }
  if (kinds.has("mfaDevices")) {
    for (const serial of current.mfaSerials) if (!plan.mfaSerials.includes(serial)) out.push(`MFA device ${serial} appeared`);
  }
  return out;
}

async function readCredentials(iam: IAMClient, signal: AbortSignal, secrets: readonly string[]): Promise<TFullCredentials> {
  const send = { abortSignal: signal };
  const step = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toAwsCallError(err, operation, secrets);
    }
  };
  const [passwordPresent, keys, certificates, devices] = await Promise.all([
    step("iam:GetLoginProfile", async () => {
      try {
        await iam.send(new GetLoginProfileCommand({}), send);
        return true;
      } catch (err) {
        if (isAwsError(err, "NoSuchEntity")) return false;
        throw err;
      }
    }),
    step("iam:ListAccessKeys", () =>
      listAll(async (Marker) => {
        const out = await iam.send(new ListAccessKeysCommand({ Marker }), send);
        return { items: out.AccessKeyMetadata ?? [], marker: out.IsTruncated ? out.Marker : undefined };
      }),
    ),
    step("iam:ListSigningCertificates", () =>
      listAll(async (Marker) => {
        const out = await iam.send(new ListSigningCertificatesCommand({ Marker }), send);
        return { items: out.Certificates ?? [], marker: out.IsTruncated ? out.Marker : undefined };
      }),
    ),
    step("iam:ListMFADevices", () =>
      listAll(async (Marker) => {
        const out = await iam.send(new ListMFADevicesCommand({ Marker }), send);
        return { items: out.MFADevices ?? [], marker: out.IsTruncated ? out.Marker : undefined };
      }),
    ),
  ]);
  return {
    passwordPresent,
    accessKeyIds: keys.flatMap((k) => (k.AccessKeyId ? [k.AccessKeyId] : [])),
    certificateIds: certificates.flatMap((c) => (c.CertificateId ? [c.CertificateId] : [])),
    mfaSerials: devices.flatMap((d) => (d.SerialNumber ? [d.SerialNumber] : [])),
  };
}

function stillPresent(after: TFullCredentials, item: TDeletionItem): boolean {
  switch (item.kind) {
    case "password":
      return after.passwordPresent;
    case "accessKeys":
      return after.accessKeyIds.some((k) => shortenKeyId(k) === item.id);
    case "signingCertificates":
      return after.certificateIds.includes(item.id);
    case "mfaDevices":
      return after.mfaSerials.includes(item.id);
  }
}

function shorten(c: TFullCredentials): TCurrentRootCredentials {
  return { ...c, accessKeyIds: c.accessKeyIds.map(shortenKeyId) };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
