// Audits one member account's root user: AssumeRoot with IAMAuditRootUserCredentials, then the IAM
// reads that policy allows (all pages). Returns facts only; the session never leaves this module.
import {
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { withRootSession } from "./assume-root";
import type { TAwsContext } from "./context";
import { isAwsError, toAwsCallError } from "./errors";

export type TRootAccessKey = {
  /** Shortened (prefix…suffix) like the IAM console shows it; enough to recognise, useless to sign. */
  accessKeyId: string;
  status: string | null;
  createDate: string | null;
  lastUsedDate: string | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
};
export type TRootSigningCertificate = { certificateId: string; status: string | null; uploadDate: string | null };
export type TRootMfaDevice = { serialNumber: string; type: "virtual" | "hardware"; enableDate: string | null };
export type TRootSummary = {
  AccountMFAEnabled: number | null;
  AccountAccessKeysPresent: number | null;
  AccountPasswordPresent: number | null;
  AccountSigningCertificatesPresent: number | null;
};

export type TRootCredentialAudit = {
  accountId: string;
  passwordPresent: boolean;
  passwordCreatedAt: string | null;
  accessKeys: TRootAccessKey[];
  signingCertificates: TRootSigningCertificate[];
  mfaDevices: TRootMfaDevice[];
  summary: TRootSummary;
};

/**
 * The audit's deadline. The root session is asked for just a little longer than that, so no call
 * can run on an expired session and no session outlives the audit by much.
 */
export const AUDIT_DEADLINE_SECONDS = 120;
export const AUDIT_SESSION_SECONDS = AUDIT_DEADLINE_SECONDS + 30;

export type TAuditOptions = {
  signal?: AbortSignal;
  /**
   * "as-flagged" (default): GetAccountSummary first, then the detail reads only for the credential
   * kinds its flags say are present (or when a flag is missing). AWS's own checks (Security Hub
   * IAM.4/IAM.9) use the same flags; a clean account costs 2 calls instead of 6, which is what
   * lets a 2-core box audit 10,000 accounts in a minute. "all": every read, always.
   */
  reads?: "as-flagged" | "all";
  /** One call after another (the naive loop the benchmark compares against). */
  sequential?: boolean;
};

export async function auditRootCredentials(
  aws: TAwsContext,
  accountId: string,
  options: TAuditOptions = {},
): Promise<TRootCredentialAudit> {
  const deadline = AbortSignal.timeout(AUDIT_DEADLINE_SECONDS * 1000);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const readAll = options.reads === "all";
  const together = options.sequential
    ? async <T extends readonly (() => Promise<unknown>)[]>(fns: T) => {
        const out: unknown[] = [];
        for (const fn of fns) out.push(await fn());
        return out as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
      }
    : <T extends readonly (() => Promise<unknown>)[]>(fns: T) =>
        Promise.all(fns.map((fn) => fn())) as Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }>;

  return withRootSession(
    aws,
    { accountId, taskPolicy: "IAMAuditRootUserCredentials", durationSeconds: AUDIT_SESSION_SECONDS, signal },
    async ({ iam, secrets }) => {
      const send = { abortSignal: signal };
      const step = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
        try {
          return await fn();
        } catch (err) {
          throw toAwsCallError(err, operation, secrets);
        }
      };
      const readSummary = () =>
        step("iam:GetAccountSummary", async () => {
          const out = await iam.send(new GetAccountSummaryCommand({}), send);
          const map = out.SummaryMap ?? {};
          return {
            AccountMFAEnabled: map.AccountMFAEnabled ?? null,
            AccountAccessKeysPresent: map.AccountAccessKeysPresent ?? null,
            AccountPasswordPresent: map.AccountPasswordPresent ?? null,
            AccountSigningCertificatesPresent: map.AccountSigningCertificatesPresent ?? null,
          } satisfies TRootSummary;
        });

      // With every read requested, the summary goes out together with the rest.
      const summaryFirst = readAll ? null : await readSummary();
      const wanted = (flag: number | null | undefined) => readAll || flag !== 0;
      const none = async () => [] as never[];

      const [summary, login, keys, certificates, mfaDevices] = await together([
        () => (summaryFirst ? Promise.resolve(summaryFirst) : readSummary()),
        () =>
          wanted(summaryFirst?.AccountPasswordPresent)
            ? step("iam:GetLoginProfile", async () => {
                try {
                  const out = await iam.send(new GetLoginProfileCommand({}), send);
                  return { present: true, createdAt: iso(out.LoginProfile?.CreateDate) };
                } catch (err) {
                  if (isAwsError(err, "NoSuchEntity")) return { present: false, createdAt: null };
                  throw err;
                }
              })
            : Promise.resolve({ present: false, createdAt: null }),
        () =>
          wanted(summaryFirst?.AccountAccessKeysPresent)
            ? step("iam:ListAccessKeys", () =>
                listAll(async (Marker) => {
                  const out = await iam.send(new ListAccessKeysCommand({ Marker }), send);
                  return { items: out.AccessKeyMetadata ?? [], marker: out.IsTruncated ? out.Marker : undefined };
                }),
              )
            : none(),
        () =>
          wanted(summaryFirst?.AccountSigningCertificatesPresent)
            ? step("iam:ListSigningCertificates", () =>
                listAll(async (Marker) => {
                  const out = await iam.send(new ListSigningCertificatesCommand({ Marker }), send);
                  return { items: out.Certificates ?? [], marker: out.IsTruncated ? out.Marker : undefined };
                }),
              )
            : none(),
        () =>
          wanted(summaryFirst?.AccountMFAEnabled)
            ? step("iam:ListMFADevices", () =>
                listAll(async (Marker) => {
                  const out = await iam.send(new ListMFADevicesCommand({ Marker }), send);
                  return { items: out.MFADevices ?? [], marker: out.IsTruncated ? out.Marker : undefined };
                }),
              )
            : none(),
      ] as const);

      const accessKeys = await together(
        keys
          .filter((k) => k.AccessKeyId)
          .map(
            (k) => () =>
              step("iam:GetAccessKeyLastUsed", async () => {
                const used = await lastUsed(iam, k.AccessKeyId!, send);
                return {
                  accessKeyId: shortenKeyId(k.AccessKeyId!),
                  status: k.Status ?? null,
                  createDate: iso(k.CreateDate),
                  ...used,
                } satisfies TRootAccessKey;
              }),
          ),
      );

      return {
        accountId,
        passwordPresent: login.present,
        passwordCreatedAt: login.createdAt,
        accessKeys,
        signingCertificates: certificates
          .filter((c) => c.CertificateId)
          .map((c) => ({ certificateId: c.CertificateId!, status: c.Status ?? null, uploadDate: iso(c.UploadDate) })),
        mfaDevices: mfaDevices
          .filter((d) => d.SerialNumber)
          .map((d) => ({ serialNumber: d.SerialNumber!, type: mfaType(d.SerialNumber!), enableDate: iso(d.EnableDate) })),
        summary,
      };
    },
  );
}

