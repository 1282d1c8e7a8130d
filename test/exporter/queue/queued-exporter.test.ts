import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { ExportRequest, ExportResponse } from '../../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../../src/errors.js';
import type { Exporter } from '../../../src/exporter/exporter.js';
import { createQueuedExporter, type QueuedExporter, type QueuedExporterOptions } from '../../../src/exporter/queue/queued-exporter.js';
import type { RetryPolicy } from '../../../src/exporter/retry-policy.js';
import type { Sleep } from '../../../src/exporter/retrying-exporter.js';
import { silentLogger } from '../../../src/logger.js';
import { GrpcCode } from '../../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../../src/otlp/status.js';
import { buildRequest } from '../../helpers/build-request.js';
import { createRecordingLogger } from '../../helpers/recording-logger.js';
import { createFaultyWalFs, ioError } from './faulty-wal-fs.js';

const fast: RetryPolicy = { enabled: true, initialIntervalMillis: 1, multiplier: 1.5, randomizationFactor: 0.5, maxIntervalMillis: 5, maxElapsedMillis: 0 };

type Answer = (request: ExportRequest, n: number) => Promise<ExportResponse>;

interface FakeInner extends Exporter {
  readonly requests: ExportRequest[];
  answer: Answer;
  shutdowns: number;
}

function fakeInner(answer: Answer = () => Promise.resolve({})): FakeInner {
  const inner: FakeInner = {
    requests: [],
    answer,
    shutdowns: 0,
    description: 'fake upstream',
    consume(request) {
      inner.requests.push(request);
      return inner.answer(request, inner.requests.length);
    },
    shutdown() {
      inner.shutdowns++;
      return Promise.resolve();
    },
  };
  return inner;
}

/** Never answers; fails as cancelled when the exporter aborts the call, as real exporters do. */
const hang: Answer = (request) =>
  new Promise((_resolve, reject) =>
    request.abortSignal.addEventListener('abort', () => reject(new TaggerError(ErrorCode.CANCELLED, 'aborted')), { once: true }),
  );

const unavailable = (): TaggerError => new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'upstream answered UNAVAILABLE');

function request(tag: string, items = ['span']): ExportRequest {
  return {
    signal: 'traces',
    body: buildRequest('traces', { items }),
    headers: { tag },
    deadline: Date.now() + 10_000,
    abortSignal: new AbortController().signal,
  };
}

function open(t: Test, inner: Exporter, options: Partial<QueuedExporterOptions> = {}): QueuedExporter {
  const exporter = createQueuedExporter(inner, { maxBytes: 1 << 20, policy: fast, logger: silentLogger, ...options });
  t.teardown(() => exporter.shutdown());
  return exporter;
}

t.test('a request is acknowledged once queued, then delivered by the senders with the same bytes and headers', async (t) => {
  const inner = fakeInner();
  const exporter = open(t, inner, { consumers: 2 });
  const sent = request('a');
  t.same(await exporter.consume(sent), {});
  await exporter.consume(request('b'));
  t.equal((await exporter.drain(5000)).remaining, 0);
  t.same(inner.requests[0].body, sent.body);
  t.same(inner.requests[0].headers, { tag: 'a' });
  t.equal(inner.requests[0].deadline, undefined, 'no client deadline: the inner exporter applies its own timeout');
  t.match(exporter.stats, { enqueued: 2, delivered: 2, attempts: 2, retries: 0, queuedItems: 0, queuedBytes: 0, inFlight: 0, wal: undefined });
  t.equal(exporter.description, 'fake upstream, queue in memory, max 1048576 bytes, 2 senders');
});

t.test('retryable failures are retried until delivered', async (t) => {
  const inner = fakeInner((_r, n) => (n <= 3 ? Promise.reject(unavailable()) : Promise.resolve({})));
  const exporter = open(t, inner);
  await exporter.consume(request('a'));
  t.same(await exporter.drain(5000), { delivered: 1, remaining: 0 });
  t.match(exporter.stats, { attempts: 4, retries: 3, delivered: 1 });
});

