// Reads the whole AWS Organization: the organization, its root(s), every nested OU and every account,
// following every NextToken (a page may be empty and still carry one). No database here.
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
} from "@aws-sdk/client-organizations";
import { z } from "zod";
import type { TAwsContext } from "./context";
import { toAwsCallError } from "./errors";
import { createLimiter } from "./limit";

export type TOrgInfo = { id: string; arn: string; featureSet: string; managementAccountId: string };
export type TOrgUnit = {
  id: string;
  arn: string;
  name: string;
  parentId: string | null;
  isRoot: boolean;
  /** Names from the root, e.g. "Root/Workloads/Prod". */
  path: string;
  /** Ids from the root with a trailing slash, e.g. "r-ab12/ou-ab12-1/". */
  idPath: string;
  depth: number;
};
export type TOrgAccount = {
  id: string;
  arn: string;
  name: string;
  email: string;
  state: string;
  joinedMethod: string | null;
  joinedAt: Date | null;
  parentId: string;
};
export type TOrgWalk = { organization: TOrgInfo; ous: TOrgUnit[]; accounts: TOrgAccount[] };

// AWS responses that steer the walk are checked: a malformed id must not become a broken tree.
const ZOrganization = z.object({
  Id: z.string().regex(/^o-[a-z0-9]{10,32}$/),
  Arn: z.string(),
  FeatureSet: z.string().default("ALL"),
  MasterAccountId: z.string().regex(/^\d{12}$/),
});
const ZNode = z.object({ Id: z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/), Arn: z.string(), Name: z.string() });
const ZAccount = z.object({
  Id: z.string().regex(/^\d{12}$/),
  Arn: z.string(),
  Name: z.string().default(""),
  Email: z.string().default(""),
  State: z.string().optional(),
  Status: z.string().optional(),
  JoinedMethod: z.string().optional(),
  JoinedTimestamp: z.date().optional(),
});

/** Parents listed in parallel (pages of one parent stay sequential: each needs the previous token). */
const WALK_CONCURRENCY = 8;
const PAGE_SIZE = 20;

export async function walkOrganization(aws: TAwsContext, options: { signal?: AbortSignal } = {}): Promise<TOrgWalk> {
  const send = { abortSignal: options.signal };
  const org = await call("organizations:DescribeOrganization", async () => {
    const out = await aws.organizations.send(new DescribeOrganizationCommand({}), send);
    return ZOrganization.parse(out.Organization);
  });

  const roots: TOrgUnit[] = [];
  await paginate("organizations:ListRoots", async (NextToken) => {
    const out = await aws.organizations.send(new ListRootsCommand({ NextToken, MaxResults: PAGE_SIZE }), send);
    for (const raw of out.Roots ?? []) {
      const r = ZNode.parse(raw);
      roots.push({ id: r.Id, arn: r.Arn, name: r.Name, parentId: null, isRoot: true, path: r.Name, idPath: `${r.Id}/`, depth: 0 });
    }
    return out.NextToken;
  });

  const ous: TOrgUnit[] = [...roots];
  const accounts: TOrgAccount[] = [];
  const limit = createLimiter(WALK_CONCURRENCY);

  const visit = async (parent: TOrgUnit): Promise<void> => {
    const children: TOrgUnit[] = [];
    await limit(async () => {
      await paginate("organizations:ListOrganizationalUnitsForParent", async (NextToken) => {
        const out = await aws.organizations.send(
          new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: PAGE_SIZE }),
          send,
        );
        for (const raw of out.OrganizationalUnits ?? []) {
          const o = ZNode.parse(raw);
          children.push({
            id: o.Id,
            arn: o.Arn,
            name: o.Name,
            parentId: parent.id,
            isRoot: false,
            path: `${parent.path}/${o.Name}`,
            idPath: `${parent.idPath}${o.Id}/`,
            depth: parent.depth + 1,
          });
        }
        return out.NextToken;
      });
      await paginate("organizations:ListAccountsForParent", async (NextToken) => {
        const out = await aws.organizations.send(
          new ListAccountsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: PAGE_SIZE }),
          send,
        );
        for (const raw of out.Accounts ?? []) {
          const a = ZAccount.parse(raw);
          accounts.push({
            id: a.Id,
            arn: a.Arn,
            name: a.Name,
            email: a.Email,
            // Status is being retired in favour of State.
            state: a.State ?? a.Status ?? "UNKNOWN",
            joinedMethod: a.JoinedMethod ?? null,
            joinedAt: a.JoinedTimestamp ?? null,
            parentId: parent.id,
          });
        }
        return out.NextToken;
      });
    });
    ous.push(...children);
    await Promise.all(children.map(visit));
  };
  await Promise.all(roots.map(visit));

  return {
    organization: { id: org.Id, arn: org.Arn, featureSet: org.FeatureSet, managementAccountId: org.MasterAccountId },
    ous,
    accounts,
  };
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsCallError(err, operation);
  }
}

/** Follows NextToken until it is absent; guards against a token that repeats forever. */
async function paginate(operation: string, page: (token: string | undefined) => Promise<string | undefined>) {
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    token = await call(operation, () => page(token));
    if (token !== undefined) {
      if (seen.has(token)) throw new Error(`${operation} returned the same NextToken twice; the walk stopped.`);
      seen.add(token);
    }
  } while (token);
}
