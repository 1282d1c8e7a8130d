/**
 * The one status table. Both receivers answer through `clientStatusOf`, and both exporters turn
 * an upstream's answer into a TaggerError through `errorFromGrpcStatus` / `errorFromHttpStatus`,
 * so a condition means the same thing whichever protocol a client or an upstream speaks.
 *
 * Sources: OTLP spec (opentelemetry-proto docs/specification.md, "Failures" and "Throttling"),
 * the Collector's receiver mapping (receiver/otlpreceiver/internal/errors/errors.go).
 */
import { ErrorCode, TaggerError, isTaggerError } from '../errors.js';
import { GrpcCode, grpcCodeName } from './grpc-code.js';

const retryableGrpc = new Set<number>([
  GrpcCode.CANCELLED,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.ABORTED,
  GrpcCode.OUT_OF_RANGE,
  GrpcCode.UNAVAILABLE,
  GrpcCode.DATA_LOSS,
]);

/** OTLP/gRPC: RESOURCE_EXHAUSTED is retryable only when the server sent RetryInfo. */
export function isRetryableGrpcCode(code: number, hasRetryInfo: boolean): boolean {
  if (code === GrpcCode.RESOURCE_EXHAUSTED) return hasRetryInfo;
  return retryableGrpc.has(code);
}

/** OTLP/HTTP: "All other 4xx or 5xx response status codes MUST NOT be retried." */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * gRPC code → HTTP status for HTTP clients (Collector mapping), except that RESOURCE_EXHAUSTED
 * without RetryInfo is permanent in OTLP/gRPC, so HTTP clients get 413 rather than a retryable 429.
 */
export function httpStatusForGrpcCode(code: number, hasRetryInfo: boolean): number {
  switch (code) {
    case GrpcCode.OK:
      return 200;
    case GrpcCode.CANCELLED:
    case GrpcCode.DEADLINE_EXCEEDED:
    case GrpcCode.ABORTED:
    case GrpcCode.OUT_OF_RANGE:
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DATA_LOSS:
      return 503;
    case GrpcCode.RESOURCE_EXHAUSTED:
      return hasRetryInfo ? 429 : 413;
    case GrpcCode.INVALID_ARGUMENT:
      return 400;
    case GrpcCode.UNAUTHENTICATED:
      return 401;
    case GrpcCode.PERMISSION_DENIED:
      return 403;
    case GrpcCode.NOT_FOUND:
    case GrpcCode.UNIMPLEMENTED:
      return 404;
    default:
      return 500;
  }
}

/** HTTP status → gRPC code for gRPC clients, keeping retryability (gRPC's HTTP mapping, OTLP rules). */
export function grpcCodeForHttpStatus(status: number): GrpcCode {
  if (status >= 200 && status < 300) return GrpcCode.OK;
  switch (status) {
    case 400:
      return GrpcCode.INVALID_ARGUMENT;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 413:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return status >= 500 ? GrpcCode.INTERNAL : GrpcCode.INVALID_ARGUMENT;
  }
}

/** What a receiver tells its client about a failure. */
export interface ClientStatus {
  readonly grpcCode: GrpcCode;
  readonly httpStatus: number;
  readonly message: string;
  readonly retryable: boolean;
  /** Sent as RetryInfo (gRPC) / Retry-After (HTTP) when known. */
  readonly retryAfterMillis: number | undefined;
  /** The stable error code, for logs and metrics. */
  readonly code: ErrorCode;
}

export function clientStatusOf(err: unknown): ClientStatus {
  if (!isTaggerError(err)) {
    return {
      grpcCode: GrpcCode.INTERNAL,
      httpStatus: 500,
      message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
      retryable: false,
      retryAfterMillis: undefined,
      code: ErrorCode.INTERNAL,
    };
  }
  // A failure must never read as success (nor as a redirect) to a client: that would lose data.
  const grpcCode = err.grpcCode === GrpcCode.OK ? GrpcCode.UNKNOWN : err.grpcCode;
  const hasRetryInfo = err.retryAfterMillis !== undefined;
  const retryable = isRetryableGrpcCode(grpcCode, hasRetryInfo);
  const ownStatus = err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus <= 599;
  return {
    grpcCode,
    httpStatus: ownStatus ? (err.httpStatus as number) : httpStatusForGrpcCode(grpcCode, hasRetryInfo),
    message: err.message,
    retryable,
    retryAfterMillis: retryable ? err.retryAfterMillis : undefined,
    code: err.code,
  };
}

/** An upstream gRPC failure as the error our own clients will see. */
export function errorFromGrpcStatus(code: number, message: string, retryAfterMillis?: number): TaggerError {
  // OK is not a failure code: an upstream that says so while failing is answered UNKNOWN.
  const grpcCode = (code !== GrpcCode.OK && code in names ? code : GrpcCode.UNKNOWN) as GrpcCode;
  const retryable = isRetryableGrpcCode(grpcCode, retryAfterMillis !== undefined);
  return new TaggerError(
    retryable ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_REJECTED,
    `upstream answered ${grpcCodeName(grpcCode)}: ${message}`,
    { grpcCode, retryAfterMillis: retryable ? retryAfterMillis : undefined },
  );
}

/** An upstream HTTP failure as the error our own clients will see; HTTP clients get the same status. */
export function errorFromHttpStatus(status: number, message: string, retryAfterMillis?: number): TaggerError {
  const retryable = isRetryableHttpStatus(status);
  return new TaggerError(
    retryable ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_REJECTED,
    `upstream answered HTTP ${status}: ${message}`,
    {
      grpcCode: grpcCodeForHttpStatus(status),
      httpStatus: status,
      retryAfterMillis: retryable ? retryAfterMillis : undefined,
    },
  );
}

const names: Record<number, true> = Object.fromEntries(Object.values(GrpcCode).map((c) => [c, true]));
