import type { Test } from 'tap';
import t from 'tap';
import { ErrorCode, TaggerError, isTaggerError } from '../../src/errors.js';
import { createHttpExporter, type HttpExporterOptions } from '../../src/exporter/http-exporter.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { clientStatusOf } from '../../src/otlp/status.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { loadTestPki, opensslMissingReason } from '../helpers/test-pki.js';
import { unusedPort } from '../helpers/unused-port.js';
import { startHttpUpstream } from '../helpers/upstream-http.js';
import { sampleBody, sampleRequest } from '../helpers/sample-requests.js';

const noTls = { insecure: true, insecureSkipVerify: false } as const;

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

function told(err: TaggerError): Record<string, unknown> {
  const status = clientStatusOf(err);
  return {
    code: err.code,
    grpcCode: status.grpcCode,
    httpStatus: status.httpStatus,
    retryable: status.retryable,
    retryAfterMillis: status.retryAfterMillis,
  };
}

const unavailable = { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, httpStatus: 503, retryable: true, retryAfterMillis: undefined };

function open(t: Test, endpoints: Readonly<Record<Signal, string>>, overrides: Partial<HttpExporterOptions> = {}) {
  const exporter = createHttpExporter({
    endpoints,
    encoding: 'protobuf',
    headers: {},
    compression: 'none',
    timeoutMillis: 10_000,
    tls: noTls,
    logger: silentLogger,
    ...overrides,
  });
  t.teardown(() => exporter.shutdown());
  return exporter;
}

t.test('every signal, protobuf and JSON, with and without gzip, arrives as sent', async (t) => {
  for (const encoding of ['protobuf', 'json'] as const) {
    for (const compression of ['none', 'gzip'] as const) {
      const upstream = await startHttpUpstream(t);
      const exporter = open(t, upstream.endpoints, { encoding, compression });
      for (const signal of allSignals) {
        const body = sampleBody(signal, { resources: 2, items: 3 });
        t.same(await exporter.consume(sampleRequest(signal, { body })), {}, `${encoding} ${compression} ${signal}: full success`);
      }
      t.same(upstream.requests.map((r) => r.path), allSignals.map((s) => signals[s].httpPath));
      for (const recorded of upstream.requests) {
        const signal = recorded.signal as Signal;
        t.same(recorded.decoded, decodeRequest(signal, sampleBody(signal, { resources: 2, items: 3 })), `${encoding} ${compression} ${signal}: decoded`);
        t.equal(recorded.method, 'POST');
        t.equal(recorded.headers['content-type'], encoding === 'json' ? 'application/json' : 'application/x-protobuf');
        t.equal(recorded.headers['content-encoding'], compression === 'gzip' ? 'gzip' : undefined);
        t.equal(recorded.headers['content-length'], String(recorded.raw.length));
        if (compression === 'gzip') t.ok(recorded.raw.length < recorded.body.length, 'smaller on the wire');
        t.match(recorded.headers['user-agent'], /^otlp-tagger\/\d+\.\d+\.\d+$/);
      }
      t.equal(upstream.connections, 1, 'one kept-alive connection for all three');
    }
  }
});

t.test('JSON ids are hex, as OTLP/JSON requires', async (t) => {
  const upstream = await startHttpUpstream(t);
  await open(t, upstream.endpoints, { encoding: 'json' }).consume(sampleRequest('traces'));
  const json = upstream.requests[0].json as { resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[] };
  t.same(json.resourceSpans[0].scopeSpans[0].spans[0].traceId, '5b8efff798038103d269b633813fc60c');
  t.same(json.resourceSpans[0].scopeSpans[0].spans[0].spanId, 'eee19b7ec3c1b174');
});

t.test('headers: forwarded ones arrive, static ones win, protocol ones cannot be replaced', async (t) => {
  const upstream = await startHttpUpstream(t);
  const exporter = open(t, upstream.endpoints, { headers: { Authorization: 'Bearer hop', 'user-agent': 'ops-chosen/1' } });
  await exporter.consume(
    sampleRequest('traces', {
      headers: {
        'x-scope-orgid': 'tenant-1',
        authorization: 'Bearer client',
        'content-type': 'text/plain',
        'content-length': '1',
        host: 'evil.example',
        'user-agent': 'client/1',
        'bad header': 'v',
        'x-bad-value': 'a\nb',
      },
    }),
  );
  const headers = upstream.requests[0].headers;
  t.equal(headers['x-scope-orgid'], 'tenant-1');
  t.equal(headers.authorization, 'Bearer hop');
  t.equal(headers['content-type'], 'application/x-protobuf');
  t.equal(headers.host, new URL(upstream.url).host);
  t.equal(headers['user-agent'], 'ops-chosen/1', 'a static User-Agent replaces ours');
  t.notOk('bad header' in headers || 'x-bad-value' in headers);
  t.same(upstream.requests[0].decoded, decodeRequest('traces', sampleBody('traces')));
});

