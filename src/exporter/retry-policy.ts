/**
 * Retry policy of the exporters: exponential backoff with jitter, the server's requested delay
 * (RetryInfo / Retry-After) as a floor, and a bound on the whole retry window. Pure functions;
 * the loops live in retrying-exporter.ts (sync mode) and queue/queued-exporter.ts (queue mode).
 *
 * Defaults, next to the reference implementations (otlp-conformance.md §6.1):
 *
 * | setting             | sync (ours) | queue (ours) | Collector configretry | opentelemetry-js HTTP |
 * |---------------------|-------------|--------------|-----------------------|-----------------------|
 * | initial interval    | 500 ms      | 5 s          | 5 s                   | 1 s                   |
 * | multiplier          | 1.5         | 1.5          | 1.5                   | 1.5                   |
 * | randomization       | ±0.5        | ±0.5         | ±0.5                  | ±0.2                  |
 * | max interval        | 2 s         | 30 s         | 30 s                  | 5 s                   |
 * | max elapsed         | 5 s         | 300 s        | 300 s                 | 5 attempts / timeout  |
 *
 * Why the sync values: in sync mode the client is waiting, usually for the exporter spec's
 * default 10 s, and OTLP/HTTP clients send no deadline we could see. The Collector's 5 s first
 * interval would spend half of that on one wait; 500 ms is what the Collector's own testbed uses
 * against a flaky backend (TestRetrying). Giving up after 5 s answers the client with the
 * retryable error while it still has time to retry by itself (opentelemetry-js retries only
 * while its export timeout lasts). A known client deadline (gRPC `grpc-timeout`) bounds the
 * window further. In queue mode the data is already acknowledged and nobody waits, so the
 * Collector's values apply as they are.
 */
import { isTaggerError } from '../errors.js';
import { isRetryableGrpcCode } from '../otlp/status.js';

export interface RetryPolicy {
  /** False: one attempt only; a retryable failure is passed on as it is. */
  readonly enabled: boolean;
  /** Backoff before the first retry. */
  readonly initialIntervalMillis: number;
  /** Growth factor of the backoff per retry. */
  readonly multiplier: number;
  /** Jitter: the backoff is drawn from `interval × (1 ± randomizationFactor)`. */
  readonly randomizationFactor: number;
  /** Cap of one backoff (not of a server-requested delay). */
  readonly maxIntervalMillis: number;
  /** No attempt starts later than this after the first one; 0 = no limit. */
  readonly maxElapsedMillis: number;
}

/** Sync mode: the client waits for the answer (see the table above). */
export const syncRetryPolicy: RetryPolicy = Object.freeze({
  enabled: true,
  initialIntervalMillis: 500,
  multiplier: 1.5,
  randomizationFactor: 0.5,
  maxIntervalMillis: 2_000,
  maxElapsedMillis: 5_000,
});

/** Queue mode: the Collector's exporterhelper defaults (config/configretry). */
export const queueRetryPolicy: RetryPolicy = Object.freeze({
  enabled: true,
  initialIntervalMillis: 5_000,
  multiplier: 1.5,
  randomizationFactor: 0.5,
  maxIntervalMillis: 30_000,
  maxElapsedMillis: 300_000,
});

/**
 * The wait before retry number `retry` (1 for the first retry): `initial × multiplier^(retry-1)`,
 * jittered by ±randomizationFactor, capped at maxInterval. A larger delay asked for by the server
 * wins (the Collector's throttle retry does the same: max of backoff and RetryInfo).
 */
export function nextDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
  serverDelayMillis?: number,
): number {
  const interval = Math.min(
    policy.initialIntervalMillis * Math.pow(policy.multiplier, Math.max(0, retry - 1)),
    policy.maxIntervalMillis,
  );
  const jitter = 1 + policy.randomizationFactor * (2 * random() - 1);
  const backoff = Math.max(0, Math.min(interval * jitter, policy.maxIntervalMillis));
  return serverDelayMillis !== undefined && serverDelayMillis > backoff ? serverDelayMillis : backoff;
}

/**
 * Whether a failure may be retried, per the OTLP retry table: retryable gRPC codes, and
 * RESOURCE_EXHAUSTED only with RetryInfo. Anything that is not a TaggerError is a bug, never retried.
 */
export function isRetryableError(err: unknown): boolean {
  return isTaggerError(err) && isRetryableGrpcCode(err.grpcCode, err.retryAfterMillis !== undefined);
}

/** Rejects a policy that would retry in a tight loop or never start; for config validation. */
export function validateRetryPolicy(policy: RetryPolicy): string | undefined {
  const finite = (value: number): boolean => Number.isFinite(value) && value >= 0;
  if (!finite(policy.initialIntervalMillis) || policy.initialIntervalMillis === 0) return 'initial interval must be > 0';
  if (!finite(policy.multiplier) || policy.multiplier < 1) return 'multiplier must be >= 1';
  if (!finite(policy.randomizationFactor) || policy.randomizationFactor > 1) return 'randomization factor must be in [0, 1]';
  if (!finite(policy.maxIntervalMillis) || policy.maxIntervalMillis < policy.initialIntervalMillis) {
    return 'max interval must be >= the initial interval';
  }
  if (!finite(policy.maxElapsedMillis)) return 'max elapsed time must be >= 0 (0 = no limit)';
  return undefined;
}
