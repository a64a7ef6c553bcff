// Reads the organization-level switches centralized root access depends on: IAM trusted access,
// RootCredentialsManagement, RootSessions and the IAM delegated administrator.
import {
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
} from "@aws-sdk/client-organizations";
import { ListOrganizationsFeaturesCommand } from "@aws-sdk/client-iam";
import type { TAwsContext } from "./context";
import { isAwsError, toAwsCallError } from "./errors";

export type TOrgFeatures = {
  /** null: could not be read (e.g. access denied); the UI shows "unknown", not "off". */
  trustedAccessIam: boolean | null;
  rootCredentialsManagement: boolean | null;
  rootSessions: boolean | null;
  delegatedAdminAccountId: string | null;
  /** Why a value is null, safe to show. */
  problems: string[];
};

const IAM_PRINCIPAL = "iam.amazonaws.com";

export async function readOrgFeatures(aws: TAwsContext, options: { signal?: AbortSignal } = {}): Promise<TOrgFeatures> {
  const send = { abortSignal: options.signal };
  const problems: string[] = [];

  const trustedAccessIam = await (async () => {
    try {
      let token: string | undefined;
      do {
        const out = await aws.organizations.send(
          new ListAWSServiceAccessForOrganizationCommand({ NextToken: token, MaxResults: 20 }),
          send,
        );
        if ((out.EnabledServicePrincipals ?? []).some((p) => p.ServicePrincipal === IAM_PRINCIPAL)) return true;
        token = out.NextToken;
      } while (token);
      return false;
    } catch (err) {
      problems.push(toAwsCallError(err, "organizations:ListAWSServiceAccessForOrganization").message);
      return null;
    }
  })();

  const features = await (async () => {
    try {
      const out = await aws.iam.send(new ListOrganizationsFeaturesCommand({}), send);
      const enabled = out.EnabledFeatures ?? [];
      return {
        rootCredentialsManagement: enabled.includes("RootCredentialsManagement"),
        rootSessions: enabled.includes("RootSessions"),
      };
    } catch (err) {
      // Without trusted access the features cannot be on: that is an answer, not an unknown.
      if (isAwsError(err, "ServiceAccessNotEnabled")) return { rootCredentialsManagement: false, rootSessions: false };
      problems.push(toAwsCallError(err, "iam:ListOrganizationsFeatures").message);
      return { rootCredentialsManagement: null, rootSessions: null };
    }
  })();

  const delegatedAdminAccountId = await (async () => {
    try {
      let token: string | undefined;
      do {
        const out = await aws.organizations.send(
          new ListDelegatedAdministratorsCommand({ ServicePrincipal: IAM_PRINCIPAL, NextToken: token, MaxResults: 20 }),
          send,
        );
        const first = out.DelegatedAdministrators?.find((d) => d.Id);
        if (first?.Id) return first.Id;
        token = out.NextToken;
      } while (token);
      return null;
    } catch (err) {
      problems.push(toAwsCallError(err, "organizations:ListDelegatedAdministrators").message);
      return null;
    }
  })();

  return { trustedAccessIam, ...features, delegatedAdminAccountId, problems };
}
