import t from 'tap';
import type { ExportRequest, ExportResponse } from '../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import type { Exporter } from '../../src/exporter/exporter.js';
import { createRetryingExporter, sendWithRetries, sleep, type Sleep } from '../../src/exporter/retrying-exporter.js';
import type { RetryPolicy } from '../../src/exporter/retry-policy.js';
import { silentLogger } from '../../src/logger.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRecordingLogger } from '../helpers/recording-logger.js';

const policy: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 500,
  multiplier: 2,
  randomizationFactor: 0,
  maxIntervalMillis: 4000,
  maxElapsedMillis: 10_000,
};

const unavailable = (retryAfterMillis?: number): TaggerError =>
  new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'upstream answered UNAVAILABLE', { retryAfterMillis });
const invalid = (): TaggerError => new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'bad data', { grpcCode: GrpcCode.INVALID_ARGUMENT });

/** A clock that only moves when the code under test sleeps. */
function fakeTime(start = 1_000_000): { now: () => number; sleep: Sleep; waits: number[] } {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    sleep: async (millis, signals) => {
      waits.push(millis);
      if (!signals.some((s) => s.aborted)) now += millis;
    },
  };
}

type Script = (ExportResponse | TaggerError | Error)[];

function scripted(script: Script): Exporter & { bodies: Buffer[]; shutdowns: number } {
  const bodies: Buffer[] = [];
  const inner = {
    bodies,
    shutdowns: 0,
    description: 'fake upstream',
    consume(request: ExportRequest): Promise<ExportResponse> {
      bodies.push(request.body);
      const next = script.shift() ?? {};
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    shutdown: () => {
      inner.shutdowns++;
      return Promise.resolve();
    },
  };
  return inner;
}

const body = buildRequest('traces');
function request(over: Partial<ExportRequest> = {}): ExportRequest {
  return { signal: 'traces', body, headers: {}, deadline: undefined, abortSignal: new AbortController().signal, ...over };
}

t.test('retryable failures are retried with the same bytes until the upstream accepts', async (t) => {
  const time = fakeTime();
  const inner = scripted([unavailable(), unavailable(), { partialSuccess: { rejected: '1', errorMessage: 'one bad span' } }]);
  const exporter = createRetryingExporter(inner, { policy, logger: silentLogger, clock: time.now, sleep: time.sleep });
  t.same(await exporter.consume(request()), { partialSuccess: { rejected: '1', errorMessage: 'one bad span' } }, 'partial success is passed on, not retried');
  t.equal(inner.bodies.length, 3);
  t.ok(inner.bodies.every((b) => b === body), 'the very same Buffer every time');
  t.same(time.waits, [500, 1000], 'exponential backoff');
  t.same(exporter.counters, {
    requests: 1,
    attempts: 3,
    retries: 2,
    failures: { permanent: 0, disabled: 0, deadline: 0, elapsed: 0, cancelled: 0, shutdown: 0 },
  });
});

t.test('permanent failures pass through at once', async (t) => {
  const time = fakeTime();
  const inner = scripted([invalid()]);
  const exporter = createRetryingExporter(inner, { policy, logger: silentLogger, clock: time.now, sleep: time.sleep });
  await t.rejects(exporter.consume(request()), { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INVALID_ARGUMENT });
  t.equal(inner.bodies.length, 1);
  t.same(time.waits, []);
  t.equal(exporter.counters.failures.permanent, 1);

  const bug = scripted([new Error('not a TaggerError')]);
  await t.rejects(createRetryingExporter(bug, { policy, logger: silentLogger, sleep: time.sleep }).consume(request()), /not a TaggerError/);
  t.equal(bug.bodies.length, 1, 'an unexpected error is never retried');

  const exhausted = scripted([new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'too big', { grpcCode: GrpcCode.RESOURCE_EXHAUSTED })]);
  await t.rejects(createRetryingExporter(exhausted, { policy, logger: silentLogger, sleep: time.sleep }).consume(request()));
  t.equal(exhausted.bodies.length, 1, 'RESOURCE_EXHAUSTED without RetryInfo is permanent');
});

