// Types for the part of oidc-provider (which ships none) that the dev IdP uses.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export type TOidcContext = {
    oidc: {
      provider: Provider;
      client?: { clientId: string };
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      result?: { login?: unknown; consent?: { grantId?: string } };
      params?: Record<string, unknown>;
    };
  };

  export type TAccountClaims = { sub: string } & Record<string, unknown>;
  export type TAccount = {
    accountId: string;
    claims(use: string, scope: string): Promise<TAccountClaims> | TAccountClaims;
  };

  export type TClientMetadata = {
    client_id: string;
    client_secret: string;
    redirect_uris: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    require_auth_time?: boolean;
  };

  export type TAdapterPayload = { uid?: string; userCode?: string; grantId?: string; consumed?: number } & Record<string, unknown>;
  export type TAdapter = {
    upsert(id: string, payload: TAdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<TAdapterPayload | undefined>;
    findByUid(uid: string): Promise<TAdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<TAdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  };

  export type TConfiguration = {
    adapter?: (model: string) => TAdapter;
    clients?: TClientMetadata[];
    claims?: Record<string, string[]>;
    scopes?: string[];
    conformIdTokenClaims?: boolean;
    cookies?: { keys?: string[] };
    jwks?: { keys: Record<string, unknown>[] };
    features?: Record<string, { enabled: boolean } & Record<string, unknown>>;
    findAccount?: (ctx: TOidcContext, sub: string) => Promise<TAccount | undefined>;
    interactions?: { policy?: Policy; url?: (ctx: TOidcContext, interaction: { uid: string }) => string };
    loadExistingGrant?: (ctx: TOidcContext) => Promise<Grant | undefined>;
    pkce?: { required?: () => boolean };
    renderError?: (ctx: { type: string; body: string }, out: Record<string, unknown>, error: Error) => Promise<void>;
    ttl?: Record<string, number>;
    clientBasedCORS?: () => boolean;
  };

  export type TInteractionDetails = {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
  };

  export class Grant {
    constructor(init: { accountId?: string; clientId?: string });
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
    static find(id: string): Promise<Grant | undefined>;
  }

  export class Provider {
    constructor(issuer: string, configuration?: TConfiguration);
    readonly issuer: string;
    Grant: typeof Grant;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<TInteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export type CheckFn = (ctx: TOidcContext) => boolean | Promise<boolean>;
  export class Check {
    constructor(reason: string, description: string, check: CheckFn);
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
  }
  export type Prompt = { name: string; checks: { add(check: Check, index?: number): void } };
  export type Policy = Prompt[] & { get(name: string): Prompt | undefined };

  export const interactionPolicy: { base(): Policy; Check: typeof Check };
  export default Provider;
}
