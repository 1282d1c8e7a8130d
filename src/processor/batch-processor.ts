/**
 * The `batch` processor: merges small requests into larger ones, so that the upstream sees fewer,
 * bigger requests. A valid `Export<Signal>ServiceRequest` is a list of field-1 entries, and
 * protobuf merges concatenated messages by appending their repeated fields, so the merge is the
 * concatenation of the bodies: no decoding, no re-encoding.
 *
 * Requests are grouped per signal and per forwarded headers (`ExportRequest.headers`, e.g. the
 * tenant's X-Scope-OrgID), like the Collector's `metadata_keys`: tenants are never mixed. A batch
 * is sent when the next request would take it past `maxBatchBytes` (or `maxBatchItems`), when it
 * reaches either, or `maxDelayMillis` after its first request. A request that alone reaches the
 * limit goes on its own, at once. Only validated requests get here (the agent_tags processor runs
 * first), so one client's malformed payload cannot make the upstream refuse everyone's batch.
 *
 * Nothing is acknowledged early (principle 2): each client's `consume` settles with its batch.
 * - Success: every client hears success.
 * - Failure: every client gets the same error, so that each can retry (its own data only).
 * - Partial success: the upstream's count cannot be attributed to one client; each hears
 *   `rejected = min(total rejected, its own items)` with the upstream's message. Summed over the
 *   clients this may exceed the total: a client may be told some of its items were rejected
 *   when they were another's, never the reverse.
 * - Deadlines: the batch carries the earliest of its requests' deadlines, so that no client's is
 *   overrun. A request whose deadline is within `2 × maxDelayMillis` goes on its own at once:
 *   waiting would cost it more than half its time, and its short deadline would cut everyone's
 *   upstream call short. Every other request waits at most `maxDelayMillis`, less than half of
 *   what it has left.
 * - Cancellation: a client that goes away before its batch is sent is taken out of it (answered
 *   CANCELLED); once the batch is sent, its upstream call is aborted only when every client of
 *   the batch has gone away.
 */
import { createAbortSource, type AbortSource } from '../abort-source.js';
import type { Consumer, ExportRequest, ExportResponse } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Signal } from '../otlp/signal.js';
import { countItems } from '../otlp/count-items.js';
import { createTagStats, type TagStats } from './tag-types.js';

export interface BatchProcessorOptions {
  readonly next: Consumer;
  /** Bytes of a merged request; a request of this size or more is never merged. */
  readonly maxBatchBytes: number;
  /** Longest wait of a batch's first request for company. */
  readonly maxDelayMillis: number;
  /** Items (spans, log records, data points) of a merged request; absent = bytes only. */
  readonly maxBatchItems?: number;
}

export interface BatchProcessor extends Consumer {
  /** Requests received, and merged requests (or lone ones) sent on. */
  readonly counts: Readonly<{ received: number; sent: number }>;
  /** Sends every open batch at once, then waits for all sent batches to settle; later requests pass through unbatched. */
  shutdown(): Promise<void>;
}

interface Waiter {
  readonly request: ExportRequest;
  readonly items: number;
  readonly resolve: (response: ExportResponse) => void;
  readonly reject: (err: unknown) => void;
  readonly onAbort: () => void;
}

interface Batch {
  readonly key: string;
  readonly signal: Signal;
  readonly headers: Readonly<Record<string, string>>;
  readonly waiters: Waiter[];
  bytes: number;
  items: number;
  timer: NodeJS.Timeout | undefined;
  /** Set once sent: aborts the upstream call when every waiter has gone away. */
  controller: AbortSource | undefined;
  aborted: number;
}

function groupKey(signal: Signal, headers: Readonly<Record<string, string>>): string {
  const names = Object.keys(headers);
  if (names.length === 0) return signal;
  return JSON.stringify([signal, ...names.sort().map((name) => [name, headers[name]])]);
}

function cancelledBeforeSend(): TaggerError {
  return new TaggerError(ErrorCode.CANCELLED, 'the client went away before its batch was sent');
}

/** The sum of the waiters' tag stats; undefined when none carries any. */
function mergedTagStats(waiters: readonly Waiter[]): TagStats | undefined {
  let sum: TagStats | undefined;
  for (const { request } of waiters) {
    const stats = request.tagStats;
    if (stats === undefined) continue;
    sum ??= createTagStats();
    sum.applied += stats.applied;
    sum.overridden += stats.overridden;
    sum.skipped += stats.skipped;
    sum.prefixed += stats.prefixed;
    sum.unchanged += stats.unchanged;
  }
  return sum;
}

/** The merged request's item count, when every part came with one. */
function knownItems(waiters: readonly Waiter[]): number | undefined {
  let items = 0;
  for (const { request } of waiters) {
    if (request.items === undefined) return undefined;
    items += request.items;
  }
  return items;
}