t.test('static headers that cannot be sent are a configuration error', async (t) => {
  const endpoints = { traces: 'http://127.0.0.1:1/v1/traces', logs: 'http://127.0.0.1:1/v1/logs', metrics: 'http://127.0.0.1:1/v1/metrics' };
  for (const [key, value] of [['bad key', 'v'], ['x-ok', 'line\nbreak'], ['Content-Type', 'text/plain'], ['host', 'h']]) {
    t.throws(() => open(t, endpoints, { headers: { [key]: value } }), { code: ErrorCode.CONFIG }, key);
  }
});

t.test('endpoints must be http(s) URLs', async (t) => {
  const good = 'http://127.0.0.1:1/v1/traces';
  for (const bad of ['not a url', 'ftp://h/v1/logs', '127.0.0.1:4318']) {
    t.throws(() => open(t, { traces: good, logs: bad, metrics: good }), { code: ErrorCode.CONFIG, message: /logs endpoint/ }, bad);
  }
});

t.test('the description names protocol, origins and compression, never headers or credentials', async (t) => {
  const exporter = open(
    t,
    { traces: 'https://user:secret@tempo.example/otlp/v1/traces', logs: 'https://tempo.example/otlp/v1/logs', metrics: 'http://metrics.example:4318/v1/metrics' },
    { encoding: 'json', compression: 'gzip', headers: { authorization: 'Bearer s3cr3t' } },
  );
  t.equal(exporter.description, 'otlp http/json https://tempo.example, http://metrics.example:4318 (compression gzip)');
});

t.test('partial success is passed through (protobuf and JSON), and logged', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  for (const encoding of ['protobuf', 'json'] as const) {
    const upstream = await startHttpUpstream(t);
    upstream.reply({ kind: 'ok', partialSuccess: { rejected: 3, errorMessage: 'trace ids must be 128 bit' } }, { kind: 'ok', partialSuccess: { rejected: 0, errorMessage: '' } });
    const exporter = open(t, upstream.endpoints, { encoding, logger });
    t.same(await exporter.consume(sampleRequest('logs')), { partialSuccess: { rejected: '3', errorMessage: 'trace ids must be 128 bit' } }, encoding);
    t.same(await exporter.consume(sampleRequest('logs')), {}, `${encoding}: an empty partial success is full success`);
  }
  t.match(lines, [{ level: 'warn', msg: 'upstream reported partial success', signal: 'logs', rejected: '3' }, { level: 'warn' }]);
  t.equal(lines.length, 2);
});

t.test('a 2xx body that does not parse is a permanent failure', async (t) => {
  const upstream = await startHttpUpstream(t);
  upstream.reply({ kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"partialSuccess":' });
  const err = await rejection(t, open(t, upstream.endpoints).consume(sampleRequest('traces')));
  t.same(told(err), { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INTERNAL, httpStatus: 500, retryable: false, retryAfterMillis: undefined });
});

t.test('error statuses keep their meaning', async (t) => {
  const upstream = await startHttpUpstream(t);
  const exporter = open(t, upstream.endpoints, { encoding: 'json' });
  const dateIn30s = new Date(Date.now() + 30_000).toUTCString();
  const rows = [
    { note: '400: permanent INVALID_ARGUMENT', reply: { status: 400, message: 'bad trace id' }, want: { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INVALID_ARGUMENT, retryable: false } },
    { note: '503 + Retry-After seconds', reply: { status: 503, retryAfter: '7' }, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: 7000 } },
    { note: '503 + Retry-After HTTP-date', reply: { status: 503, retryAfter: dateIn30s }, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true } },
    { note: '429 + Retry-After', reply: { status: 429, retryAfter: '1' }, want: { code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, retryAfterMillis: 1000 } },
    { note: '413: permanent', reply: { status: 413 }, want: { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryable: false } },
    { note: '500: permanent', reply: { status: 500 }, want: { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INTERNAL, retryable: false } },
  ];
  for (const row of rows) {
    upstream.reply({ kind: 'status', ...row.reply });
    const err = await rejection(t, exporter.consume(sampleRequest('traces')));
    t.match(told(err), { ...row.want, httpStatus: row.reply.status }, row.note);
    if (row.reply.message !== undefined) t.match(err.message, row.reply.message, `${row.note}: the Status message is kept`);
    if (row.reply.retryAfter === dateIn30s) {
      const delay = err.retryAfterMillis as number;
      t.ok(delay > 20_000 && delay <= 30_000, `${row.note}: ${delay} ms`);
    }
  }
});

