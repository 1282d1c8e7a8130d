/**
 * Delivery through the whole service: sync retries hide a flaky upstream from clients, requests
 * over the upstream's limit are split, and too much data in flight is refused retryably.
 */
import t from 'tap';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import type { Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });
const fastRetry = {
  enabled: true,
  initialIntervalMillis: 10,
  maxIntervalMillis: 50,
  maxElapsedMillis: 5000,
  multiplier: 1.5,
  randomizationFactor: 0.5,
};

function post(url: string, body: Buffer): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
}

t.test('sync mode: retries hide a flaky upstream; the client hears success once', async (t) => {
  const upstream = await startGrpcUpstream(t);
  upstream.reply(
    { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'flaky' },
    { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'flaky' },
  );
  const tagger = await startTagger(t, { exporter: otlpExporter('grpc', same(upstream.url)), delivery: { retry: fastRetry } });
  const response = await post(tagger.httpUrl, buildRequest('traces', { items: ['x'] }));
  t.equal(response.status, 200);
  t.equal(upstream.requests.length, 3, 'two failures, then delivered');
  t.match(await (await fetch(`${tagger.adminUrl}/metrics`)).text(), /otlp_tagger_exporter_retries_total\{signal="traces"\} 2/);
});

t.test('sync mode: permanent errors are not retried', async (t) => {
  const upstream = await startGrpcUpstream(t);
  upstream.respondWith(() => ({ kind: 'status', code: GrpcCode.INVALID_ARGUMENT, message: 'bad ids' }));
  const tagger = await startTagger(t, { exporter: otlpExporter('grpc', same(upstream.url)), delivery: { retry: fastRetry } });
  t.equal((await post(tagger.httpUrl, buildRequest('traces'))).status, 400);
  t.equal(upstream.requests.length, 1);
});

t.test('requests over the upstream limit are split, never sent oversized', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    tags: { env: 'uat' },
    exporter: otlpExporter('grpc', same(upstream.url)),
    delivery: { upstreamMaxRequestBytes: 2000 },
  });
  const names = Array.from({ length: 40 }, (_, i) => `span-${i}-${'p'.repeat(100)}`);
  const response = await post(tagger.httpUrl, buildRequest('traces', { items: names }));
  t.equal(response.status, 200);
  t.ok(upstream.requests.length > 1, `split into ${upstream.requests.length} requests`);
  t.ok(upstream.requests.every((r) => r.body.length <= 2000), 'each under the limit');
  t.equal(upstream.requests.reduce((n, r) => n + inspectRequest('traces', r.body).items, 0), 40, 'every span arrives');
});

t.test('too much data in flight: a retryable refusal with Retry-After', async (t) => {
  const upstream = await startGrpcUpstream(t);
  upstream.reply({ kind: 'ok', delayMillis: 300 });
  const tagger = await startTagger(t, { exporter: otlpExporter('grpc', same(upstream.url)), delivery: { maxInflightBytes: 100 } });
  const body = buildRequest('traces', { items: ['a'.repeat(80)] });
  const first = post(tagger.httpUrl, body);
  await upstream.waitForRequests(1);
  const second = await post(tagger.httpUrl, body);
  t.equal(second.status, 429, 'refused while the first is in flight');
  t.ok(Number(second.headers.get('retry-after')) >= 1, 'with Retry-After');
  t.equal((await first).status, 200, 'the first one is delivered');
  const metrics = await (await fetch(`${tagger.adminUrl}/metrics`)).text();
  t.match(
    metrics,
    /otlp_tagger_receiver_refused_requests_total\{signal="traces",protocol="http",code="OTLP_TAGGER_ERR_OVERLOADED"\} 1/,
    'the refusal is counted',
  );
  t.equal(tagger.service.limiter.inflightBytes, 0, 'and nothing stays claimed');
});
