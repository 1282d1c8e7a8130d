/**
 * Sync delivery mode: the client waits while we retry. Retryable failures (OTLP retry table,
 * retry-policy.ts) are retried with backoff, the same request (same bytes) every time, as long
 * as the next attempt would still start before the client's deadline (minus a margin, so that
 * our answer reaches it in time) and within the policy's window. After that the client gets the
 * last retryable error, with its RetryInfo / Retry-After, and retries by itself: nothing is lost
 * and nothing reads as delivered when it was not. Permanent failures pass through at once.
 *
 * `sendWithRetries` is the loop itself; the queued exporter runs it too, without a client.
 */
import type { AbortSignalLike } from '../abort-source.js';
import type { ExportRequest, ExportResponse } from '../consumer.js';
import type { TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Exporter } from './exporter.js';
import { cancelled } from './exporter-errors.js';
import { isRetryableError, nextDelay, type RetryPolicy } from './retry-policy.js';

/** Why the loop stopped without success. */
export type GiveUpReason = 'permanent' | 'disabled' | 'deadline' | 'elapsed' | 'cancelled' | 'shutdown';

export const giveUpReasons: readonly GiveUpReason[] = ['permanent', 'disabled', 'deadline', 'elapsed', 'cancelled', 'shutdown'];

/** Waits `millis`, or less if one of the signals aborts; never rejects. */
export type Sleep = (millis: number, signals: readonly AbortSignalLike[]) => Promise<void>;

export const sleep: Sleep = (millis, signals) =>
  new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, millis);
    for (const signal of signals) {
      if (signal.aborted) return done();
      signal.addEventListener('abort', done, { once: true });
    }
  });

export interface RetryLoopOptions {
  readonly policy: RetryPolicy;
  /** Epoch milliseconds after which no attempt starts. */
  readonly lastStart?: number;
  /** The client went away: stop at once. */
  readonly cancel?: AbortSignalLike;
  /** Shutting down: stop retrying, keep the last error. */
  readonly stop?: AbortSignalLike;
  readonly clock?: () => number;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  /** Called before each wait. */
  readonly onRetry?: (retry: number, delayMillis: number, error: unknown) => void;
}

export type RetryOutcome =
  | { readonly ok: true; readonly response: ExportResponse; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly reason: GiveUpReason; readonly attempts: number };

export async function sendWithRetries(send: () => Promise<ExportResponse>, options: RetryLoopOptions): Promise<RetryOutcome> {
  const start = (options.clock ?? Date.now)();
  try {
    return { ok: true, response: await send(), attempts: 1 };
  } catch (err) {
    return retryAfterFailure(send, options, start, err);
  }
}

/** The loop once the first attempt, started at `start`, failed with `firstError`. */
async function retryAfterFailure(
  send: () => Promise<ExportResponse>,
  options: RetryLoopOptions,
  start: number,
  firstError: unknown,
): Promise<RetryOutcome> {
  const { policy, lastStart, cancel, stop } = options;
  const clock = options.clock ?? Date.now;
  const wait = options.sleep ?? sleep;
  const signals = [cancel, stop].filter((s): s is AbortSignalLike => s !== undefined);
  let error = firstError;
  for (let attempts = 1; ; attempts++) {
    if (attempts > 1) {
      try {
        return { ok: true, response: await send(), attempts };
      } catch (err) {
        error = err;
      }
    }
    const fail = (reason: GiveUpReason): RetryOutcome => ({ ok: false, error, reason, attempts });
    if (cancel?.aborted) return { ok: false, error: cancelled(), reason: 'cancelled', attempts };
    if (!isRetryableError(error)) return fail('permanent');
    // Before 'disabled': an attempt cut short by shutdown is not a failure of the data.
    if (stop?.aborted) return fail('shutdown');
    if (!policy.enabled) return fail('disabled');
    const delay = nextDelay(attempts, policy, options.random, (error as TaggerError).retryAfterMillis);
    const startAt = clock() + delay;
    if (lastStart !== undefined && startAt > lastStart) return fail('deadline');
    if (policy.maxElapsedMillis > 0 && startAt - start > policy.maxElapsedMillis) return fail('elapsed');
    options.onRetry?.(attempts, delay, error);
    await wait(delay, signals);
    if (cancel?.aborted) return { ok: false, error: cancelled(), reason: 'cancelled', attempts };
    if (stop?.aborted) return fail('shutdown');
  }
}

export interface RetryCounters {
  /** Requests handed to the exporter. */
  requests: number;
  /** Calls to the inner exporter (first attempts and retries). */
  attempts: number;
  retries: number;
  /** Requests that failed in the end, by why the retrying stopped. */
  readonly failures: Record<GiveUpReason, number>;
}

export interface RetryingExporterOptions {
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  /** No retry starts later than this before the client's deadline; default 100 ms. */
  readonly deadlineMarginMillis?: number;
  /** For tests: a fake clock and sleep, a fixed random. */
  readonly clock?: () => number;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  /** For metrics: called before each wait. */
  readonly onRetry?: (retry: number, delayMillis: number, error: unknown) => void;
}

export interface RetryingExporter extends Exporter {
  readonly counters: Readonly<RetryCounters>;
}

export function createRetryingExporter(inner: Exporter, options: RetryingExporterOptions): RetryingExporter {
  const { policy, logger } = options;
  const margin = options.deadlineMarginMillis ?? 100;
  const stopping = new AbortController();
  const counters: RetryCounters = {
    requests: 0,
    attempts: 0,
    retries: 0,
    failures: Object.fromEntries(giveUpReasons.map((r) => [r, 0])) as Record<GiveUpReason, number>,
  };

  const clock = options.clock ?? Date.now;

  // The first attempt runs outside the loop: on success (nearly always) a request costs one
  // promise layer here, and none of the loop's options, closures and result objects.
  async function consume(request: ExportRequest): Promise<ExportResponse> {
    counters.requests++;
    counters.attempts++;
    const start = clock();
    try {
      return await inner.consume(request);
    } catch (err) {
      return retry(request, start, err);
    }
  }

  async function retry(request: ExportRequest, start: number, firstError: unknown): Promise<ExportResponse> {
    const send = (): Promise<ExportResponse> => {
      counters.attempts++;
      return inner.consume(request);
    };
    const outcome = await retryAfterFailure(
      send,
      {
        policy,
        lastStart: request.deadline === undefined ? undefined : request.deadline - margin,
        cancel: request.abortSignal,
        stop: stopping.signal,
        clock,
        sleep: options.sleep,
        random: options.random,
        onRetry: (retry, delayMillis, error) => {
          counters.retries++;
          logger.debug('retrying export', { signal: request.signal, retry, delayMillis, error });
          options.onRetry?.(retry, delayMillis, error);
        },
      },
      start,
      firstError,
    );
    if (outcome.ok) return outcome.response;
    counters.failures[outcome.reason]++;
    if (outcome.reason !== 'permanent') {
      // The client holds the data and hears a retryable status (or has gone away): nothing dropped here.
      logger.debug('export not retried further', { signal: request.signal, reason: outcome.reason, attempts: outcome.attempts });
    }
    throw outcome.error;
  }

  return {
    counters,
    consume,
    async shutdown() {
      stopping.abort();
      await inner.shutdown();
    },
    get description() {
      if (!policy.enabled) return `${inner.description}, no retries`;
      if (policy.maxElapsedMillis === 0) return `${inner.description}, retries until the client's deadline`;
      return `${inner.description}, retries for up to ${policy.maxElapsedMillis} ms within the client's deadline`;
    },
  };
}
