/**
 * What an OTLP/HTTP answer means (opentelemetry-proto docs/specification.md, OTLP/HTTP
 * "Response"), with the Collector's otlphttp exporter as the reference peer: a 2xx body is parsed
 * per the answer's Content-Type and an unparsable one is a permanent error; an error status
 * carries a google.rpc.Status in the answer's encoding; `Retry-After` counts on 429 and 503.
 */
import { STATUS_CODES } from 'node:http';
import type { ExportResponse } from '../consumer.js';
import { gunzipBounded } from '../otlp/compression.js';
import { decodeExportResponse, exportResponseFromJson } from '../otlp/export-response.js';
import { decodeRpcStatus, rpcStatusFromJson } from '../otlp/rpc-status.js';
import type { Signal } from '../otlp/signal.js';
import { errorFromHttpStatus } from '../otlp/status.js';
import { badResponse } from './exporter-errors.js';
import type { HttpAnswer } from './http-post.js';
import { parseRetryAfter } from './retry-after.js';

/** Upstream messages reach our clients; keep them readable and well under 64 KiB (checklist 81). */
const MAX_MESSAGE_CHARS = 1024;

function mediaTypeOf(answer: HttpAnswer): string {
  return (answer.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function partialSuccessOf(signal: Signal, mediaType: string, body: Buffer): ExportResponse {
  if (body.length === 0) return {};
  try {
    if (mediaType === 'application/x-protobuf') return decodeExportResponse(body);
    if (mediaType === 'application/json') return exportResponseFromJson(signal, body.toString('utf8'));
  } catch (err) {
    throw badResponse(`a ${mediaType} success body that does not parse: ${(err as Error).message}`, err);
  }
  // The Collector ignores a success body in any other media type; so do we.
  return {};
}

interface ErrorDetail {
  readonly message: string;
  readonly retryAfterMillis?: number;
}

function errorDetailOf(mediaType: string, body: Buffer): ErrorDetail {
  if (mediaType === 'application/x-protobuf') return decodeRpcStatus(body) ?? { message: '' };
  if (mediaType === 'application/json') return rpcStatusFromJson(body.toString('utf8')) ?? { message: '' };
  if (mediaType.startsWith('text/')) return { message: body.toString('utf8').trim() };
  return { message: '' };
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS)}…`;
}

/** The ExportResponse of a 2xx answer; any other answer throws the TaggerError it means. */
export async function interpretHttpAnswer(
  signal: Signal,
  answer: HttpAnswer,
  maxBodyBytes: number,
): Promise<ExportResponse> {
  const ok = answer.status >= 200 && answer.status < 300;
  let body = answer.body;
  if (answer.headers['content-encoding'] === 'gzip' && body.length > 0) {
    try {
      body = await gunzipBounded(body, maxBodyBytes);
    } catch (err) {
      if (ok) throw badResponse(`a gzip success body that does not inflate: ${(err as Error).message}`, err);
      body = Buffer.alloc(0);
    }
  }
  const mediaType = mediaTypeOf(answer);
  if (ok) return partialSuccessOf(signal, mediaType, body);

  const detail = errorDetailOf(mediaType, body);
  const message = truncate(detail.message === '' ? STATUS_CODES[answer.status] ?? 'unknown status' : detail.message);
  // Retry-After first; a RetryInfo in the Status body is the same hint in gRPC's words.
  const throttled = answer.status === 429 || answer.status === 503;
  const retryAfterMillis = throttled
    ? parseRetryAfter(answer.headers['retry-after']) ?? detail.retryAfterMillis
    : undefined;
  throw errorFromHttpStatus(answer.status, message, retryAfterMillis);
}
