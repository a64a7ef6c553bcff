// Drift: an account or the organization moving away from the target state between two readings.
// Pure functions: the scan and the sync hand over what they already have, so detection costs no query.
import { shortenKeyId } from "@/lib/aws/audit-root-credentials";
import type { TOrgFeatures } from "@/lib/aws/read-org-features";

export const DRIFT_KINDS = ["CREDENTIAL_ADDED", "BECAME_NON_COMPLIANT", "FEATURE_DISABLED", "JOINED_WITH_CREDENTIALS"] as const;
export type TDriftKind = (typeof DRIFT_KINDS)[number];

/** Stored as DriftEvent.changes: sentences for people, and the same facts for machines. */
export type TDriftChanges = {
  sentences: string[];
  passwordCreated?: boolean;
  accessKeysAdded?: string[];
  signingCertificatesAdded?: string[];
  mfaDevicesAdded?: string[];
  statusFrom?: string;
  statusTo?: string;
  failingRules?: string[];
  featuresDisabled?: TOrgFeatureName[];
};

export type TDetectedDrift = { kind: TDriftKind; accountId: string | null; changes: TDriftChanges };

/** The parts of a successful snapshot that drift is computed from (the stored shape). */
export type TDriftFacts = {
  passwordPresent: boolean | null;
  passwordCreatedAt: Date | string | null;
  accessKeys: readonly { accessKeyId: string }[] | null;
  signingCertificates: readonly { certificateId: string }[] | null;
  mfaDevices: readonly { serialNumber: string }[] | null;
  status: string;
  failingRules: readonly string[];
};

/**
 * An account's new successful snapshot against its previous successful one.
 * - previous exists: CREDENTIAL_ADDED when a password appeared (or was re-created: a new creation
 *   date), or an access key, signing certificate or MFA device id is new; otherwise
 *   BECAME_NON_COMPLIANT when the status went from anything else to NON_COMPLIANT.
 * - no previous: JOINED_WITH_CREDENTIALS when the account joined after the first inventory
 *   (`joinedAfterInventory`: Account.firstSyncedAt is later than Organization.firstSyncedAt, i.e.
 *   the first sync did not store it) and the snapshot shows any root credential.
 *   Accounts of the initial inventory never drift on their first snapshot.
 */
export function detectAccountDrift(input: {
  accountId: string;
  previous: TDriftFacts | null;
  current: TDriftFacts;
  joinedAfterInventory: boolean;
}): TDetectedDrift | null {
  const { accountId, previous, current } = input;
  if (!previous) {
    if (!input.joinedAfterInventory) return null;
    const present = credentialSentences(current, null);
    if (present.sentences.length === 0) return null;
    return {
      kind: "JOINED_WITH_CREDENTIALS",
      accountId,
      changes: { ...present.facts, sentences: ["joined the organization with root credentials", ...present.sentences], statusTo: current.status, failingRules: [...current.failingRules] },
    };
  }
  const added = credentialSentences(current, previous);
  const becameNonCompliant = previous.status !== "NON_COMPLIANT" && current.status === "NON_COMPLIANT";
  if (added.sentences.length === 0 && !becameNonCompliant) return null;
  const sentences = [...added.sentences];
  if (becameNonCompliant) sentences.push(`became non-compliant (${current.failingRules.join(", ") || "no rule named"})`);
  return {
    kind: added.sentences.length > 0 ? "CREDENTIAL_ADDED" : "BECAME_NON_COMPLIANT",
    accountId,
    changes: { ...added.facts, sentences, statusFrom: previous.status, statusTo: current.status, failingRules: [...current.failingRules] },
  };
}

export type TOrgFeatureName = "trustedAccessIam" | "rootCredentialsManagement" | "rootSessions";
const FEATURE_LABELS: Record<TOrgFeatureName, string> = {
  trustedAccessIam: "trusted access for iam.amazonaws.com",
  rootCredentialsManagement: "RootCredentialsManagement",
  rootSessions: "RootSessions",
};

/** A feature that was on at the previous sync and is off now (unknown before or now is no drift). */
export function detectFeatureDrift(
  previous: Partial<Record<TOrgFeatureName, boolean | null>> | null,
  current: Pick<TOrgFeatures, TOrgFeatureName>,
): TDetectedDrift | null {
  if (!previous) return null;
  const off = (Object.keys(FEATURE_LABELS) as TOrgFeatureName[]).filter((f) => previous[f] === true && current[f] === false);
  if (off.length === 0) return null;
  return { kind: "FEATURE_DISABLED", accountId: null, changes: { sentences: off.map((f) => `${FEATURE_LABELS[f]} turned off`), featuresDisabled: off } };
}

export function hasRootCredentials(facts: TDriftFacts): boolean {
  return credentialSentences(facts, null).sentences.length > 0;
}

function credentialSentences(current: TDriftFacts, previous: TDriftFacts | null): { sentences: string[]; facts: Partial<TDriftChanges> } {
  const sentences: string[] = [];
  const facts: Partial<TDriftChanges> = {};
  if (current.passwordPresent) {
    const was = previous?.passwordPresent === true;
    const recreated = was && time(previous?.passwordCreatedAt) !== null && time(previous?.passwordCreatedAt) !== time(current.passwordCreatedAt);
    if (!was || recreated) {
      sentences.push(recreated ? "password re-created" : previous ? "password created" : "password present");
      facts.passwordCreated = true;
    }
  }
  const newIds = <T,>(now: readonly T[] | null, before: readonly T[] | null | undefined, id: (x: T) => string) => {
    const seen = new Set((before ?? []).map(id));
    return (now ?? []).map(id).filter((x) => !seen.has(x));
  };
  const verb = previous ? "added" : "present";
  const keys = newIds(current.accessKeys, previous?.accessKeys, (k) => k.accessKeyId);
  for (const k of keys) sentences.push(`access key ${shortenKeyId(k)} ${verb}`);
  if (keys.length > 0) facts.accessKeysAdded = keys.map(shortenKeyId);
  const certs = newIds(current.signingCertificates, previous?.signingCertificates, (c) => c.certificateId);
  for (const c of certs) sentences.push(`signing certificate ${shortenKeyId(c)} ${verb}`);
  if (certs.length > 0) facts.signingCertificatesAdded = certs.map(shortenKeyId);
  const mfa = newIds(current.mfaDevices, previous?.mfaDevices, (m) => m.serialNumber);
  for (const m of mfa) sentences.push(`MFA device ${m} ${verb}`);
  if (mfa.length > 0) facts.mfaDevicesAdded = mfa;
  return { sentences, facts };
}

function time(v: Date | string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : t;
}