t.test('nothing listening: UNAVAILABLE, retryable', async (t) => {
  const port = await unusedPort();
  const base = `http://127.0.0.1:${port}`;
  const exporter = open(t, { traces: `${base}/v1/traces`, logs: `${base}/v1/logs`, metrics: `${base}/v1/metrics` });
  const err = await rejection(t, exporter.consume(sampleRequest('traces')));
  t.same(told(err), unavailable);
  t.match(err.message, /ECONNREFUSED/);
});

t.test('the connection closed without an answer, or mid-answer: UNAVAILABLE, retryable', async (t) => {
  const upstream = await startHttpUpstream(t);
  upstream.reply({ kind: 'destroy' }, { kind: 'destroy-mid-body' });
  const exporter = open(t, upstream.endpoints);
  t.same(told(await rejection(t, exporter.consume(sampleRequest('traces')))), unavailable, 'before the answer');
  const midBody = await rejection(t, exporter.consume(sampleRequest('traces')));
  t.same(told(midBody), unavailable, 'mid-body');
  t.match(midBody.message, /mid-response/);
  t.same(await exporter.consume(sampleRequest('traces')), {}, 'and the next request goes through');
});

t.test('response bodies are read up to the limit; above it is a permanent failure', async (t) => {
  const upstream = await startHttpUpstream(t);
  const big = Buffer.alloc(2048, 0x20);
  upstream.reply(
    { kind: 'raw', status: 200, headers: { 'content-type': 'text/plain', 'content-length': String(big.length) }, body: big },
    { kind: 'raw', status: 200, headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, body: big },
    { kind: 'raw', status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(1024, 0x20) },
  );
  const exporter = open(t, upstream.endpoints, { maxResponseBytes: 1024 });
  const permanent = { code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INTERNAL, httpStatus: 500, retryable: false, retryAfterMillis: undefined };
  t.same(told(await rejection(t, exporter.consume(sampleRequest('traces')))), permanent, 'declared by Content-Length');
  t.same(told(await rejection(t, exporter.consume(sampleRequest('traces')))), permanent, 'found while reading a chunked body');
  t.same(await exporter.consume(sampleRequest('traces')), {}, 'exactly at the limit is fine');
});

t.test('deadlines', async (t) => {
  const deadlineError = { code: ErrorCode.DEADLINE, grpcCode: GrpcCode.DEADLINE_EXCEEDED, httpStatus: 503, retryable: true, retryAfterMillis: undefined };

  t.test("a slow upstream and the client's deadline: DEADLINE, retryable", async (t) => {
    const upstream = await startHttpUpstream(t);
    upstream.reply({ kind: 'ok', delayMillis: 5000 });
    const err = await rejection(t, open(t, upstream.endpoints).consume(sampleRequest('traces', { deadline: Date.now() + 150 })));
    t.same(told(err), deadlineError);
  });

  t.test('timeoutMillis caps a later (or absent) client deadline', async (t) => {
    const upstream = await startHttpUpstream(t);
    upstream.reply({ kind: 'hang' }, { kind: 'hang' });
    const exporter = open(t, upstream.endpoints, { timeoutMillis: 100 });
    t.same(told(await rejection(t, exporter.consume(sampleRequest('traces')))), deadlineError);
    t.same(told(await rejection(t, exporter.consume(sampleRequest('traces', { deadline: Date.now() + 60_000 })))), deadlineError);
  });

  t.test('a deadline beyond what a timer can hold is no limit (not an instant timeout)', async (t) => {
    const upstream = await startHttpUpstream(t);
    const deadline = Date.now() + 40 * 86_400_000;
    const exporter = open(t, upstream.endpoints, { timeoutMillis: 0 });
    t.same(await exporter.consume(sampleRequest('traces', { deadline })), {});
    t.same(await exporter.consume(sampleRequest('traces')), {}, 'no deadline at all');
  });

  t.test('a deadline already past: DEADLINE, nothing sent', async (t) => {
    const upstream = await startHttpUpstream(t);
    const err = await rejection(t, open(t, upstream.endpoints).consume(sampleRequest('traces', { deadline: Date.now() - 1 })));
    t.same(told(err), deadlineError);
    t.equal(upstream.requests.length, 0);
  });
});

