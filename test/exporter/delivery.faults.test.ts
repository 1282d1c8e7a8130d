/**
 * Delivery under faults, against real upstreams (R2, R3, R4, R8 of performance-and-reliability.md
 * §8.2): what a client was told was delivered arrives upstream at least once (span-ID set
 * equality), permanent refusals are dropped and counted, throttling delays are honoured.
 * Retry delays are shortened by a fast policy; waits the server asks for are recorded, not slept.
 */
import t, { type Test } from 'tap';
import type { ExportRequest } from '../../src/consumer.js';
import type { Exporter } from '../../src/exporter/exporter.js';
import { createGrpcExporter } from '../../src/exporter/grpc-exporter.js';
import { createHttpExporter } from '../../src/exporter/http-exporter.js';
import { createQueuedExporter, type QueuedExporterOptions } from '../../src/exporter/queue/queued-exporter.js';
import type { RetryPolicy } from '../../src/exporter/retry-policy.js';
import { createRetryingExporter, type Sleep } from '../../src/exporter/retrying-exporter.js';
import { silentLogger } from '../../src/logger.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../src/otlp/status.js';
import { buildRequest } from '../helpers/build-request.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { startGrpcUpstream, type GrpcUpstreamReply } from '../helpers/upstream-grpc.js';
import { startHttpUpstream, type HttpUpstreamReply } from '../helpers/upstream-http.js';

const fast: RetryPolicy = { enabled: true, initialIntervalMillis: 2, multiplier: 1.5, randomizationFactor: 0.5, maxIntervalMillis: 20, maxElapsedMillis: 0 };
const plaintext = { insecure: true, insecureSkipVerify: false } as const;

