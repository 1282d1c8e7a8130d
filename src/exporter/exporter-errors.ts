/**
 * The failures an exporter reports on its own, i.e. without a status from the upstream. The
 * status an upstream sends back goes through src/otlp/status.ts instead.
 */
import { ErrorCode, TaggerError } from '../errors.js';
import { GrpcCode } from '../otlp/grpc-code.js';

/** DEADLINE_EXCEEDED is retryable: the data may well go through on the next attempt. */
export function deadlineExceeded(detail?: string): TaggerError {
  const suffix = detail === undefined || detail === '' ? '' : ` (${detail})`;
  return new TaggerError(ErrorCode.DEADLINE, `deadline exceeded before the upstream answered${suffix}`);
}

export function cancelled(): TaggerError {
  return new TaggerError(ErrorCode.CANCELLED, 'the client cancelled the request before the upstream answered');
}

/**
 * Connection refused, reset, or closed before a full answer: retryable per the OTLP exporter
 * spec ("server disconnect without response, or connection failure").
 */
export function unreachable(detail: string, cause?: unknown): TaggerError {
  return new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, `upstream unreachable: ${detail}`, { cause });
}

export function shutDown(): TaggerError {
  return new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'the exporter is shut down');
}

/**
 * The upstream answered success with a body we cannot use: permanent, as the Collector's
 * otlphttp exporter treats an unparsable 2xx body (retrying would resend accepted data).
 */
export function badResponse(detail: string, cause?: unknown): TaggerError {
  return new TaggerError(ErrorCode.UPSTREAM_REJECTED, `unusable upstream response: ${detail}`, {
    grpcCode: GrpcCode.INTERNAL,
    cause,
  });
}
