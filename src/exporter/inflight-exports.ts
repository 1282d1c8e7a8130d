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
  // A count, not a set of promises, and no async wrapper: `run` is on every export's path, so it
  // adds one promise and no closure per call.
  let active = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let idle: (() => void) | undefined;
  const settled = (): void => {
    if (--active === 0) idle?.();
  };
  const fulfilled = (response: ExportResponse): ExportResponse => {
    settled();
    return response;
  };
  const rejected = (err: unknown): never => {
    settled();
    throw err;
  };
  return {
    run(request, exportOnce) {
      if (closed) return Promise.reject(shutDown());
      if (request.abortSignal.aborted) return Promise.reject(cancelled());
      active++;
      return exportOnce(request).then(fulfilled, rejected);
    },
    shutdown(release) {
      closed = true;
      closing ??= (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve))).then(release);
      return closing;
    },
  };
}
