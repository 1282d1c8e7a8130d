import type { Test } from 'tap';
import t from 'tap';
import type { ExportRequest } from '../../src/consumer.js';
import { ErrorCode, TaggerError, isTaggerError } from '../../src/errors.js';
import type { GrpcClientTransport, GrpcClientTransportFactory, GrpcUnaryResult } from '../../src/exporter/grpc-client-transport.js';
import { createGrpcExporter, type GrpcExporterOptions } from '../../src/exporter/grpc-exporter.js';
import { createGrpcJsClientTransport } from '../../src/exporter/grpc-js-client-transport.js';
import { createHttp2GrpcClientTransport } from '../../src/exporter/http2-grpc-client-transport.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals } from '../../src/otlp/signal.js';
import { clientStatusOf } from '../../src/otlp/status.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { loadTestPki, opensslMissingReason } from '../helpers/test-pki.js';
import { unusedPort } from '../helpers/unused-port.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';
import { sampleBody, sampleRequest } from '../helpers/sample-requests.js';

const plaintext = { insecure: true, insecureSkipVerify: false } as const;

async function rejection(t: Test, pending: Promise<unknown>): Promise<TaggerError> {
  try {
    await pending;
  } catch (err) {
    t.ok(isTaggerError(err), 'rejects with a TaggerError');
    return err as TaggerError;
  }
  t.fail('expected a rejection');
  return new TaggerError(ErrorCode.INTERNAL, 'resolved');
}

/** What a client of ours would be told, in one comparable object. */
function told(err: TaggerError): Record<string, unknown> {
  const status = clientStatusOf(err);
  return { code: err.code, grpcCode: status.grpcCode, retryable: status.retryable, retryAfterMillis: status.retryAfterMillis };
}