function earliestDeadline(waiters: readonly Waiter[]): number | undefined {
  let earliest: number | undefined;
  for (const { request } of waiters) {
    if (request.deadline !== undefined && (earliest === undefined || request.deadline < earliest)) earliest = request.deadline;
  }
  return earliest;
}

/** What one waiter of a batch hears of the upstream's answer (see the header). */
function shareOf(response: ExportResponse, waiter: Waiter, alone: boolean): ExportResponse {
  const partial = response.partialSuccess;
  if (partial === undefined || alone) return response;
  const rejected = BigInt(partial.rejected || '0');
  const own = BigInt(waiter.request.items ?? countItems(waiter.request.signal, waiter.request.body));
  return { partialSuccess: { rejected: (rejected < own ? rejected : own).toString(), errorMessage: partial.errorMessage } };
}

export function createBatchProcessor(options: BatchProcessorOptions): BatchProcessor {
  const { next, maxBatchBytes, maxDelayMillis, maxBatchItems } = options;
  const open = new Map<string, Batch>();
  const sending = new Set<Promise<void>>();
  const counts = { received: 0, sent: 0 };
  let closing = false;

  function passThrough(request: ExportRequest): Promise<ExportResponse> {
    counts.sent++;
    return next.consume(request);
  }

  function remove(batch: Batch, waiter: Waiter): void {
    batch.waiters.splice(batch.waiters.indexOf(waiter), 1);
    batch.bytes -= waiter.request.body.length;
    batch.items -= waiter.items;
    if (batch.waiters.length > 0) return;
    clearTimeout(batch.timer);
    open.delete(batch.key);
  }

  async function deliver(batch: Batch, request: ExportRequest): Promise<void> {
    const { waiters } = batch;
    try {
      const response = await next.consume(request);
      for (const waiter of waiters) waiter.resolve(shareOf(response, waiter, waiters.length === 1));
    } catch (err) {
      for (const waiter of waiters) waiter.reject(err);
    } finally {
      for (const waiter of waiters) waiter.request.abortSignal.removeEventListener('abort', waiter.onAbort);
    }
  }

  function send(batch: Batch): void {
    clearTimeout(batch.timer);
    open.delete(batch.key);
    const { waiters } = batch;
    batch.controller = createAbortSource();
    counts.sent++;
    const request: ExportRequest = {
      signal: batch.signal,
      body: waiters.length === 1 ? waiters[0].request.body : Buffer.concat(waiters.map((w) => w.request.body), batch.bytes),
      headers: batch.headers,
      deadline: earliestDeadline(waiters),
      abortSignal: batch.controller,
      tagStats: mergedTagStats(waiters),
      items: knownItems(waiters),
    };
    const done = deliver(batch, request);
    sending.add(done);
    void done.finally(() => sending.delete(done));
  }

  function join(batch: Batch, request: ExportRequest, items: number): Promise<ExportResponse> {
    return new Promise<ExportResponse>((resolve, reject) => {
      const waiter: Waiter = {
        request,
        items,
        resolve,
        reject,
        onAbort: () => {
          if (batch.controller === undefined) {
            remove(batch, waiter);
            reject(cancelledBeforeSend());
          } else if (++batch.aborted === batch.waiters.length) {
            batch.controller.abort(request.abortSignal.reason);
          }
        },
      };
      batch.waiters.push(waiter);
      batch.bytes += request.body.length;
      batch.items += items;
      request.abortSignal.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  function consume(request: ExportRequest): Promise<ExportResponse> {
    counts.received++;
    if (request.abortSignal.aborted) return Promise.reject(cancelledBeforeSend());
    const bytes = request.body.length;
    const items = maxBatchItems === undefined ? 0 : (request.items ?? countItems(request.signal, request.body));
    const hurried = request.deadline !== undefined && request.deadline - Date.now() < 2 * maxDelayMillis;
    if (closing || hurried || bytes >= maxBatchBytes || (maxBatchItems !== undefined && items >= maxBatchItems)) {
      return passThrough(request);
    }
    const key = groupKey(request.signal, request.headers);
    let batch = open.get(key);
    if (batch !== undefined && (batch.bytes + bytes > maxBatchBytes || (maxBatchItems !== undefined && batch.items + items > maxBatchItems))) {
      send(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      const created: Batch = {
        key,
        signal: request.signal,
        headers: request.headers,
        waiters: [],
        bytes: 0,
        items: 0,
        timer: undefined,
        controller: undefined,
        aborted: 0,
      };
      created.timer = setTimeout(() => send(created), maxDelayMillis);
      open.set(key, created);
      batch = created;
    }
    const answer = join(batch, request, items);
    if (batch.bytes === maxBatchBytes || batch.items === maxBatchItems) send(batch);
    return answer;
  }

  return {
    counts,
    consume,
    async shutdown(): Promise<void> {
      closing = true;
      for (const batch of [...open.values()]) send(batch);
      await Promise.allSettled([...sending]);
    },
  };
}