/** Virtual devices are ARNs `arn:aws:iam::<acct>:mfa/<name>`; hardware TOTP serials and FIDO keys are not. */
export function mfaType(serialNumber: string): "virtual" | "hardware" {
  return /^arn:aws[\w-]*:iam::\d{12}:mfa\//.test(serialNumber) ? "virtual" : "hardware";
}

export function shortenKeyId(id: string): string {
  return id.length <= 8 ? id : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

async function lastUsed(iam: IAMClient, accessKeyId: string, send: { abortSignal: AbortSignal }) {
  const out = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }), send);
  const u = out.AccessKeyLastUsed;
  // IAM reports "N/A" for a key that was never used.
  const clean = (v: string | undefined) => (v && v !== "N/A" ? v : null);
  return { lastUsedDate: iso(u?.LastUsedDate), lastUsedService: clean(u?.ServiceName), lastUsedRegion: clean(u?.Region) };
}

export async function listAll<T>(page: (marker: string | undefined) => Promise<{ items: T[]; marker: string | undefined }>) {
  const all: T[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const out = await page(marker);
    all.push(...out.items);
    marker = out.marker;
    // A root user holds at most a handful of each; a runaway marker loop is a bug, not data.
    if (++pages > 100) throw new Error("IAM kept returning IsTruncated after 100 pages.");
  } while (marker);
  return all;
}

function iso(d: Date | undefined): string | null {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}