t.test('RESOURCE_EXHAUSTED with RetryInfo is retried after the delay the server asked for', async (t) => {
  const time = fakeTime();
  const throttled = new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'slow down', { grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryAfterMillis: 3000 });
  const inner = scripted([throttled, unavailable(7000), {}]);
  const exporter = createRetryingExporter(inner, { policy, logger: silentLogger, clock: time.now, sleep: time.sleep });
  t.same(await exporter.consume(request()), {});
  t.same(time.waits, [3000, 7000], "the server's delays, not the shorter backoffs");
});

t.test("no retry starts after the client's deadline minus the margin; the client gets the retryable error", async (t) => {
  const time = fakeTime();
  const inner = scripted([unavailable(), unavailable(), unavailable(), unavailable()]);
  const exporter = createRetryingExporter(inner, { policy, logger: silentLogger, clock: time.now, sleep: time.sleep, deadlineMarginMillis: 200 });
  // Attempts at +0, +500, +1500; the next would start at +3500, after 3000 - 200.
  const error = await exporter.consume(request({ deadline: time.now() + 3000 })).catch((err: unknown) => err);
  t.match(error, { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE });
  t.equal(inner.bodies.length, 3);
  t.equal(exporter.counters.failures.deadline, 1);

  const late = scripted([unavailable(5000)]);
  const second = createRetryingExporter(late, { policy, logger: silentLogger, clock: time.now, sleep: time.sleep });
  await t.rejects(second.consume(request({ deadline: time.now() + 2000 })), { code: ErrorCode.UPSTREAM_UNAVAILABLE, retryAfterMillis: 5000 }, 'a server delay past the deadline: answered at once, with the delay');
  t.equal(late.bodies.length, 1);
});

t.test('the retry window (max elapsed) bounds clients without a deadline', async (t) => {
  const time = fakeTime();
  const failures = Array.from({ length: 20 }, () => unavailable());
  const inner = scripted(failures);
  const exporter = createRetryingExporter(inner, { policy: { ...policy, maxElapsedMillis: 5000 }, logger: silentLogger, clock: time.now, sleep: time.sleep });
  await t.rejects(exporter.consume(request()), { code: ErrorCode.UPSTREAM_UNAVAILABLE });
  // Waits 500, 1000, 2000 (t = 3500); the next 4000 would start at 7500 > 5000.
  t.same(time.waits, [500, 1000, 2000]);
  t.equal(exporter.counters.failures.elapsed, 1);

  const forever = scripted(Array.from({ length: 12 }, () => unavailable()));
  const unbounded = createRetryingExporter(forever, { policy: { ...policy, maxElapsedMillis: 0 }, logger: silentLogger, clock: time.now, sleep: time.sleep });
  t.same(await unbounded.consume(request()), {}, 'max elapsed 0: no limit');
  t.equal(forever.bodies.length, 13);
});

t.test('disabled: one attempt, the retryable error passed on', async (t) => {
  const time = fakeTime();
  const inner = scripted([unavailable()]);
  const exporter = createRetryingExporter(inner, { policy: { ...policy, enabled: false }, logger: silentLogger, sleep: time.sleep });
  await t.rejects(exporter.consume(request()), { code: ErrorCode.UPSTREAM_UNAVAILABLE });
  t.equal(inner.bodies.length, 1);
  t.equal(exporter.counters.failures.disabled, 1);
  t.match(exporter.description, /fake upstream, no retries/);
});