t.test('a full queue refuses with RESOURCE_EXHAUSTED + RetryInfo: HTTP 429 + Retry-After', async (t) => {
  const inner = fakeInner(hang);
  const exporter = open(t, inner, { maxBytes: 1, consumers: 1, retryAfterMillis: 2000 });
  await exporter.consume(request('a'));
  const refusal = await exporter.consume(request('b')).catch((err: unknown) => err);
  const status = clientStatusOf(refusal);
  t.same([status.grpcCode, status.httpStatus, status.retryable, status.retryAfterMillis], [GrpcCode.RESOURCE_EXHAUSTED, 429, true, 2000]);
  t.equal(exporter.stats.refusedFull, 1);
  t.equal(exporter.stats.inFlight, 1);
});

t.test('permanent failures are dropped at once, counted with their items, and logged with the reason', async (t) => {
  const records = createRecordingLogger();
  const inner = fakeInner(() => Promise.reject(new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'bad span', { grpcCode: GrpcCode.INVALID_ARGUMENT })));
  const exporter = open(t, inner, { logger: records });
  await exporter.consume(request('a', ['x', 'y', 'z']));
  t.same(await exporter.drain(5000), { delivered: 0, remaining: 0 });
  t.equal(inner.requests.length, 1, 'never retried');
  t.match(exporter.stats, { dropped: { permanent: 1, elapsed: 0, disabled: 0 }, droppedItems: 3 });
  t.match(records.records, [{ level: 'warn', msg: 'dropping a queued request', fields: { reason: 'refused for good by the upstream', items: 3, attempts: 1, signal: 'traces' } }]);
});

t.test('still failing when the retry window closes: dropped, counted, logged', async (t) => {
  let now = 0;
  const sleep: Sleep = async (millis) => void (now += millis);
  const records = createRecordingLogger();
  const inner = fakeInner(() => Promise.reject(unavailable()));
  const policy: RetryPolicy = { ...fast, initialIntervalMillis: 1000, maxIntervalMillis: 1000, randomizationFactor: 0, maxElapsedMillis: 3500 };
  const exporter = open(t, inner, { policy, clock: () => now, sleep, logger: records });
  await exporter.consume(request('a'));
  await exporter.drain(5000);
  t.equal(inner.requests.length, 4, 'attempts at 0, 1, 2 and 3 s');
  t.equal(exporter.stats.dropped.elapsed, 1);
  t.match(records.records.at(-1), { level: 'warn', fields: { reason: 'still failing when the retry window of 3500 ms closed', ageMillis: 3000 } });
});

t.test('retries disabled: a retryable failure is dropped after one attempt', async (t) => {
  const inner = fakeInner(() => Promise.reject(unavailable()));
  const exporter = open(t, inner, { policy: { ...fast, enabled: false } });
  await exporter.consume(request('a'));
  await exporter.drain(5000);
  t.equal(exporter.stats.dropped.disabled, 1);
  t.equal(exporter.stats.droppedItems, 1);
});

t.test('a body the inspector cannot read counts as 0 items when dropped', async (t) => {
  const inner = fakeInner(() => Promise.reject(new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'no')));
  const exporter = open(t, inner);
  await exporter.consume({ ...request('a'), body: Buffer.from([0xff, 0xff]) });
  await exporter.drain(5000);
  t.same([exporter.stats.dropped.permanent, exporter.stats.droppedItems], [1, 0]);
});

t.test('partial success: delivered, and the rejected items are counted and logged', async (t) => {
  const records = createRecordingLogger();
  const inner = fakeInner(() => Promise.resolve({ partialSuccess: { rejected: '2', errorMessage: 'two spans too old' } }));
  const exporter = open(t, inner, { logger: records });
  await exporter.consume(request('a'));
  await exporter.drain(5000);
  t.match(exporter.stats, { delivered: 1, rejectedItems: 2 });
  t.match(records.records, [{ level: 'warn', msg: /rejected part/, fields: { rejected: '2', message: 'two spans too old' } }]);
});

t.test('memory queue: drain gives up at its timeout; shutdown counts and logs what is lost', async (t) => {
  const records = createRecordingLogger();
  const inner = fakeInner(hang);
  const exporter = createQueuedExporter(inner, { maxBytes: 1 << 20, consumers: 1, policy: fast, logger: records });
  for (const tag of ['a', 'b', 'c']) await exporter.consume(request(tag));
  t.same(await exporter.drain(20), { delivered: 0, remaining: 3 });
  await exporter.shutdown();
  await exporter.shutdown();
  t.equal(exporter.stats.lost, 3);
  t.equal(inner.shutdowns, 1);
  t.match(records.records.at(-1), { level: 'error', msg: /lost at shutdown/, fields: { requests: 3 } });
  await t.rejects(exporter.consume(request('late')), { code: ErrorCode.UPSTREAM_UNAVAILABLE }, 'refused after shutdown');
});

