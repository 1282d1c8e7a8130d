/**
 * What the queued exporter needs from a queue, in memory (memory-queue.ts) or on disk (wal.ts):
 * entries go in with `push`, consumers `take` the oldest one not yet taken, and an entry is
 * forgotten only by `remove`, once it was delivered or dropped for a reason that was counted.
 * Until then it counts against the bound, which is what makes delivery at-least-once.
 */
import { ErrorCode, TaggerError } from '../../errors.js';
import type { Signal } from '../../otlp/signal.js';

export interface QueueEntry {
  readonly signal: Signal;
  readonly headers: Readonly<Record<string, string>>;
  /** Protobuf `Export<Signal>ServiceRequest`, as the client's request carried it. */
  readonly body: Buffer;
  /** Epoch milliseconds of acceptance; the persistent queue keeps it across restarts. */
  readonly enqueuedAt: number;
}

export interface QueueLease {
  readonly id: number;
  readonly entry: QueueEntry;
}

export interface DeliveryQueue {
  /**
   * Resolves once the entry is stored (for the persistent queue: written, and fsynced when the
   * policy says so). Rejects with OVERLOADED (+ retryAfterMillis) when full, STORAGE on an I/O
   * failure: both retryable for the client.
   */
  push(entry: QueueEntry): Promise<void>;
  /** The oldest entry not taken yet, or undefined when none waits. */
  take(): Promise<QueueLease | undefined>;
  /** Forgets a taken entry for good: it was delivered, or dropped and counted. */
  remove(id: number): Promise<void>;
  /** Entries held, taken or not. */
  readonly items: number;
  /** Bytes held against `maxBytes`. */
  readonly bytes: number;
  /** Entries not taken yet. */
  readonly waiting: number;
  /** Stops accepting; what is held stays held (on disk for the persistent queue). */
  close(): Promise<void>;
}

export interface QueueBounds {
  readonly maxBytes: number;
  /** Default: no bound on the count. */
  readonly maxItems?: number;
  /** Delay suggested to refused clients (RetryInfo / Retry-After); default 1 s. */
  readonly retryAfterMillis?: number;
}

/**
 * Whether one more entry fits. An empty queue takes any entry, however large, so that a request
 * bigger than the bound is not refused forever (the in-flight limiter does the same).
 */
export function fits(bounds: QueueBounds, items: number, bytes: number, size: number): boolean {
  if (items === 0) return true;
  return bytes + size <= bounds.maxBytes && items < (bounds.maxItems ?? Infinity);
}

/** The Collector's "sending queue is full", as a retryable refusal with a delay (429 / RetryInfo). */
export function queueFull(bounds: QueueBounds, items: number, bytes: number): TaggerError {
  return new TaggerError(
    ErrorCode.OVERLOADED,
    `the sending queue is full (${items} requests, ${bytes} of ${bounds.maxBytes} bytes); retry later`,
    { retryAfterMillis: bounds.retryAfterMillis ?? 1000 },
  );
}

/** Disk full or an I/O error: retryable for the client (UNAVAILABLE / 503), never a silent drop. */
export function storageError(what: string, cause: unknown, retryAfterMillis = 1000): TaggerError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TaggerError(ErrorCode.STORAGE, `the persistent queue could not ${what}: ${detail}`, { cause, retryAfterMillis });
}
