/**
 * The in-memory queue: a FIFO bounded by bytes (request bodies) and by count. It survives
 * nothing: what it holds at shutdown or on a crash is lost, which the queued exporter counts and
 * logs. A full queue refuses with a retryable status instead of dropping anything.
 */
import { shutDown } from '../exporter-errors.js';
import { fits, queueFull, type DeliveryQueue, type QueueBounds, type QueueEntry, type QueueLease } from './delivery-queue.js';

export function createMemoryQueue(bounds: QueueBounds): DeliveryQueue {
  let waiting: QueueLease[] = [];
  let head = 0;
  const taken = new Map<number, QueueLease>();
  let nextId = 1;
  let bytes = 0;
  let closed = false;
  const items = (): number => waiting.length - head + taken.size;

  return {
    get items() {
      return items();
    },
    get bytes() {
      return bytes;
    },
    get waiting() {
      return waiting.length - head;
    },
    push(entry: QueueEntry): Promise<void> {
      if (closed) return Promise.reject(shutDown());
      const size = entry.body.length;
      if (!fits(bounds, items(), bytes, size)) return Promise.reject(queueFull(bounds, items(), bytes));
      waiting.push({ id: nextId++, entry });
      bytes += size;
      return Promise.resolve();
    },
    take(): Promise<QueueLease | undefined> {
      if (head === waiting.length) return Promise.resolve(undefined);
      const lease = waiting[head++];
      // Drop the consumed prefix now and then, so the array does not grow forever.
      if (head >= 1024 && head * 2 >= waiting.length) {
        waiting = waiting.slice(head);
        head = 0;
      }
      taken.set(lease.id, lease);
      return Promise.resolve(lease);
    },
    remove(id: number): Promise<void> {
      const lease = taken.get(id);
      if (lease !== undefined) {
        taken.delete(id);
        bytes -= lease.entry.body.length;
      }
      return Promise.resolve();
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}