t.test('drain and shutdown without traffic, or before start', async (t) => {
  const inner = fakeInner();
  const idle = createQueuedExporter(inner, { maxBytes: 10, logger: silentLogger });
  t.same([idle.stats.queuedItems, idle.stats.queuedBytes], [0, 0], 'not started yet');
  await idle.shutdown();
  t.equal(inner.shutdowns, 1, 'never started: only the inner exporter to shut down');
  const exporter = open(t, fakeInner());
  t.same(await exporter.drain(1000), { delivered: 0, remaining: 0 });
});

t.test('persistent queue: what is not delivered at shutdown is delivered after the next start', async (t) => {
  const dir = path.join(t.testdir(), 'queue');
  const records = createRecordingLogger();
  const down = fakeInner(hang);
  const first = createQueuedExporter(down, { maxBytes: 1 << 20, dir, consumers: 2, policy: fast, logger: records });
  await first.start();
  for (const tag of ['a', 'b', 'c']) await first.consume(request(tag));
  t.match(first.stats.wal, { replayed: 0 });
  t.equal(first.description, `fake upstream, queue persistent in ${dir}, fsync always, max 1048576 bytes, 2 senders`);
  await first.shutdown();
  t.equal(first.stats.lost, 0);
  t.match(records.records.at(-1), { level: 'info', msg: /stay in the queue directory/, fields: { requests: 3 } });

  const up = fakeInner();
  const second = open(t, up, { dir, fsync: 50, logger: records });
  t.equal(second.description, `fake upstream, queue persistent in ${dir}, fsync every 50 ms, max 1048576 bytes, 10 senders`);
  t.same(await second.drain(5000), { delivered: 3, remaining: 0 });
  t.equal(second.stats.replayed, 3);
  t.same(up.requests.map((r) => r.headers.tag).sort(), ['a', 'b', 'c']);
  t.ok(records.records.some((r) => r.msg === 'delivering requests queued before the last stop' && r.fields.requests === 3));
});

t.test('persistent queue: a disk that cannot store refuses retryably, counted', async (t) => {
  const fs = createFaultyWalFs();
  const exporter = open(t, fakeInner(), { dir: t.testdir(), fs });
  fs.faults.create = () => ioError('ENOSPC');
  const refusal = await exporter.consume(request('a')).catch((err: unknown) => err);
  t.match(refusal, { code: ErrorCode.STORAGE });
  t.same([clientStatusOf(refusal).httpStatus, clientStatusOf(refusal).retryable], [503, true]);
  t.equal(exporter.stats.refusedStorage, 1);
});

t.test('a queue directory that cannot be opened fails start, and every request, retryably', async (t) => {
  const file = path.join(t.testdir(), 'not-a-dir');
  writeFileSync(file, 'x');
  const records = createRecordingLogger();
  const exporter = open(t, fakeInner(), { dir: file, logger: records });
  await t.rejects(exporter.start(), { code: ErrorCode.STORAGE, message: /cannot open the queue directory/ });
  await t.rejects(exporter.consume(request('a')), { code: ErrorCode.STORAGE });
  t.same(await exporter.drain(100), { delivered: 0, remaining: 0 });
  t.match(records.records, [{ level: 'error', msg: 'cannot open the sending queue' }]);

  const bad = open(t, fakeInner(), { dir: t.testdir(), fsync: 0 });
  await t.rejects(bad.start(), { code: ErrorCode.CONFIG }, 'configuration errors keep their code');
});

t.test('shutdown aborts sends in flight; with a persistent queue they stay on disk', async (t) => {
  const dir = t.testdir();
  const inner = fakeInner(hang);
  const exporter = createQueuedExporter(inner, { maxBytes: 1 << 20, dir, consumers: 1, policy: { ...fast, enabled: false }, logger: silentLogger });
  await exporter.consume(request('a'));
  while (inner.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await exporter.shutdown();
  t.ok(inner.requests[0].abortSignal.aborted);
  t.same(exporter.stats.dropped, { permanent: 0, elapsed: 0, disabled: 0 }, 'an aborted attempt is not a drop, even without retries');
  const again = open(t, fakeInner(), { dir });
  t.same(await again.drain(5000), { delivered: 1, remaining: 0 });
});