function exporterSuite(t: Test, createTransport: GrpcClientTransportFactory): void {
  const open = (t: Test, endpoint: string, overrides: Partial<GrpcExporterOptions> = {}) => {
    const exporter = createGrpcExporter({
      endpoint,
      headers: {},
      compression: 'none',
      timeoutMillis: 10_000,
      tls: plaintext,
      logger: silentLogger,
      createTransport,
      ...overrides,
    });
    t.teardown(() => exporter.shutdown());
    return exporter;
  };

  t.test('every signal reaches its Export method unchanged, with and without gzip', async (t) => {
    for (const compression of ['none', 'gzip'] as const) {
      const upstream = await startGrpcUpstream(t);
      const exporter = open(t, upstream.url, { compression });
      for (const signal of allSignals) {
        const body = sampleBody(signal, { resources: 2, items: 3 });
        t.same(await exporter.consume(sampleRequest(signal, { body })), {}, `${compression} ${signal}: full success`);
      }
      t.same(upstream.requests.map((r) => r.signal), allSignals);
      for (const recorded of upstream.requests) {
        t.same(recorded.decoded, decodeRequest(recorded.signal, sampleBody(recorded.signal, { resources: 2, items: 3 })));
      }
    }
  });

  t.test('headers: forwarded ones arrive, static ones win, unsendable forwarded ones are dropped', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const exporter = open(t, upstream.url, { headers: { authorization: 'Bearer hop', 'X-Static': 'yes' } });
    await exporter.consume(
      sampleRequest('traces', {
        headers: {
          'x-scope-orgid': 'tenant-1',
          authorization: 'Bearer client',
          'grpc-timeout': '1S',
          'content-type': 'text/plain',
          'trace-bin': 'AAEC',
          'user-agent': 'client/1',
          'Bad Key': 'v',
          'x-non-ascii': 'caf\u00e9',
        },
      }),
    );
    const metadata = upstream.requests[0].metadata;
    t.equal(metadata['x-scope-orgid'], 'tenant-1');
    t.equal(metadata.authorization, 'Bearer hop', 'the operator-configured value wins');
    t.equal(metadata['x-static'], 'yes', 'static keys are lower-cased');
    t.not(metadata['content-type'], 'text/plain', "the client's content-type is dropped, never forwarded");
    t.notOk('trace-bin' in metadata);
    t.notOk('x-non-ascii' in metadata, 'a value gRPC cannot carry is dropped, not fatal');
    t.match(metadata['user-agent'], /^otlp-tagger\/\d+\.\d+\.\d+( grpc-node-js|$)/);
    t.equal(upstream.requests[0].deadline !== undefined, true, 'timeoutMillis sets a deadline');
  });

  t.test('static headers that cannot be metadata are a configuration error', async (t) => {
    for (const key of ['grpc-status', 'bad key', 'x-bin', 'content-type', 'user-agent']) {
      t.throws(() => open(t, 'http://127.0.0.1:1', { headers: { [key]: 'v' } }), { code: ErrorCode.CONFIG }, key);
    }
    t.throws(() => open(t, 'http://127.0.0.1:1', { headers: { 'x-ok': 'line\nbreak' } }), { code: ErrorCode.CONFIG }, 'a bad value');
  });

  t.test('partial success is passed through, and logged', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    upstream.reply(
      { kind: 'ok', partialSuccess: { rejected: 3, errorMessage: 'trace ids must be 128 bit' } },
      { kind: 'ok', partialSuccess: { rejected: 0, errorMessage: 'a warning' } },
      { kind: 'ok', partialSuccess: { rejected: 0, errorMessage: '' } },
    );
    const exporter = open(t, upstream.url, { logger });
    t.same(await exporter.consume(sampleRequest('traces')), {
      partialSuccess: { rejected: '3', errorMessage: 'trace ids must be 128 bit' },
    });
    t.same(await exporter.consume(sampleRequest('logs')), { partialSuccess: { rejected: '0', errorMessage: 'a warning' } });
    t.same(await exporter.consume(sampleRequest('metrics')), {}, 'an empty partial success is full success');
    t.match(lines, [
      { level: 'warn', msg: 'upstream reported partial success', signal: 'traces', rejected: '3' },
      { level: 'warn', signal: 'logs', rejected: '0', errorMessage: 'a warning' },
    ]);
    t.equal(lines.length, 2);
  });

  t.test('an OK response that does not decode is a permanent failure', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply({ kind: 'raw', body: Buffer.from([0x0a, 0x05, 0x08]) });
    const err = await rejection(t, open(t, upstream.url).consume(sampleRequest('traces')));
    t.same(told(err), { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INTERNAL, retryable: false, retryAfterMillis: undefined });
  });

  t.test('upstream statuses keep their meaning', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const exporter = open(t, upstream.url);
    const rows = [
      { note: 'UNAVAILABLE is retryable', code: GrpcCode.UNAVAILABLE, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, retryable: true, retryAfterMillis: undefined } },
      { note: 'UNAVAILABLE with RetryInfo keeps the delay', code: GrpcCode.UNAVAILABLE, retryDelayMillis: 1500, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, retryable: true, retryAfterMillis: 1500 } },
      { note: 'RESOURCE_EXHAUSTED with RetryInfo is retryable', code: GrpcCode.RESOURCE_EXHAUSTED, retryDelayMillis: 5000, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, retryable: true, retryAfterMillis: 5000 } },
      { note: 'RESOURCE_EXHAUSTED without RetryInfo is permanent', code: GrpcCode.RESOURCE_EXHAUSTED, want: { code: ErrorCode.UPSTREAM_REJECTED, retryable: false, retryAfterMillis: undefined } },
      { note: 'INVALID_ARGUMENT is permanent', code: GrpcCode.INVALID_ARGUMENT, want: { code: ErrorCode.UPSTREAM_REJECTED, retryable: false, retryAfterMillis: undefined } },
      { note: 'INVALID_ARGUMENT ignores RetryInfo', code: GrpcCode.INVALID_ARGUMENT, retryDelayMillis: 1000, want: { code: ErrorCode.UPSTREAM_REJECTED, retryable: false, retryAfterMillis: undefined } },
      { note: 'UNAUTHENTICATED is permanent', code: GrpcCode.UNAUTHENTICATED, want: { code: ErrorCode.UPSTREAM_REJECTED, retryable: false, retryAfterMillis: undefined } },
      { note: "the upstream's own CANCELLED is retryable", code: GrpcCode.CANCELLED, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, retryable: true, retryAfterMillis: undefined } },
      { note: "the upstream's DEADLINE_EXCEEDED is our deadline", code: GrpcCode.DEADLINE_EXCEEDED, want: { code: ErrorCode.DEADLINE, retryable: true, retryAfterMillis: undefined } },
    ];
    for (const row of rows) {
      upstream.reply({ kind: 'status', code: row.code, message: `said ${row.code}`, retryDelayMillis: row.retryDelayMillis });
      const err = await rejection(t, exporter.consume(sampleRequest('traces')));
      t.same(told(err), { ...row.want, grpcCode: row.code }, row.note);
      t.match(err.message, `said ${row.code}`, `${row.note}: the upstream's message is kept`);
    }
  });

  t.test('nothing listening: UNAVAILABLE, retryable', async (t) => {
    const exporter = open(t, `http://127.0.0.1:${await unusedPort()}`);
    const err = await rejection(t, exporter.consume(sampleRequest('traces')));
    t.same(told(err), { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: undefined });
  });

  t.test('the connection closed mid-request: UNAVAILABLE, retryable', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply({ kind: 'close' });
    const err = await rejection(t, open(t, upstream.url).consume(sampleRequest('traces')));
    t.same(told(err), { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: undefined });
  });

  t.test('deadlines', async (t) => {
    const deadlineError = { code: ErrorCode.DEADLINE, grpcCode: GrpcCode.DEADLINE_EXCEEDED, retryable: true, retryAfterMillis: undefined };

    t.test("a slow upstream and the client's deadline: DEADLINE, retryable", async (t) => {
      const upstream = await startGrpcUpstream(t);
      upstream.reply({ kind: 'ok', delayMillis: 5000 });
      const err = await rejection(t, open(t, upstream.url).consume(sampleRequest('traces', { deadline: Date.now() + 150 })));
      t.same(told(err), deadlineError);
    });

    t.test("the client's deadline travels upstream as grpc-timeout", async (t) => {
      const upstream = await startGrpcUpstream(t);
      const deadline = Date.now() + 60_000;
      await open(t, upstream.url, { timeoutMillis: 0 }).consume(sampleRequest('traces', { deadline }));
      const seen = upstream.requests[0].deadline as number;
      t.ok(seen > Date.now() && seen <= deadline + 1000, 'the upstream knows it (to grpc-timeout precision)');
    });

    t.test('timeoutMillis caps a later (or absent) client deadline', async (t) => {
      const upstream = await startGrpcUpstream(t);
      upstream.reply({ kind: 'hang' }, { kind: 'hang' });
      const exporter = open(t, upstream.url, { timeoutMillis: 100 });
      t.same(told(await rejection(t, exporter.consume(sampleRequest('traces')))), deadlineError, 'no client deadline');
      const late = Date.now() + 60_000;
      t.same(told(await rejection(t, exporter.consume(sampleRequest('traces', { deadline: late })))), deadlineError, 'a later one');
    });

    t.test('timeoutMillis 0 means no limit of our own', async (t) => {
      const upstream = await startGrpcUpstream(t);
      await open(t, upstream.url, { timeoutMillis: 0 }).consume(sampleRequest('traces'));
      t.equal(upstream.requests[0].deadline, undefined, 'no grpc-timeout sent');
    });

    t.test('a deadline beyond what a timer can hold is still a deadline, not an instant timeout', async (t) => {
      const upstream = await startGrpcUpstream(t);
      const deadline = Date.now() + 40 * 86_400_000;
      t.same(await open(t, upstream.url, { timeoutMillis: 0 }).consume(sampleRequest('traces', { deadline })), {});
    });

    t.test('a deadline already past: DEADLINE, nothing sent', async (t) => {
      const upstream = await startGrpcUpstream(t);
      const err = await rejection(t, open(t, upstream.url).consume(sampleRequest('traces', { deadline: Date.now() - 1 })));
      t.same(told(err), deadlineError);
      t.equal(upstream.requests.length, 0);
    });
  });

  t.test('cancellation', async (t) => {
    const cancelledError = { code: ErrorCode.CANCELLED, grpcCode: GrpcCode.CANCELLED, retryable: true, retryAfterMillis: undefined };

    t.test('the client goes away mid-call: CANCELLED, and the upstream call is cancelled', async (t) => {
      const upstream = await startGrpcUpstream(t);
      upstream.reply({ kind: 'hang' });
      const controller = new AbortController();
      const pending = open(t, upstream.url).consume(sampleRequest('traces', { abortSignal: controller.signal }));
      await upstream.waitForRequests(1);
      controller.abort();
      t.same(told(await rejection(t, pending)), cancelledError);
    });

    t.test('a client already gone: CANCELLED, nothing sent', async (t) => {
      const upstream = await startGrpcUpstream(t);
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(t, open(t, upstream.url).consume(sampleRequest('traces', { abortSignal: controller.signal })));
      t.same(told(err), cancelledError);
      t.equal(upstream.requests.length, 0);
    });
  });

  t.test('a request above maxRequestBytes is refused locally, permanently', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const exporter = open(t, upstream.url, { maxRequestBytes: 512 });
    const err = await rejection(t, exporter.consume(sampleRequest('traces', { body: sampleBody('traces', { items: 20 }) })));
    t.same(told(err), { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryable: false, retryAfterMillis: undefined });
    t.equal(upstream.requests.length, 0);
  });

  t.test('shutdown lets in-flight requests finish, then refuses new ones', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply({ kind: 'ok', delayMillis: 100 });
    const exporter = open(t, upstream.url);
    const inFlight = exporter.consume(sampleRequest('traces'));
    await upstream.waitForRequests(1);
    const first = exporter.shutdown();
    t.equal(exporter.shutdown(), first, 'idempotent');
    await first;
    t.same(await inFlight, {}, 'the in-flight request completed');
    const err = await rejection(t, exporter.consume(sampleRequest('traces')));
    t.same(told(err), { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: undefined });
  });

  const pki = loadTestPki();
  t.test('TLS', { skip: pki === undefined ? opensslMissingReason : false }, async (t) => {
    if (pki === undefined) return;
    const server = { key: pki.server.key, cert: pki.server.cert };
    const tls = { insecure: false, insecureSkipVerify: false, caFile: pki.ca.certFile };

    t.test('https with the CA file', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: server });
      t.match(upstream.url, /^https:/);
      t.same(await open(t, upstream.url, { tls, compression: 'gzip' }).consume(sampleRequest('traces')), {});
      t.same(upstream.requests[0].decoded, decodeRequest('traces', sampleBody('traces')));
    });

    t.test('mTLS with the client certificate and key', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { ...server, clientCa: pki.ca.cert } });
      const mtls = { ...tls, certFile: pki.client.certFile, keyFile: pki.client.keyFile };
      t.same(await open(t, upstream.url, { tls: mtls }).consume(sampleRequest('traces')), {});
      const err = await rejection(t, open(t, upstream.url, { tls }).consume(sampleRequest('traces')));
      t.equal(err.grpcCode, GrpcCode.UNAVAILABLE, 'without a client certificate the handshake fails');
    });

    t.test('an untrusted server fails, unless verification is skipped', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { key: pki.untrustedServer.key, cert: pki.untrustedServer.cert } });
      const err = await rejection(t, open(t, upstream.url, { tls }).consume(sampleRequest('traces')));
      t.same(told(err), { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: undefined });
      t.same(await open(t, upstream.url, { tls: { ...tls, insecureSkipVerify: true } }).consume(sampleRequest('traces')), {});
      t.equal(upstream.requests.length, 1);
    });

    t.test('serverName is the name checked', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: server });
      t.same(await open(t, upstream.url, { tls: { ...tls, serverName: 'upstream.test' } }).consume(sampleRequest('traces')), {});
      const err = await rejection(t, open(t, upstream.url, { tls: { ...tls, serverName: 'wrong.test' } }).consume(sampleRequest('traces')));
      t.equal(err.grpcCode, GrpcCode.UNAVAILABLE);
    });

    t.test('unreadable or half-given TLS files are configuration errors', async (t) => {
      t.throws(() => open(t, 'https://127.0.0.1:1', { tls: { ...tls, caFile: `${pki.dir}/missing.pem` } }), { code: ErrorCode.CONFIG });
      t.throws(() => open(t, 'https://127.0.0.1:1', { tls: { ...tls, certFile: pki.client.certFile } }), { code: ErrorCode.CONFIG });
      t.doesNotThrow(() => open(t, 'http://127.0.0.1:1', { tls: { ...tls, caFile: `${pki.dir}/missing.pem` } }), 'plaintext reads no files');
    });
  });
}

