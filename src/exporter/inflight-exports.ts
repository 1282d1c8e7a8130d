/**
 * The shutdown contract every OTLP exporter shares (src/exporter/exporter.ts): once shut down,
 * new requests are refused; in-flight ones settle first, then the connections are released.
 */
import type { ExportRequest, ExportResponse } from '../consumer.js';
import { cancelled, shutDown } from './exporter-errors.js';

export interface InflightExports {
  /** Runs one export unless shut down or already aborted, tracking it until it settles. */
  run(request: ExportRequest, exportOnce: (request: ExportRequest) => Promise<ExportResponse>): Promise<ExportResponse>;
  /** Refuses new exports, waits for in-flight ones, then calls `release` once. */
  shutdown(release: () => void | Promise<void>): Promise<void>;
}

export function createInflightExports(): InflightExports {
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  let closing: Promise<void> | undefined;
  return {
    async run(request, exportOnce) {
      if (closed) throw shutDown();
      if (request.abortSignal.aborted) throw cancelled();
      const pending = exportOnce(request);
      inFlight.add(pending);
      try {
        return await pending;
      } finally {
        inFlight.delete(pending);
      }
    },
    shutdown(release) {
      closed = true;
      closing ??= Promise.allSettled([...inFlight]).then(release);
      return closing;
    },
  };
}
