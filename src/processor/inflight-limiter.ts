/**
 * Bounds the bytes received and not yet answered. Past the bound a request is refused with
 * RESOURCE_EXHAUSTED + RetryInfo (HTTP 429 + Retry-After): a retryable refusal that tells the
 * client when to come back, rather than letting memory grow with a slow upstream.
 */
import type { Consumer, ExportRequest, ExportResponse } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';

export interface InflightLimiterOptions {
  readonly maxBytes: number;
  readonly next: Consumer;
  /** The delay suggested to refused clients; default 1 s. */
  readonly retryAfterMillis?: number;
}

export interface InflightLimiter extends Consumer {
  /** Bytes of the requests currently being handled. */
  readonly inflightBytes: number;
  /** Requests refused since start. */
  readonly refused: number;
}

export function createInflightLimiter(options: InflightLimiterOptions): InflightLimiter {
  const { maxBytes, next } = options;
  const retryAfterMillis = options.retryAfterMillis ?? 1000;
  let inflightBytes = 0;
  let refused = 0;
  return {
    get inflightBytes() {
      return inflightBytes;
    },
    get refused() {
      return refused;
    },
    async consume(request: ExportRequest): Promise<ExportResponse> {
      const size = request.body.length;
      // A lone request is always admitted, so that one larger than the bound is not refused forever.
      if (inflightBytes > 0 && inflightBytes + size > maxBytes) {
        refused++;
        throw new TaggerError(
          ErrorCode.OVERLOADED,
          `too much data in flight (${inflightBytes} of ${maxBytes} bytes); retry later`,
          { retryAfterMillis },
        );
      }
      inflightBytes += size;
      try {
        return await next.consume(request);
      } finally {
        inflightBytes -= size;
      }
    },
  };
}
