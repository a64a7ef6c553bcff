// The AWS identity and client settings Rootwarden calls AWS with: the default credential chain
// (optionally assuming AWS_ROLE_ARN first), a required Region, throttling-aware retries and timeouts.
import http from "node:http";
import https from "node:https";
import { IAMClient, type IAMClientConfig } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ConfigError, getConfig } from "@/lib/config";

/** Static keys or a provider, as every SDK v3 client accepts. */
export type TAwsCredentials = NonNullable<STSClientConfig["credentials"]>;
export type TSessionCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

export type TAwsOptions = {
  region?: string;
  /** Overrides AWS_ENDPOINT_URL (the simulator in tests); the SDK reads that variable by itself otherwise. */
  endpoint?: string;
  credentials?: TAwsCredentials;
  roleArn?: string;
  /** Per attempt; retries and backoff come on top, bounded by each caller's deadline. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Open connections per host: enough for every audit in flight to make its parallel IAM calls. */
  maxSockets?: number;
};

/** Shared clients and settings for everything in lib/aws; create once per process. */
export type TAwsContext = {
  region: string;
  endpoint: string | undefined;
  timeoutMs: number;
  maxAttempts: number;
  requestHandler: NodeHttpHandler;
  sts: STSClient;
  iam: IAMClient;
  organizations: OrganizationsClient;
  /** S3 with the workers' own identity (the scheduled report's bucket); path style when an endpoint is set. */
  s3: S3Client;
  /** IAM client signed with short-lived root-session credentials; used and dropped inside one call. */
  createSessionIamClient: (credentials: TSessionCredentials) => Promise<IAMClient>;
  /** S3 client signed with root-session credentials (path-style addressing when an endpoint is set). */
  createSessionS3Client: (credentials: TSessionCredentials) => S3Client;
  /** SQS client signed with root-session credentials. */
  createSessionSqsClient: (credentials: TSessionCredentials) => SQSClient;
  destroy: () => void;
};

export function createAwsContext(options: TAwsOptions = {}): TAwsContext {
  const config = getConfig();
  const region = options.region ?? config.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError([
      "AWS_REGION: required. AssumeRoot must go to a Regional STS endpoint; set AWS_REGION (e.g. us-east-1).",
    ]);
  }
  const timeoutMs = options.timeoutMs ?? config.AWS_CALL_TIMEOUT_MS;
  const maxAttempts = options.maxAttempts ?? config.AWS_MAX_ATTEMPTS;
  const maxSockets = options.maxSockets ?? Math.max(64, config.SCAN_CONCURRENCY * 4);
  const endpoint = options.endpoint;
  const customEndpoint = (service: "S3" | "SQS") => endpoint ?? (process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL || undefined);

  // Keep-alive matters at scale: a new TLS connection per call would dominate a 10,000-account scan.
  const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 10_000 };
  const requestHandler = new NodeHttpHandler({
    connectionTimeout: Math.min(timeoutMs, 5_000),
    requestTimeout: timeoutMs,
    throwOnRequestTimeout: true,
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent(agentOptions),
  });
  // Adaptive mode adds a client-side rate limiter on top of exponential backoff when AWS throttles.
  const base = { region, maxAttempts, retryMode: "adaptive" as const, requestHandler, ...(endpoint ? { endpoint } : {}) };

  const chain = options.credentials ?? fromNodeProviderChain();
  const roleArn = options.roleArn ?? config.AWS_ROLE_ARN;
  const credentials = roleArn
    ? fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: "rootwarden", DurationSeconds: 3600 },
        masterCredentials: chain,
        clientConfig: base,
      })
    : chain;

  const sts = new STSClient({ ...base, credentials });
  const iam = new IAMClient({ ...base, credentials });
  const organizations = new OrganizationsClient({ ...base, credentials });
  const s3 = new S3Client({ ...base, credentials, followRegionRedirects: true, ...(customEndpoint("S3") ? { forcePathStyle: true } : {}) });

  // Settings every client would otherwise look up again in env and config files (thousands of times
  // per scan): resolved once from the caller's IAM client, so session clients behave the same.
  let sessionDefaults: Promise<Partial<IAMClientConfig>> | undefined;
  const resolveSessionDefaults = async (): Promise<Partial<IAMClientConfig>> => ({
    useFipsEndpoint: await iam.config.useFipsEndpoint(),
    useDualstackEndpoint: await iam.config.useDualstackEndpoint(),
    userAgentAppId: await iam.config.userAgentAppId(),
    authSchemePreference: await iam.config.authSchemePreference(),
  });

  return {
    region,
    endpoint,
    timeoutMs,
    maxAttempts,
    requestHandler,
    sts,
    iam,
    organizations,
    s3,
    // No destroy() on these clients: it would tear down the shared connection pool.
    createSessionIamClient: async (sessionCredentials) => {
      sessionDefaults ??= resolveSessionDefaults().catch((err) => {
        sessionDefaults = undefined;
        throw err;
      });
      return new IAMClient({ ...base, ...(await sessionDefaults), credentials: sessionCredentials });
    },
    // A custom endpoint (the simulator, LocalStack; given here or in AWS_ENDPOINT_URL[_S3], which
    // the SDK reads itself) has no virtual-host DNS, hence path style. Buckets in other Regions
    // answer with a redirect the client follows instead of failing.
    createSessionS3Client: (sessionCredentials) =>
      new S3Client({
        ...base,
        credentials: sessionCredentials,
        followRegionRedirects: true,
        ...(customEndpoint("S3") ? { forcePathStyle: true } : {}),
      }),
    // With a custom endpoint every call goes to that endpoint; the queue URL's host (which the
    // endpoint itself answered with) is not followed, so a proxy in front sees the whole session.
    createSessionSqsClient: (sessionCredentials) =>
      new SQSClient({ ...base, credentials: sessionCredentials, ...(customEndpoint("SQS") ? { useQueueUrlAsEndpoint: false } : {}) }),
    destroy: () => {
      sts.destroy();
      iam.destroy();
      organizations.destroy();
      s3.destroy();
      requestHandler.destroy();
    },
  };
}

const globalForAws = globalThis as unknown as { rootwardenAws?: TAwsContext };

/** The process's AWS context from the environment, created on first use. */
export function getAwsContext(): TAwsContext {
  globalForAws.rootwardenAws ??= createAwsContext();
  return globalForAws.rootwardenAws;
}
