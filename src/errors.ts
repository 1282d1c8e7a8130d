import { GrpcCode } from './otlp/grpc-code.js';

/**
 * Stable error codes. They appear in logs and in client-facing messages, so they are API:
 * never rename one, only add.
 */
export const ErrorCode = {
  /** A tag spec (`--tags`, `processors.agent_tags.tags`) is malformed. */
  TAG_SPEC: 'OTLP_TAGGER_ERR_TAG_SPEC',
  /** The configuration (flags, YAML, environment) is invalid. */
  CONFIG: 'OTLP_TAGGER_ERR_CONFIG',
  /** A protobuf payload is structurally invalid. */
  DECODE: 'OTLP_TAGGER_ERR_DECODE',
  /** A JSON payload is not valid OTLP/JSON. */
  JSON_DECODE: 'OTLP_TAGGER_ERR_JSON_DECODE',
  /** A compressed payload could not be inflated, or its encoding is unsupported. */
  COMPRESSION: 'OTLP_TAGGER_ERR_COMPRESSION',
  /** The request is larger than the configured limit. */
  TOO_LARGE: 'OTLP_TAGGER_ERR_TOO_LARGE',
  /** The request's media type is not one OTLP/HTTP defines. */
  MEDIA_TYPE: 'OTLP_TAGGER_ERR_MEDIA_TYPE',
  /** The upstream could not be reached or did not answer (retryable). */
  UPSTREAM_UNAVAILABLE: 'OTLP_TAGGER_ERR_UPSTREAM_UNAVAILABLE',
  /** The upstream answered with an error; its status is carried over. */
  UPSTREAM_REJECTED: 'OTLP_TAGGER_ERR_UPSTREAM_REJECTED',
  /** The client's deadline passed before the upstream answered. */
  DEADLINE: 'OTLP_TAGGER_ERR_DEADLINE',
  /** The client went away before the upstream answered. */
  CANCELLED: 'OTLP_TAGGER_ERR_CANCELLED',
  /** The signal is not enabled in any pipeline. */
  UNIMPLEMENTED: 'OTLP_TAGGER_ERR_UNIMPLEMENTED',
  /** Too many bytes are in flight; the client should back off and retry (RetryInfo / Retry-After). */
  OVERLOADED: 'OTLP_TAGGER_ERR_OVERLOADED',
  /** A bug: something that should not happen. */
  INTERNAL: 'OTLP_TAGGER_ERR_INTERNAL',
  /** The persistent queue could not store or read a request (disk full, I/O error): retryable. */
  STORAGE: 'OTLP_TAGGER_ERR_STORAGE',
  /** The receiver requires a bearer token and the request's was missing or wrong. */
  UNAUTHENTICATED: 'OTLP_TAGGER_ERR_UNAUTHENTICATED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface TaggerErrorOptions {
  /** The gRPC status a client sees; the HTTP status derives from it (src/otlp/status.ts). */
  grpcCode?: GrpcCode;
  /** Set when the condition is worth retrying after a known delay (RetryInfo / Retry-After). */
  retryAfterMillis?: number;
  /** Overrides the HTTP status derived from grpcCode (e.g. 415, 413, or the upstream's own). */
  httpStatus?: number;
  cause?: unknown;
}

const defaultGrpcCode: Record<ErrorCode, GrpcCode> = {
  [ErrorCode.TAG_SPEC]: GrpcCode.INVALID_ARGUMENT,
  [ErrorCode.CONFIG]: GrpcCode.INVALID_ARGUMENT,
  [ErrorCode.DECODE]: GrpcCode.INVALID_ARGUMENT,
  [ErrorCode.JSON_DECODE]: GrpcCode.INVALID_ARGUMENT,
  [ErrorCode.COMPRESSION]: GrpcCode.INVALID_ARGUMENT,
  [ErrorCode.TOO_LARGE]: GrpcCode.RESOURCE_EXHAUSTED,
  [ErrorCode.MEDIA_TYPE]: GrpcCode.INVALID_ARGUMENT,
  [ErrorCode.UPSTREAM_UNAVAILABLE]: GrpcCode.UNAVAILABLE,
  [ErrorCode.UPSTREAM_REJECTED]: GrpcCode.INTERNAL,
  [ErrorCode.DEADLINE]: GrpcCode.DEADLINE_EXCEEDED,
  [ErrorCode.CANCELLED]: GrpcCode.CANCELLED,
  [ErrorCode.UNIMPLEMENTED]: GrpcCode.UNIMPLEMENTED,
  [ErrorCode.OVERLOADED]: GrpcCode.RESOURCE_EXHAUSTED,
  [ErrorCode.INTERNAL]: GrpcCode.INTERNAL,
  [ErrorCode.STORAGE]: GrpcCode.UNAVAILABLE,
  [ErrorCode.UNAUTHENTICATED]: GrpcCode.UNAUTHENTICATED,
};

/** The one error type of otlp-tagger: a stable code plus the status a client should see. */
export class TaggerError extends Error {
  readonly code: ErrorCode;
  readonly grpcCode: GrpcCode;
  readonly retryAfterMillis: number | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: ErrorCode, message: string, options: TaggerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TaggerError';
    this.code = code;
    this.grpcCode = options.grpcCode ?? defaultGrpcCode[code];
    this.retryAfterMillis = options.retryAfterMillis;
    this.httpStatus = options.httpStatus;
  }
}

export function isTaggerError(err: unknown): err is TaggerError {
  return err instanceof TaggerError;
}

/** Raised by every structural check of a protobuf payload, and by nothing else there. */
export function decodeError(message: string): TaggerError {
  return new TaggerError(ErrorCode.DECODE, message);
}