t.test('a client that goes away stops the retries', async (t) => {
  const time = fakeTime();
  const client = new AbortController();
  const inner = scripted([unavailable(), unavailable()]);
  const exporter = createRetryingExporter(inner, {
    policy,
    logger: silentLogger,
    clock: time.now,
    sleep: async (millis, signals) => {
      client.abort();
      await time.sleep(millis, signals);
    },
  });
  await t.rejects(exporter.consume(request({ abortSignal: client.signal })), { code: ErrorCode.CANCELLED });
  t.equal(inner.bodies.length, 1);
  t.equal(exporter.counters.failures.cancelled, 1);

  const gone = new AbortController();
  gone.abort();
  const cancelledInner = scripted([unavailable()]);
  await t.rejects(
    createRetryingExporter(cancelledInner, { policy, logger: silentLogger, sleep: time.sleep }).consume(request({ abortSignal: gone.signal })),
    { code: ErrorCode.CANCELLED },
    'already gone when the attempt failed',
  );
  t.same(time.waits, [500]);
});

t.test('shutdown wakes a waiting retry, which answers with the last error', async (t) => {
  const inner = scripted([unavailable(), unavailable()]);
  const records = createRecordingLogger();
  const exporter = createRetryingExporter(inner, { policy: { ...policy, initialIntervalMillis: 60_000, maxIntervalMillis: 60_000, maxElapsedMillis: 0 }, logger: records });
  const pending = exporter.consume(request()).catch((err: unknown) => err);
  await new Promise((resolve) => setImmediate(resolve));
  await exporter.shutdown();
  t.match(await pending, { code: ErrorCode.UPSTREAM_UNAVAILABLE });
  t.equal(inner.shutdowns, 1);
  t.equal(exporter.counters.failures.shutdown, 1);
  t.ok(records.records.some((r) => r.msg === 'retrying export' && r.level === 'debug'));
  t.ok(records.records.some((r) => r.msg === 'export not retried further' && r.fields.reason === 'shutdown'));
  t.equal(exporter.description, "fake upstream, retries until the client's deadline");
  t.equal(createRetryingExporter(inner, { policy, logger: silentLogger }).description, "fake upstream, retries for up to 10000 ms within the client's deadline");
});

t.test('after shutdown, the inner refusal is passed on without retrying', async (t) => {
  const time = fakeTime();
  const inner = scripted([new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'the exporter is shut down')]);
  const exporter = createRetryingExporter(inner, { policy, logger: silentLogger, sleep: time.sleep });
  await exporter.shutdown();
  await t.rejects(exporter.consume(request()), { message: 'the exporter is shut down' });
  t.same(time.waits, []);
  t.equal(exporter.counters.failures.shutdown, 1);
});

t.test('onRetry sees every retry, for metrics', async (t) => {
  const time = fakeTime();
  const seen: [number, number][] = [];
  const inner = scripted([unavailable(), unavailable()]);
  const exporter = createRetryingExporter(inner, {
    policy,
    logger: silentLogger,
    clock: time.now,
    sleep: time.sleep,
    random: () => 0,
    onRetry: (retry, delay) => seen.push([retry, delay]),
  });
  await exporter.consume(request());
  t.same(seen, [
    [1, 500],
    [2, 1000],
  ]);
});

t.test('sendWithRetries with the real clock and sleep', async (t) => {
  let calls = 0;
  const outcome = await sendWithRetries(
    () => (++calls < 3 ? Promise.reject(unavailable()) : Promise.resolve({})),
    { policy: { ...policy, initialIntervalMillis: 1, maxIntervalMillis: 2 } },
  );
  t.same(outcome, { ok: true, response: {}, attempts: 3 });
});

t.test('sendWithRetries: a first attempt that succeeds is the outcome, without waiting', async (t) => {
  const outcome = await sendWithRetries(() => Promise.resolve({}), { policy, clock: () => 0, sleep: () => t.fail('no wait') as never });
  t.same(outcome, { ok: true, response: {}, attempts: 1 });
});

t.test('sleep: resolves after the delay, or at once when a signal aborts', async (t) => {
  await sleep(1, []);
  const stop = new AbortController();
  const waiting = sleep(60_000, [new AbortController().signal, stop.signal]);
  stop.abort();
  await waiting;
  await sleep(60_000, [stop.signal]);
  t.pass('no 60 s wait happened');
});
