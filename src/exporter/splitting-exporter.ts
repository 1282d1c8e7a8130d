/**
 * Never sends an upstream more than it accepts: a request over `maxRequestBytes` is split at the
 * wire level (src/otlp/split-request.ts) and sent as several. The client still gets one answer:
 * - every piece delivered → success (partial successes summed);
 * - a piece refused for good → partial success counting that piece's items, since the others
 *   were delivered and must not be resent;
 * - a piece failed retryably → that error, so that the client retries; the pieces already
 *   delivered arrive twice then, which at-least-once delivery allows;
 * - items that alone are over the limit are counted as rejected, with the reason.
 */
import { withBody, type ExportRequest, type ExportResponse } from '../consumer.js';
import { inspectRequest } from '../otlp/inspect-request.js';
import { signals } from '../otlp/signal.js';
import { splitRequest } from '../otlp/split-request.js';
import { clientStatusOf } from '../otlp/status.js';
import type { Exporter } from './exporter.js';

export interface SplittingExporterOptions {
  /** The upstream's limit; default 4 MiB for gRPC, as the Collector and Tempo use. */
  readonly maxRequestBytes: number;
}

export interface SplittingExporter extends Exporter {
  /** Requests that had to be split, and items refused because one alone was over the limit. */
  readonly counts: Readonly<{ split: number; oversizeItems: number }>;
}

export function createSplittingExporter(inner: Exporter, options: SplittingExporterOptions): SplittingExporter {
  const { maxRequestBytes } = options;
  const counts = { split: 0, oversizeItems: 0 };

  // Not async: a request within the limit (nearly all) goes on without another promise layer.
  function consume(request: ExportRequest): Promise<ExportResponse> {
    return request.body.length <= maxRequestBytes ? inner.consume(request) : consumeSplit(request);
  }

  async function consumeSplit(request: ExportRequest): Promise<ExportResponse> {
    const { parts, rejectedItems } = splitRequest(request.signal, request.body, maxRequestBytes);
    counts.split++;
    counts.oversizeItems += rejectedItems;
    // A piece keeps the request's metadata; the whole's item count is not its own.
    const pieces = parts.map((body) => withBody(request, body, request.tagStats, undefined));
    const outcomes = await Promise.allSettled(pieces.map((piece) => inner.consume(piece)));

    let rejected = BigInt(rejectedItems);
    const messages: string[] = [];
    if (rejectedItems > 0) {
      messages.push(`${rejectedItems} ${signals[request.signal].itemName} larger than the upstream's limit of ${maxRequestBytes} bytes`);
    }
    let retryable: unknown;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        const partial = outcome.value.partialSuccess;
        if (partial) {
          rejected += BigInt(partial.rejected || '0');
          if (partial.errorMessage) messages.push(partial.errorMessage);
        }
        return;
      }
      if (clientStatusOf(outcome.reason).retryable) {
        retryable ??= outcome.reason;
        return;
      }
      rejected += BigInt(inspectRequest(request.signal, parts[i]).items);
      messages.push((outcome.reason as Error).message);
    });
    if (retryable !== undefined) throw retryable;
    if (rejected === 0n && messages.length === 0) return {};
    return { partialSuccess: { rejected: rejected.toString(), errorMessage: messages.join('; ') } };
  }

  return {
    counts,
    consume,
    shutdown: () => inner.shutdown(),
    get description() {
      return `${inner.description}, split above ${maxRequestBytes} bytes`;
    },
  };
}
