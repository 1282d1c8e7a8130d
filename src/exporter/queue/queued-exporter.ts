/**
 * Queue delivery mode: a client is answered as soon as its request is in a bounded queue (for
 * the persistent queue: written to disk, and fsynced with fsync 'always'); `consumers` senders
 * deliver from the queue with retries (the Collector's exporterhelper model, sending_queue +
 * retry_on_failure).
 *
 * - A full queue refuses with RESOURCE_EXHAUSTED + RetryInfo (HTTP 429 + Retry-After); a disk
 *   that cannot store refuses with UNAVAILABLE (503). Nothing is dropped silently.
 * - An entry leaves the queue only once the upstream accepted it, or when it must be dropped:
 *   refused for good by the upstream, or still failing when its retry window (the policy's max
 *   elapsed time, from its first attempt) closes. Drops are counted and logged with the reason.
 * - Persistent queue: what was not delivered at shutdown, or at a crash, is sent after the next
 *   start. At-least-once: what was in flight may arrive twice (at most `consumers` requests).
 * - Memory queue: what is still queued at shutdown is lost; `drain` first, then `shutdown`, and
 *   the loss is counted and logged.
 */
import type { ExportRequest, ExportResponse } from '../../consumer.js';
import { ErrorCode, TaggerError, isTaggerError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { inspectRequest } from '../../otlp/inspect-request.js';
import type { Exporter } from '../exporter.js';
import { shutDown } from '../exporter-errors.js';
import { queueRetryPolicy, type RetryPolicy } from '../retry-policy.js';
import { sendWithRetries, type Sleep } from '../retrying-exporter.js';
import type { DeliveryQueue, QueueLease } from './delivery-queue.js';
import { createMemoryQueue } from './memory-queue.js';
import type { WalFs } from './wal-fs.js';
import { openWal, type Wal, type WalStats } from './wal.js';

export const DEFAULT_CONSUMERS = 10;

export interface QueuedExporterOptions {
  /** Bound of the queue: request bodies in memory, or segment files on disk. */
  readonly maxBytes: number;
  /** Optional bound on the number of requests held. */
  readonly maxItems?: number;
  /** With a directory the queue is persistent (a write-ahead log there), else in memory. */
  readonly dir?: string;
  /** Persistent queue only: 'always' (default) or a sync interval in ms (wal.ts). */
  readonly fsync?: 'always' | number;
  readonly segmentBytes?: number;
  /** Parallel senders; default 10, the Collector's num_consumers. */
  readonly consumers?: number;
  /** Default: queueRetryPolicy (the Collector's). */
  readonly policy?: RetryPolicy;
  /** Delay told to clients refused because the queue is full; default 1 s. */
  readonly retryAfterMillis?: number;
  readonly logger: Logger;
  /** For tests. */
  readonly fs?: WalFs;
  readonly clock?: () => number;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

export type DropReason = 'permanent' | 'elapsed' | 'disabled';

export interface QueueStats {
  /** Requests acknowledged to clients. */
  enqueued: number;
  /** Refused because the queue was full (RESOURCE_EXHAUSTED / 429). */
  refusedFull: number;
  /** Refused because the disk could not store them (UNAVAILABLE / 503). */
  refusedStorage: number;
  /** Requests found on disk at start. */
  replayed: number;
  delivered: number;
  attempts: number;
  retries: number;
  /** Requests dropped after acknowledgement, by reason, and the items (spans...) in them. */
  readonly dropped: Record<DropReason, number>;
  droppedItems: number;
  /** Items the upstream refused in partial-success answers. */
  rejectedItems: number;
  /** Memory queue: requests still held at shutdown. */
  lost: number;
  readonly queuedItems: number;
  readonly queuedBytes: number;
  readonly inFlight: number;
  /** Persistent queue only. */
  readonly wal: Readonly<WalStats> | undefined;
}

export interface QueuedExporter extends Exporter {
  /** Opens the queue (replaying a persistent one) and starts the senders; idempotent. */
  start(): Promise<void>;
  /** Waits until the queue is empty or the timeout passes; the queue keeps accepting meanwhile. */
  drain(timeoutMillis: number): Promise<{ delivered: number; remaining: number }>;
  readonly stats: Readonly<QueueStats>;
}

function itemsIn(lease: QueueLease): number {
  try {
    return inspectRequest(lease.entry.signal, lease.entry.body).items;
  } catch {
    return 0;
  }
}

export function createQueuedExporter(inner: Exporter, options: QueuedExporterOptions): QueuedExporter {
  const { logger, dir } = options;
  const policy = options.policy ?? queueRetryPolicy;
  const consumers = options.consumers ?? DEFAULT_CONSUMERS;
  const clock = options.clock ?? Date.now;
  const stopping = new AbortController();
  let queue: DeliveryQueue | undefined;
  let wal: Wal | undefined;
  let starting: Promise<void> | undefined;
  let shuttingDown: Promise<void> | undefined;
  let inFlight = 0;
  const loops: Promise<void>[] = [];
  let idle: (() => void)[] = [];
  let progress: (() => void)[] = [];

  const stats: QueueStats = {
    enqueued: 0,
    refusedFull: 0,
    refusedStorage: 0,
    replayed: 0,
    delivered: 0,
    attempts: 0,
    retries: 0,
    dropped: { permanent: 0, elapsed: 0, disabled: 0 },
    droppedItems: 0,
    rejectedItems: 0,
    lost: 0,
    get queuedItems() {
      return queue?.items ?? 0;
    },
    get queuedBytes() {
      return queue?.bytes ?? 0;
    },
    get inFlight() {
      return inFlight;
    },
    get wal() {
      return wal?.stats;
    },
  };

  const dropReasons: Record<DropReason, string> = {
    permanent: 'refused for good by the upstream',
    elapsed: `still failing when the retry window of ${policy.maxElapsedMillis} ms closed`,
    disabled: 'failed, and retries are disabled',
  };

  const wakeAll = (waiters: (() => void)[]): void => waiters.forEach((wake) => wake());

  /** Wakes `drain` once nothing is held any more. */
  function checkDrained(q: DeliveryQueue): void {
    if (q.items > 0) return;
    const waiters = progress;
    progress = [];
    wakeAll(waiters);
  }

  async function deliver(lease: QueueLease): Promise<void> {
    const { entry } = lease;
    const request: ExportRequest = {
      signal: entry.signal,
      body: entry.body,
      headers: entry.headers,
      deadline: undefined,
      abortSignal: stopping.signal,
    };
    const outcome = await sendWithRetries(
      () => {
        stats.attempts++;
        return inner.consume(request);
      },
      {
        policy,
        stop: stopping.signal,
        clock,
        sleep: options.sleep,
        random: options.random,
        onRetry: (retry, delayMillis, error) => {
          stats.retries++;
          logger.debug('retrying queued export', { signal: entry.signal, retry, delayMillis, error });
        },
      },
    );
    // Shutting down: the entry stays in the queue (on disk, or counted as lost with the memory queue).
    if (!outcome.ok && outcome.reason === 'shutdown') return;
    if (outcome.ok) {
      stats.delivered++;
      const partial = outcome.response.partialSuccess;
      if (partial !== undefined) {
        stats.rejectedItems += Number(partial.rejected);
        logger.warn('the upstream rejected part of a queued request', { signal: entry.signal, rejected: partial.rejected, message: partial.errorMessage });
      }
    } else {
      const reason = outcome.reason as DropReason;
      const items = itemsIn(lease);
      stats.dropped[reason]++;
      stats.droppedItems += items;
      logger.warn('dropping a queued request', {
        signal: entry.signal,
        reason: dropReasons[reason],
        items,
        attempts: outcome.attempts,
        ageMillis: clock() - entry.enqueuedAt,
        error: outcome.error,
      });
    }
    await (queue as DeliveryQueue).remove(lease.id);
  }

  async function runConsumer(q: DeliveryQueue): Promise<void> {
    while (!stopping.signal.aborted) {
      const lease = await q.take();
      if (lease === undefined) {
        checkDrained(q);
        // Checked and registered in one go: a push in between cannot be missed.
        if (q.waiting === 0 && !stopping.signal.aborted) await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      inFlight++;
      try {
        await deliver(lease);
      } finally {
        inFlight--;
        checkDrained(q);
      }
    }
  }

  async function open(): Promise<void> {
    try {
      if (dir === undefined) {
        queue = createMemoryQueue(options);
      } else {
        wal = await openWal({ ...options, dir, fsync: options.fsync ?? 'always', logger: logger.child({ queue: dir }) });
        queue = wal;
        stats.replayed = wal.stats.replayed;
        if (stats.replayed > 0) logger.info('delivering requests queued before the last stop', { dir, requests: stats.replayed });
      }
    } catch (err) {
      logger.error('cannot open the sending queue', { dir, error: err });
      throw isTaggerError(err) ? err : new TaggerError(ErrorCode.STORAGE, `cannot open the queue directory ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const q = queue;
    for (let i = 0; i < consumers; i++) loops.push(runConsumer(q));
  }

  function start(): Promise<void> {
    starting ??= open();
    return starting;
  }

  async function consume(request: ExportRequest): Promise<ExportResponse> {
    if (shuttingDown !== undefined) throw shutDown();
    await start();
    try {
      await (queue as DeliveryQueue).push({ signal: request.signal, headers: request.headers, body: request.body, enqueuedAt: clock() });
    } catch (err) {
      if (isTaggerError(err) && err.code === ErrorCode.OVERLOADED) stats.refusedFull++;
      else stats.refusedStorage++;
      throw err;
    }
    stats.enqueued++;
    const waiters = idle;
    idle = [];
    wakeAll(waiters);
    return {};
  }

  async function drain(timeoutMillis: number): Promise<{ delivered: number; remaining: number }> {
    const before = stats.delivered;
    await start().catch(() => undefined);
    const q = queue;
    if (q !== undefined && q.items > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        progress.push(resolve);
        timer = setTimeout(resolve, timeoutMillis);
      });
      clearTimeout(timer);
    }
    return { delivered: stats.delivered - before, remaining: q?.items ?? 0 };
  }

  async function shutdown(): Promise<void> {
    stopping.abort();
    wakeAll(idle);
    wakeAll(progress);
    await starting?.catch(() => undefined);
    await Promise.all(loops);
    const q = queue;
    if (q !== undefined) {
      const remaining = { requests: q.items, bytes: q.bytes };
      await q.close();
      if (remaining.requests > 0 && wal !== undefined) {
        logger.info('undelivered requests stay in the queue directory for the next start', { dir, ...remaining });
      } else if (remaining.requests > 0) {
        stats.lost = remaining.requests;
        logger.error('undelivered requests lost at shutdown (the queue is in memory)', remaining);
      }
    }
    await inner.shutdown();
  }

  return {
    stats,
    start,
    drain,
    consume,
    shutdown() {
      shuttingDown ??= shutdown();
      return shuttingDown;
    },
    get description() {
      const where = dir === undefined ? 'in memory' : `persistent in ${dir}, fsync ${options.fsync === undefined || options.fsync === 'always' ? 'always' : `every ${options.fsync} ms`}`;
      return `${inner.description}, queue ${where}, max ${options.maxBytes} bytes, ${consumers} senders`;
    },
  };
}
