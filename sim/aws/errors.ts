// Simulator errors and how each AWS wire protocol wraps them (query XML, JSON __type, SQS query-compat, S3 XML).

export type Protocol = "sts" | "iam" | "organizations" | "s3" | "sqs";

export type SimErrorOptions = {
  fault?: "Sender" | "Receiver";
  // awsJson __type when it differs from the code (SQS shape names, coral namespaces).
  jsonType?: string;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
};

export class SimError extends Error {
  readonly code: string;
  readonly status: number;
  readonly options: SimErrorOptions;
  constructor(code: string, message: string, status: number, options: SimErrorOptions = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.options = options;
  }
}

export type SimResponse = { status: number; headers: Record<string, string>; body: string | Buffer };

export const QUERY_NAMESPACES = {
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
} as const;

export function renderError(protocol: Protocol, err: SimError, requestId: string): SimResponse {
  const fault = err.options.fault ?? (err.status >= 500 ? "Receiver" : "Sender");
  const headers: Record<string, string> = { "x-amzn-requestid": requestId, ...err.options.headers };
  switch (protocol) {
    case "sts":
    case "iam": {
      const body =
        `<ErrorResponse xmlns="${QUERY_NAMESPACES[protocol]}"><Error><Type>${fault}</Type><Code>${escapeXml(err.code)}</Code>` +
        `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return { status: err.status, headers: { ...headers, "content-type": "text/xml" }, body };
    }
    case "organizations": {
      const body = JSON.stringify({ __type: err.options.jsonType ?? err.code, Message: err.message, ...err.options.fields });
      return { status: err.status, headers: { ...headers, "content-type": "application/x-amz-json-1.1" }, body };
    }
    case "sqs": {
      const body = JSON.stringify({ __type: err.options.jsonType ?? `com.amazon.coral.service#${err.code}`, message: err.message });
      return { status: err.status, headers: { ...headers, "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": `${err.code};${fault}` }, body };
    }
    case "s3": {
      const extra = Object.entries(err.options.fields ?? {}).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join("");
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}` +
        `<RequestId>${requestId}</RequestId><HostId>${hostId(requestId)}</HostId></Error>`;
      return { status: err.status, headers: { "x-amz-request-id": requestId, "x-amz-id-2": hostId(requestId), ...err.options.headers, "content-type": "application/xml" }, body };
    }
  }
}

export type AuthFailure = "missing" | "unknown-key" | "bad-signature" | "expired" | "bad-token" | "skew" | "payload-hash";

// The same authentication failure has a different name and status in each protocol, as AWS answers it.
export function authError(protocol: Protocol, failure: AuthFailure, detail = ""): SimError {
  const invalidToken = "The security token included in the request is invalid.";
  const mismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
  const expired = "The security token included in the request is expired";
  const skew = `Signature expired: ${detail} is now earlier or later than the allowed 15 minute window.`;
  if (protocol === "s3") {
    switch (failure) {
      case "missing": return new SimError("AccessDenied", "Access Denied", 403);
      case "unknown-key": return new SimError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403);
      case "bad-signature": return new SimError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403);
      case "expired": return new SimError("ExpiredToken", "The provided token has expired.", 400);
      case "bad-token": return new SimError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400);
      case "skew": return new SimError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403);
      case "payload-hash": return new SimError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
    }
  }
  if (protocol === "organizations") {
    switch (failure) {
      case "missing": return new SimError("MissingAuthenticationTokenException", "Missing Authentication Token", 400);
      case "unknown-key":
      case "bad-token": return new SimError("UnrecognizedClientException", invalidToken, 400);
      case "bad-signature":
      case "payload-hash": return new SimError("InvalidSignatureException", mismatch, 400);
      case "expired": return new SimError("ExpiredTokenException", expired, 400);
      case "skew": return new SimError("InvalidSignatureException", skew, 400);
    }
  }
  // STS, IAM and SQS (query-compatible) share the query protocol's codes.
  const jsonType = (shape: string): SimErrorOptions => (protocol === "sqs" ? { jsonType: `com.amazon.coral.service#${shape}` } : {});
  switch (failure) {
    case "missing": return new SimError("MissingAuthenticationToken", "Request is missing Authentication Token", 403, jsonType("MissingAuthenticationTokenException"));
    case "unknown-key":
    case "bad-token": return new SimError("InvalidClientTokenId", invalidToken, 403, jsonType("UnrecognizedClientException"));
    case "bad-signature":
    case "payload-hash": return new SimError("SignatureDoesNotMatch", mismatch, 403, jsonType("InvalidSignatureException"));
    case "expired": return new SimError("ExpiredToken", expired, 403, jsonType("ExpiredTokenException"));
    case "skew": return new SimError("SignatureDoesNotMatch", skew, 403, jsonType("InvalidSignatureException"));
  }
}

export type InjectedFailure = "throttle" | "internal" | "unavailable";

export function injectedError(protocol: Protocol, kind: InjectedFailure): SimError {
  if (kind === "throttle") return throttlingError(protocol);
  switch (protocol) {
    case "sts":
    case "iam":
      return kind === "internal"
        ? new SimError(protocol === "iam" ? "ServiceFailure" : "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500)
        : new SimError("ServiceUnavailable", "Service is unable to handle request.", 503);
    case "organizations":
      return kind === "internal"
        ? new SimError("ServiceException", "AWS Organizations can't complete your request because of an internal service error. Try again later.", 500)
        : new SimError("ServiceUnavailableException", "Service is unable to handle request.", 503);
    case "s3":
      return kind === "internal"
        ? new SimError("InternalError", "We encountered an internal error. Please try again.", 500)
        : new SimError("ServiceUnavailable", "Please reduce your request rate.", 503);
    case "sqs":
      return kind === "internal"
        ? new SimError("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500, { jsonType: "com.amazon.coral.service#InternalFailure" })
        : new SimError("ServiceUnavailable", "Service is unable to handle request.", 503, { jsonType: "com.amazon.coral.service#ServiceUnavailableException" });
  }
}

export function throttlingError(protocol: Protocol): SimError {
  switch (protocol) {
    case "sts":
    case "iam":
      return new SimError("Throttling", "Rate exceeded", 400);
    case "organizations":
      return new SimError("TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress. Try again later.", 400, {
        fields: { Type: "RequestsPerSecond" },
      });
    case "s3":
      return new SimError("SlowDown", "Please reduce your request rate.", 503);
    case "sqs":
      return new SimError("RequestThrottled", "Request is throttled.", 403, { jsonType: "com.amazonaws.sqs#RequestThrottled" });
  }
}

export function unknownOperationError(protocol: Protocol, name: string): SimError {
  switch (protocol) {
    case "sts":
    case "iam":
      return new SimError("InvalidAction", `Could not find operation ${name} for version ${protocol === "sts" ? "2011-06-15" : "2010-05-08"}`, 400);
    case "organizations":
      return new SimError("UnknownOperationException", "", 400, { jsonType: "com.amazon.coral.service#UnknownOperationException" });
    case "sqs":
      return new SimError("InvalidAction", `The action ${name} is not valid for this endpoint.`, 400, { jsonType: "com.amazon.coral.service#UnknownOperationException" });
    case "s3":
      return new SimError("NotImplemented", "A header you provided implies functionality that is not implemented", 501);
  }
}

export function accessDenied(protocol: Protocol, message: string): SimError {
  switch (protocol) {
    case "organizations":
      return new SimError("AccessDeniedException", message, 400);
    case "s3":
      return new SimError("AccessDenied", "Access Denied", 403);
    case "sqs":
      return new SimError("AccessDenied", message, 403, { jsonType: "com.amazon.coral.service#AccessDeniedException" });
    default:
      return new SimError("AccessDenied", message, 403);
  }
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;"));
}

function hostId(requestId: string): string {
  return Buffer.from(`sim-${requestId}`).toString("base64");
}