/** A seeded PRNG (mulberry32), so that a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function spanIds(decoded: Record<string, unknown> | undefined): string[] {
  const ids: string[] = [];
  for (const rs of (decoded?.resourceSpans ?? []) as { scopeSpans?: { spans?: { spanId: string; name: string }[] }[] }[]) {
    for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) ids.push(span.spanId);
  }
  return ids;
}

function spanNames(decoded: Record<string, unknown> | undefined): string[] {
  const rs = (decoded?.resourceSpans ?? []) as { scopeSpans?: { spans?: { name: string }[] }[] }[];
  return rs.flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => (s.spans ?? []).map((span) => span.name)));
}

function request(names: string[]): ExportRequest {
  return { signal: 'traces', body: buildRequest('traces', { items: names }), headers: {}, deadline: undefined, abortSignal: new AbortController().signal };
}

function grpcExporter(t: Test, url: string): Exporter {
  const exporter = createGrpcExporter({ endpoint: url, headers: {}, compression: 'none', timeoutMillis: 5000, tls: plaintext, logger: silentLogger });
  t.teardown(() => exporter.shutdown());
  return exporter;
}

function httpExporter(t: Test, endpoints: Record<'traces' | 'logs' | 'metrics', string>): Exporter {
  const exporter = createHttpExporter({ endpoints, encoding: 'protobuf', headers: {}, compression: 'gzip', timeoutMillis: 5000, tls: plaintext, logger: silentLogger });
  t.teardown(() => exporter.shutdown());
  return exporter;
}

function queued(t: Test, inner: Exporter, options: Partial<QueuedExporterOptions> = {}) {
  const exporter = createQueuedExporter(inner, { maxBytes: 1 << 20, consumers: 4, policy: fast, logger: silentLogger, ...options });
  t.teardown(() => exporter.shutdown());
  return exporter;
}

const batches = (count: number, prefix = 'span'): string[][] => Array.from({ length: count }, (_, i) => [0, 1, 2].map((j) => `${prefix}-${i}-${j}`));

t.test('R2 queue mode, gRPC upstream failing 70 % of requests with UNAVAILABLE: every acknowledged span arrives', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const random = seeded(7);
  const accepted: string[] = [];
  upstream.respondWith((req): GrpcUpstreamReply => {
    if (random() < 0.7) return { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'flaky' };
    accepted.push(...spanIds(req.decoded));
    return { kind: 'ok' };
  });
  const exporter = queued(t, grpcExporter(t, upstream.url));
  const sent: string[] = [];
  for (const names of batches(40)) {
    const req = request(names);
    t.same(await exporter.consume(req), {});
    sent.push(...spanIds(decodeRequest('traces', req.body)));
  }
  t.same(await exporter.drain(15_000), { delivered: exporter.stats.delivered, remaining: 0 });
  t.same(new Set(accepted), new Set(sent), 'span-ID set equality');
  t.equal(accepted.length - new Set(accepted).size, 0, 'no duplicates without restarts');
  t.equal(exporter.stats.delivered, 40);
  t.ok(exporter.stats.retries > 40, `${exporter.stats.retries} retries`);
});

t.test('R2 sync mode, same flaky upstream: a client that retries what it was refused gets everything delivered', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const random = seeded(11);
  const accepted: string[] = [];
  upstream.respondWith((req): GrpcUpstreamReply => {
    if (random() < 0.7) return { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'flaky' };
    accepted.push(...spanIds(req.decoded));
    return { kind: 'ok' };
  });
  // A small window, so that some requests do fail back to the client, which then retries.
  const exporter = createRetryingExporter(grpcExporter(t, upstream.url), { policy: { ...fast, maxElapsedMillis: 5 }, logger: silentLogger });
  const sent: string[] = [];
  let clientRetries = 0;
  let permanent = 0;
  for (const names of batches(30)) {
    const req = request(names);
    sent.push(...spanIds(decodeRequest('traces', req.body)));
    for (let attempt = 0; attempt < 100; attempt++) {
      const error = await exporter.consume(req).then(() => undefined, (err: unknown) => err);
      if (error === undefined) break;
      if (!clientStatusOf(error).retryable) permanent++;
      clientRetries++;
    }
  }
  t.equal(permanent, 0, 'only retryable errors reach the client');
  t.same(new Set(accepted), new Set(sent));
  t.equal(accepted.length, sent.length, 'acknowledged exactly once each');
  t.ok(exporter.counters.retries > 0 && clientRetries > 0, `${exporter.counters.retries} retries here, ${clientRetries} by the client`);
});

t.test('R3 queue mode, HTTP upstream refusing half of the requests with 400: received = sent − refused', async (t) => {
  const upstream = await startHttpUpstream(t);
  const random = seeded(3);
  const accepted: string[] = [];
  upstream.respondWith((req): HttpUpstreamReply => {
    if (spanNames(req.decoded)[0].startsWith('bad')) return { kind: 'status', status: 400, message: 'invalid span' };
    if (random() < 0.5) return { kind: 'status', status: 503, message: 'busy' };
    accepted.push(...spanIds(req.decoded));
    return { kind: 'ok' };
  });
  const exporter = queued(t, httpExporter(t, upstream.endpoints));
  const good: string[] = [];
  const all = batches(30).map((names, i) => (i % 2 === 0 ? names : names.map((n) => `bad-${n}`)));
  for (const names of all) {
    const req = request(names);
    await exporter.consume(req);
    if (!names[0].startsWith('bad')) good.push(...spanIds(decodeRequest('traces', req.body)));
  }
  t.equal((await exporter.drain(15_000)).remaining, 0);
  t.same(new Set(accepted), new Set(good));
  t.match(exporter.stats, { delivered: 15, dropped: { permanent: 15, elapsed: 0 }, droppedItems: 45 });
  const badAttempts = upstream.requests.filter((r) => spanNames(r.decoded)[0].startsWith('bad')).length;
  t.equal(badAttempts, 15, 'permanent refusals are never retried');
});

t.test('R4 throttling: Retry-After (seconds and HTTP-date) and RetryInfo set the next wait', async (t) => {
  const waits: number[] = [];
  const recordingSleep: Sleep = async (millis) => {
    waits.push(millis);
    await new Promise((resolve) => setTimeout(resolve, 1));
  };

  const http = await startHttpUpstream(t);
  http.reply(
    { kind: 'status', status: 429, retryAfter: '2' },
    { kind: 'status', status: 503, retryAfter: new Date(Date.now() + 3500).toUTCString() },
  );
  const viaHttp = queued(t, httpExporter(t, http.endpoints), { sleep: recordingSleep, consumers: 1 });
  await viaHttp.consume(request(['throttled']));
  t.equal((await viaHttp.drain(10_000)).remaining, 0);
  t.equal(http.requests.length, 3);
  t.ok(waits[0] >= 2000, `Retry-After: 2 → waited ${waits[0]} ms`);
  t.ok(waits[1] >= 2000, `Retry-After: <date 3.5 s ahead> → waited ${waits[1]} ms`);

  const grpc = await startGrpcUpstream(t);
  grpc.reply(
    { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'rate limited', retryDelayMillis: 1500 },
    { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'too large' },
  );
  waits.length = 0;
  const viaGrpc = queued(t, grpcExporter(t, grpc.url), { sleep: recordingSleep, consumers: 1 });
  await viaGrpc.consume(request(['throttled']));
  t.equal((await viaGrpc.drain(10_000)).remaining, 0);
  t.same(waits.length, 1);
  t.ok(waits[0] >= 1500, `RetryInfo 1.5 s → waited ${waits[0]} ms`);
  t.equal(viaGrpc.stats.dropped.permanent, 1, 'RESOURCE_EXHAUSTED without RetryInfo is permanent');
  t.equal(grpc.requests.length, 2);
});

t.test('R8 persistent queue: requests acknowledged while the upstream is down are delivered after a restart', async (t) => {
  const dir = t.testdir();
  const upstream = await startGrpcUpstream(t);
  let down = true;
  const accepted: string[] = [];
  upstream.respondWith((req): GrpcUpstreamReply => {
    if (down) return { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'down' };
    accepted.push(...spanIds(req.decoded));
    return { kind: 'ok' };
  });
  const first = createQueuedExporter(grpcExporter(t, upstream.url), { maxBytes: 1 << 20, dir, consumers: 4, policy: fast, logger: silentLogger });
  const sent: string[] = [];
  for (const names of batches(25)) {
    const req = request(names);
    await first.consume(req);
    sent.push(...spanIds(decodeRequest('traces', req.body)));
  }
  await upstream.waitForRequests(10);
  t.same(await first.drain(50), { delivered: 0, remaining: 25 });
  await first.shutdown();

  down = false;
  const second = queued(t, grpcExporter(t, upstream.url), { dir });
  t.same(await second.drain(15_000), { delivered: 25, remaining: 0 });
  t.equal(second.stats.replayed, 25);
  t.same(new Set(accepted), new Set(sent));
  t.equal(accepted.length, sent.length, 'the aborted attempts were all refused, so no duplicates');
});
