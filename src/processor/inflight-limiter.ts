/**
 * The memory bound (--max-inflight-bytes): the bytes received and not yet answered. Receivers
 * claim a request's declared size before reading its body (src/admission.ts), so past the bound
 * a request is refused with RESOURCE_EXHAUSTED + RetryInfo (HTTP 429 + Retry-After) without
 * being buffered: a retryable refusal that tells the client when to come back, rather than
 * letting memory grow with a slow upstream or a crowd of clients.
 */
import type { Admission, Ticket } from '../admission.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Signal } from '../otlp/signal.js';

export interface InflightLimiterOptions {
  readonly maxBytes: number;
  /** The delay suggested to refused clients; default 1 s. */
  readonly retryAfterMillis?: number;
}

export interface InflightLimiter extends Admission {
  /** Bytes claimed by the requests currently being handled. */
  readonly inflightBytes: number;
  /** Claims refused since start. */
  readonly refused: number;
}

export function createInflightLimiter(options: InflightLimiterOptions): InflightLimiter {
  const { maxBytes } = options;
  const retryAfterMillis = options.retryAfterMillis ?? 1000;
  let inflightBytes = 0;
  let refused = 0;

  /** Throws unless `others` bytes held by other claims leave room for `bytes` more. */
  const check = (others: number, bytes: number, signal: Signal): void => {
    // A lone request is always admitted, so that one larger than the bound is not refused forever.
    if (others > 0 && others + bytes > maxBytes) {
      refused++;
      throw new TaggerError(
        ErrorCode.OVERLOADED,
        `too much data in flight (${others} of ${maxBytes} bytes, ${signal} request of ${bytes}); retry later`,
        { retryAfterMillis },
      );
    }
  };

  return {
    get inflightBytes() {
      return inflightBytes;
    },
    get refused() {
      return refused;
    },
    admit(signal: Signal, bytes: number): Ticket {
      check(inflightBytes, bytes, signal);
      inflightBytes += bytes;
      let held = bytes;
      let released = false;
      return {
        resize(next: number) {
          if (released) return;
          if (next > held) check(inflightBytes - held, next, signal);
          inflightBytes += next - held;
          held = next;
        },
        release() {
          if (released) return;
          released = true;
          inflightBytes -= held;
        },
      };
    },
  };
}
