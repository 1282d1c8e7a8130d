import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { Gauge } from 'prom-client';
import t, { type Test } from 'tap';
import { createAdminServer, type AdminServer } from '../../src/admin/admin-server.js';
import { ErrorCode } from '../../src/errors.js';
import { createMetrics, type Metrics } from '../../src/telemetry/metrics.js';
import { createRecordingLogger, type RecordingLogger } from '../helpers/recording-logger.js';
import { parsePrometheusText, sampleValue } from '../telemetry/prometheus-text.js';

interface Started {
  readonly base: string;
  readonly address: string;
  readonly server: AdminServer;
  readonly metrics: Metrics;
  readonly logger: RecordingLogger;
  ready: boolean;
}

async function startAdmin(t: Test): Promise<Started> {
  const metrics = createMetrics({ version: '9.9.9' });
  t.teardown(() => metrics.close());
  const logger = createRecordingLogger();
  const state = { ready: false };
  const server = createAdminServer({ endpoint: '127.0.0.1:0', metrics, isReady: () => state.ready, logger });
  t.teardown(() => server.shutdown());
  const address = await server.start();
  return Object.assign(state, { base: `http://${address}`, address, server, metrics, logger });
}

t.test('/healthz answers while the process lives', async (t) => {
  const { base, logger, address } = await startAdmin(t);
  const res = await fetch(`${base}/healthz`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^application\/json/);
  t.same(await res.json(), { status: 'ok' });
  t.match(address, /^127\.0\.0\.1:\d+$/);
  t.match(logger.records, [{ level: 'info', msg: 'admin endpoint listening', fields: { endpoint: address } }]);
});

t.test('/readyz follows isReady()', async (t) => {
  const admin = await startAdmin(t);
  let res = await fetch(`${admin.base}/readyz`);
  t.equal(res.status, 503);
  t.same(await res.json(), { status: 'not ready' });
  admin.ready = true;
  res = await fetch(`${admin.base}/readyz?verbose`);
  t.equal(res.status, 200, 'a query string does not matter');
  t.same(await res.json(), { status: 'ready' });
});

t.test('/metrics serves the registry in the Prometheus text format', async (t) => {
  const { base, metrics } = await startAdmin(t);
  metrics.recordReceive('traces', 'grpc', { items: 5, refusedItems: 0 });
  metrics.recordReceive('traces', 'http', { items: 2, refusedItems: 2, code: ErrorCode.TOO_LARGE });
  metrics.recordExport('traces', { items: 5, failedItems: 0, seconds: 0.01 });
  const res = await fetch(`${base}/metrics`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), metrics.registry.contentType);
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusText(await res.text());
  t.equal(sampleValue(families, 'otlp_tagger_receiver_requests_total', { signal: 'traces', protocol: 'grpc', outcome: 'accepted' }), 1);
  t.equal(sampleValue(families, 'otlp_tagger_receiver_items_total', { signal: 'traces', protocol: 'grpc', outcome: 'accepted' }), 5);
  t.equal(
    sampleValue(families, 'otlp_tagger_receiver_refused_requests_total', { signal: 'traces', protocol: 'http', code: ErrorCode.TOO_LARGE }),
    1,
  );
  t.equal(sampleValue(families, 'otlp_tagger_export_duration_seconds_count', { signal: 'traces', outcome: 'sent' }), 1);
  t.equal(sampleValue(families, 'otlp_tagger_build_info', { version: '9.9.9' }), 1);
  for (const name of ['otlp_tagger_tags_total', 'otlp_tagger_inflight_bytes', 'otlp_tagger_queue_items', 'nodejs_heap_size_used_bytes']) {
    t.ok(families.has(name), name);
  }
});

t.test('HEAD gets the headers without a body', async (t) => {
  const { base } = await startAdmin(t);
  for (const path of ['/healthz', '/metrics']) {
    const res = await fetch(`${base}${path}`, { method: 'HEAD' });
    t.equal(res.status, 200, path);
    t.ok(Number(res.headers.get('content-length')) > 0, `${path} announces its length`);
    t.equal(await res.text(), '', `${path} sends no body`);
  }
});

t.test('other methods get 405 with Allow, other paths 404', async (t) => {
  const { base } = await startAdmin(t);
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const res = await fetch(`${base}/metrics`, { method });
    t.equal(res.status, 405, method);
    t.equal(res.headers.get('allow'), 'GET, HEAD');
    t.match(await res.json(), { error: /not allowed/ });
  }
  for (const path of ['/', '/health', '/metrics/x', '/v1/traces']) {
    const res = await fetch(`${base}${path}`);
    t.equal(res.status, 404, path);
    t.match(await res.json(), { error: /no admin endpoint/ });
  }
  const res = await fetch(`${base}/nowhere`, { method: 'POST' });
  t.equal(res.status, 404, 'an unknown path is 404 whatever the method');
});

t.test('a request without a usable URL is answered, not crashed on', async (t) => {
  const { address } = await startAdmin(t);
  const [host, port] = address.split(':');
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host, port: Number(port), path: '*', method: 'OPTIONS' }, (res) => {
      res.resume();
      resolve(res.statusCode as number);
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(status, 404);
});

t.test('a failing collection is a 500 and an error log, and the server keeps serving', async (t) => {
  const { base, metrics, logger } = await startAdmin(t);
  new Gauge({
    name: 'otlp_tagger_broken',
    help: 'broken',
    registers: [metrics.registry],
    collect() {
      throw new Error('provider failed');
    },
  });
  const res = await fetch(`${base}/metrics`);
  t.equal(res.status, 500);
  t.same(await res.json(), { error: 'cannot collect metrics' });
  t.match(logger.records, [{}, { level: 'error', msg: 'cannot collect metrics', fields: { code: ErrorCode.INTERNAL } }]);
  t.equal((await fetch(`${base}/healthz`)).status, 200);
});

t.test('a busy port is a CONFIG error naming the endpoint', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const { port } = blocker.address() as net.AddressInfo;
  const metrics = createMetrics({ version: 'x' });
  t.teardown(() => metrics.close());
  const server = createAdminServer({ endpoint: `127.0.0.1:${port}`, metrics, isReady: () => true, logger: createRecordingLogger() });
  await t.rejects(server.start(), { code: ErrorCode.CONFIG, message: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`) });
  await server.shutdown();
  await t.rejects(
    createAdminServer({ endpoint: 'nonsense', metrics, isReady: () => true, logger: createRecordingLogger() }).start(),
    { code: ErrorCode.CONFIG },
  );
});

t.test('shutdown closes kept-alive connections, and is safe twice or without start', async (t) => {
  const { base, server } = await startAdmin(t);
  const res = await fetch(`${base}/healthz`, { headers: { connection: 'keep-alive' } });
  await res.text();
  await server.shutdown();
  await server.shutdown();
  await t.rejects(fetch(`${base}/healthz`), 'no longer listening');
  const metrics = createMetrics({ version: 'x' });
  t.teardown(() => metrics.close());
  await createAdminServer({ endpoint: '127.0.0.1:0', metrics, isReady: () => true, logger: createRecordingLogger() }).shutdown();
});
