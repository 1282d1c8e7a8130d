import t from 'tap';
import { ErrorCode } from '../../../src/errors.js';
import type { QueueEntry } from '../../../src/exporter/queue/delivery-queue.js';
import { createMemoryQueue } from '../../../src/exporter/queue/memory-queue.js';
import { clientStatusOf } from '../../../src/otlp/status.js';

const entry = (size: number, tag = 'x'): QueueEntry => ({ signal: 'traces', headers: { tag }, body: Buffer.alloc(size), enqueuedAt: 0 });

t.test('FIFO: entries come out in order; taken ones still count until removed', async (t) => {
  const queue = createMemoryQueue({ maxBytes: 1000 });
  await queue.push(entry(10, 'a'));
  await queue.push(entry(20, 'b'));
  t.same([queue.items, queue.bytes, queue.waiting], [2, 30, 2]);
  const first = await queue.take();
  t.equal(first?.entry.headers.tag, 'a');
  t.same([queue.items, queue.bytes, queue.waiting], [2, 30, 1]);
  await queue.remove(first!.id);
  t.same([queue.items, queue.bytes], [1, 20]);
  await queue.remove(first!.id);
  t.same([queue.items, queue.bytes], [1, 20], 'removing twice is harmless');
  t.equal((await queue.take())?.entry.headers.tag, 'b');
  t.equal(await queue.take(), undefined, 'nothing waiting');
});

t.test('bounded by bytes: a full queue refuses with RESOURCE_EXHAUSTED + RetryInfo (429)', async (t) => {
  const queue = createMemoryQueue({ maxBytes: 100, retryAfterMillis: 2500 });
  await queue.push(entry(60));
  const refusal = await queue.push(entry(50)).catch((err: unknown) => err);
  t.match(refusal, { code: ErrorCode.OVERLOADED, retryAfterMillis: 2500, message: /the sending queue is full \(1 requests, 60 of 100 bytes\)/ });
  const status = clientStatusOf(refusal);
  t.same([status.httpStatus, status.retryable, status.retryAfterMillis], [429, true, 2500]);
  await queue.push(entry(40));
  t.equal(queue.bytes, 100, 'exactly full is fine');
});

t.test('bounded by count', async (t) => {
  const queue = createMemoryQueue({ maxBytes: 1_000_000, maxItems: 2 });
  await queue.push(entry(1));
  await queue.push(entry(1));
  await t.rejects(queue.push(entry(1)), { code: ErrorCode.OVERLOADED, retryAfterMillis: 1000 });
});

t.test('an empty queue takes one entry larger than the bound, so it is not refused forever', async (t) => {
  const queue = createMemoryQueue({ maxBytes: 10 });
  await queue.push(entry(50));
  await t.rejects(queue.push(entry(1)), { code: ErrorCode.OVERLOADED });
});

t.test('a closed queue refuses (retryably) and keeps what it held', async (t) => {
  const queue = createMemoryQueue({ maxBytes: 100 });
  await queue.push(entry(5));
  await queue.close();
  await t.rejects(queue.push(entry(5)), { code: ErrorCode.UPSTREAM_UNAVAILABLE });
  t.equal(queue.items, 1);
});

t.test('many entries through: the consumed prefix is released without losing order', async (t) => {
  const queue = createMemoryQueue({ maxBytes: Infinity });
  const out: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 1500; i++) await queue.push(entry(1, `${round}-${i}`));
    for (let i = 0; i < 1500; i++) {
      const lease = await queue.take();
      out.push(lease!.entry.headers.tag);
      await queue.remove(lease!.id);
    }
  }
  t.equal(out.length, 4500);
  t.same(out.slice(1499, 1501), ['0-1499', '1-0']);
  t.same([queue.items, queue.bytes], [0, 0]);
});