const implementations: [string, GrpcClientTransportFactory][] = [
  ['grpc-js', createGrpcJsClientTransport],
  ['node:http2', createHttp2GrpcClientTransport],
];
for (const [name, factory] of implementations) t.test(`over ${name}`, async (t) => exporterSuite(t, factory));

t.test('the exporter hands the transport what it needs (a fake transport)', async (t) => {
  const calls: { method: string; body: Buffer; metadata: Readonly<Record<string, string>>; deadline: number | undefined }[] = [];
  let created: Parameters<GrpcClientTransportFactory>[0] | undefined;
  let closed = 0;
  const fake: GrpcClientTransportFactory = (options) => {
    created = options;
    const transport: GrpcClientTransport = {
      async unary(method, body, options): Promise<GrpcUnaryResult> {
        calls.push({ method, body, metadata: options.metadata, deadline: options.deadline });
        return { body: Buffer.alloc(0) };
      },
      close: () => void closed++,
    };
    return transport;
  };
  const exporter = createGrpcExporter({
    endpoint: 'tempo.example:4317',
    headers: { 'x-scope-orgid': 'fixed' },
    compression: 'gzip',
    timeoutMillis: 0,
    tls: { insecure: false, insecureSkipVerify: true, serverName: 'tempo.internal' },
    logger: silentLogger,
    createTransport: fake,
  });
  t.same(created, {
    address: 'tempo.example:4317',
    tls: { insecureSkipVerify: true, serverName: 'tempo.internal' },
    compression: 'gzip',
    maxSendMessageBytes: 64 * 1024 * 1024,
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    userAgent: created?.userAgent,
  });
  t.equal(exporter.description, 'otlp grpc https://tempo.example:4317 (compression gzip)');
  t.notMatch(exporter.description, 'fixed', 'no header values');
  const deadline = Date.now() + 60_000;
  const request: ExportRequest = sampleRequest('metrics', { deadline });
  await exporter.consume(request);
  t.same(calls, [{ method: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', body: request.body, metadata: { 'x-scope-orgid': 'fixed' }, deadline }]);
  t.equal(calls[0].body, request.body, 'the very same buffer, not a copy');
  await exporter.shutdown();
  t.equal(closed, 1);
});

t.test('without createTransport the exporter uses the node:http2 transport', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const exporter = createGrpcExporter({ endpoint: upstream.url, headers: {}, compression: 'gzip', timeoutMillis: 0, tls: plaintext, logger: silentLogger });
  t.teardown(() => exporter.shutdown());
  t.same(await exporter.consume(sampleRequest('logs')), {});
  t.match(upstream.requests[0].metadata['user-agent'], /^otlp-tagger\/\d+\.\d+\.\d+$/, 'no grpc-node-js suffix: not grpc-js');
});

t.test('grpc-status-details-bin that is not a Status is ignored', async (t) => {
  const exporter = createGrpcExporter({
    endpoint: 'http://127.0.0.1:1',
    headers: {},
    compression: 'none',
    timeoutMillis: 0,
    tls: plaintext,
    logger: silentLogger,
    createTransport: () => ({
      unary: async () => ({ code: GrpcCode.UNAVAILABLE, message: 'busy', details: Buffer.from([0x0a, 0x7f]) }),
      close: () => undefined,
    }),
  });
  const err = await rejection(t, exporter.consume(sampleRequest('traces')));
  t.same(told(err), { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: undefined });
  await exporter.shutdown();
});

t.test('endpoint errors are configuration errors', async (t) => {
  const base = { headers: {}, compression: 'none', timeoutMillis: 0, tls: plaintext, logger: silentLogger } as const;
  t.throws(() => createGrpcExporter({ ...base, endpoint: 'unix:///tmp/socket' }), { code: ErrorCode.CONFIG });
});