t.test('cancellation', async (t) => {
  const cancelledError = { code: ErrorCode.CANCELLED, grpcCode: GrpcCode.CANCELLED, httpStatus: 503, retryable: true, retryAfterMillis: undefined };

  t.test('the client goes away mid-request: CANCELLED', async (t) => {
    const upstream = await startHttpUpstream(t);
    upstream.reply({ kind: 'hang' });
    const controller = new AbortController();
    const pending = open(t, upstream.endpoints).consume(sampleRequest('traces', { abortSignal: controller.signal }));
    await upstream.waitForRequests(1);
    controller.abort();
    t.same(told(await rejection(t, pending)), cancelledError);
  });

  t.test('a client already gone: CANCELLED, nothing sent', async (t) => {
    const upstream = await startHttpUpstream(t);
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(t, open(t, upstream.endpoints).consume(sampleRequest('traces', { abortSignal: controller.signal })));
    t.same(told(err), cancelledError);
    t.equal(upstream.requests.length, 0);
  });

  t.test('a client gone while the body is being compressed: CANCELLED, nothing sent', async (t) => {
    const upstream = await startHttpUpstream(t);
    const controller = new AbortController();
    const pending = open(t, upstream.endpoints, { compression: 'gzip' }).consume(sampleRequest('traces', { abortSignal: controller.signal }));
    controller.abort();
    t.same(told(await rejection(t, pending)), cancelledError);
    t.equal(upstream.requests.length, 0);
  });
});

t.test('shutdown lets in-flight requests finish, then refuses new ones', async (t) => {
  const upstream = await startHttpUpstream(t);
  upstream.reply({ kind: 'ok', delayMillis: 100 });
  const exporter = open(t, upstream.endpoints);
  const inFlight = exporter.consume(sampleRequest('traces'));
  await upstream.waitForRequests(1);
  const first = exporter.shutdown();
  t.equal(exporter.shutdown(), first, 'idempotent');
  await first;
  t.same(await inFlight, {});
  t.same(told(await rejection(t, exporter.consume(sampleRequest('traces')))), unavailable);
});

const pki = loadTestPki();
t.test('TLS', { skip: pki === undefined ? opensslMissingReason : false }, async (t) => {
  if (pki === undefined) return;
  const server = { key: pki.server.key, cert: pki.server.cert };
  const tls = { insecure: false, insecureSkipVerify: false, caFile: pki.ca.certFile };

  t.test('https with the CA file', async (t) => {
    const upstream = await startHttpUpstream(t, { tls: server });
    t.same(await open(t, upstream.endpoints, { tls, compression: 'gzip' }).consume(sampleRequest('metrics')), {});
    t.same(upstream.requests[0].decoded, decodeRequest('metrics', sampleBody('metrics')));
  });

  t.test('mTLS with the client certificate and key', async (t) => {
    const upstream = await startHttpUpstream(t, { tls: { ...server, clientCa: pki.ca.cert } });
    const mtls = { ...tls, certFile: pki.client.certFile, keyFile: pki.client.keyFile };
    t.same(await open(t, upstream.endpoints, { tls: mtls }).consume(sampleRequest('traces')), {});
    t.same(told(await rejection(t, open(t, upstream.endpoints, { tls }).consume(sampleRequest('traces')))), unavailable, 'without a client certificate');
    t.equal(upstream.requests.length, 1);
  });

  t.test('an untrusted server fails, unless verification is skipped', async (t) => {
    const upstream = await startHttpUpstream(t, { tls: { key: pki.untrustedServer.key, cert: pki.untrustedServer.cert } });
    const err = await rejection(t, open(t, upstream.endpoints, { tls }).consume(sampleRequest('traces')));
    t.same(told(err), unavailable);
    t.match(err.message, /certificate/);
    t.same(await open(t, upstream.endpoints, { tls: { ...tls, insecureSkipVerify: true } }).consume(sampleRequest('traces')), {});
    t.equal(upstream.requests.length, 1);
  });

  t.test('insecureSkipVerify skips the name check too', async (t) => {
    const upstream = await startHttpUpstream(t, { tls: server });
    const lax = { ...tls, serverName: 'wrong.test', insecureSkipVerify: true };
    t.same(await open(t, upstream.endpoints, { tls: lax }).consume(sampleRequest('traces')), {});
  });

  t.test('serverName is the name checked', async (t) => {
    const upstream = await startHttpUpstream(t, { tls: server });
    t.same(await open(t, upstream.endpoints, { tls: { ...tls, serverName: 'upstream.test' } }).consume(sampleRequest('traces')), {});
    const err = await rejection(t, open(t, upstream.endpoints, { tls: { ...tls, serverName: 'wrong.test' } }).consume(sampleRequest('traces')));
    t.same(told(err), unavailable);
  });

  t.test('TLS files are read only when an endpoint is https, and must be readable', async (t) => {
    const missing = { ...tls, caFile: `${pki.dir}/missing.pem` };
    const plain = { traces: 'http://127.0.0.1:1/v1/traces', logs: 'http://127.0.0.1:1/v1/logs', metrics: 'http://127.0.0.1:1/v1/metrics' };
    t.doesNotThrow(() => open(t, plain, { tls: missing }));
    t.throws(() => open(t, { ...plain, logs: 'https://127.0.0.1:1/v1/logs' }, { tls: missing }), { code: ErrorCode.CONFIG, message: /ca_file/ });
  });
});
