import t from 'tap';
import type { ExportRequest, ExportResponse } from '../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { createSplittingExporter } from '../../src/exporter/splitting-exporter.js';
import type { Exporter } from '../../src/exporter/exporter.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import { buildRequest } from '../helpers/build-request.js';

function request(body: Buffer): ExportRequest {
  return { signal: 'traces', body, headers: {}, deadline: undefined, abortSignal: new AbortController().signal };
}

function fakeInner(answer: (body: Buffer, n: number) => Promise<ExportResponse>): Exporter & { bodies: Buffer[] } {
  const bodies: Buffer[] = [];
  return {
    bodies,
    description: 'fake',
    consume(req) {
      bodies.push(req.body);
      return answer(req.body, bodies.length);
    },
    shutdown: () => Promise.resolve(),
  };
}

const big = buildRequest('traces', { items: ['a'.repeat(400), 'b'.repeat(400), 'c'.repeat(400)] });

t.test('small requests pass through untouched', async (t) => {
  const inner = fakeInner(() => Promise.resolve({}));
  const exporter = createSplittingExporter(inner, { maxRequestBytes: 4096 });
  t.same(await exporter.consume(request(big)), {});
  t.equal(inner.bodies[0], big);
  t.equal(exporter.counts.split, 0);
  t.match(exporter.description, /fake, split above 4096 bytes/);
  await exporter.shutdown();
});

t.test('a large request is sent in pieces under the limit', async (t) => {
  const inner = fakeInner(() => Promise.resolve({}));
  const exporter = createSplittingExporter(inner, { maxRequestBytes: 600 });
  t.same(await exporter.consume(request(big)), {});
  t.equal(inner.bodies.length, 3);
  t.ok(inner.bodies.every((b) => b.length <= 600));
  t.equal(inner.bodies.reduce((n, b) => n + inspectRequest('traces', b).items, 0), 3);
  t.equal(exporter.counts.split, 1);
});

t.test('pieces keep the request\'s metadata, not its item count', async (t) => {
  const seen: ExportRequest[] = [];
  const inner: Exporter = {
    description: 'fake',
    consume(req) {
      seen.push(req);
      return Promise.resolve({});
    },
    shutdown: () => Promise.resolve(),
  };
  const whole: ExportRequest = {
    ...request(big),
    headers: { 'x-tenant': 'a' },
    deadline: 1234,
    tagStats: { applied: 1, overridden: 0, skipped: 0, prefixed: 0, unchanged: 0 },
    items: 3,
  };
  await createSplittingExporter(inner, { maxRequestBytes: 600 }).consume(whole);
  t.equal(seen.length, 3);
  for (const piece of seen) {
    t.equal(piece.signal, 'traces');
    t.equal(piece.headers, whole.headers);
    t.equal(piece.deadline, 1234);
    t.equal(piece.abortSignal, whole.abortSignal);
    t.equal(piece.tagStats, whole.tagStats);
    t.equal(piece.items, undefined, 'the whole request\'s count does not hold for a piece');
  }
  await createSplittingExporter(inner, { maxRequestBytes: 4096 }).consume(whole);
  t.equal(seen[3], whole, 'a request that fits goes as it is, count included');
});

t.test('partial successes add up; oversize items are reported as rejected', async (t) => {
  const inner = fakeInner(() => Promise.resolve({ partialSuccess: { rejected: '1', errorMessage: 'bad span' } }));
  const withHuge = buildRequest('traces', { items: ['a', 'x'.repeat(2000), 'b'] });
  const exporter = createSplittingExporter(inner, { maxRequestBytes: 600 });
  const response = await exporter.consume(request(withHuge));
  t.equal(response.partialSuccess?.rejected, String(1 + inner.bodies.length));
  t.match(response.partialSuccess?.errorMessage, /1 spans larger than the upstream's limit of 600 bytes; bad span/);
  t.equal(exporter.counts.oversizeItems, 1);

  const warning = fakeInner(() => Promise.resolve({ partialSuccess: { rejected: '', errorMessage: 'a warning' } }));
  const warned = await createSplittingExporter(warning, { maxRequestBytes: 600 }).consume(request(big));
  t.same(warned.partialSuccess, { rejected: '0', errorMessage: 'a warning; a warning; a warning' }, 'warnings without rejections are passed on');
});

t.test('a piece refused for good becomes a partial success; a retryable one fails the request', async (t) => {
  const permanent = fakeInner((_b, n) =>
    n === 2 ? Promise.reject(new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'bad', { grpcCode: GrpcCode.INVALID_ARGUMENT })) : Promise.resolve({}),
  );
  const response = await createSplittingExporter(permanent, { maxRequestBytes: 600 }).consume(request(big));
  t.same(response.partialSuccess, { rejected: '1', errorMessage: 'bad' });

  const retryable = fakeInner((_b, n) =>
    n === 3 ? Promise.reject(new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'down')) : Promise.resolve({}),
  );
  await t.rejects(createSplittingExporter(retryable, { maxRequestBytes: 600 }).consume(request(big)), {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
  });
});
