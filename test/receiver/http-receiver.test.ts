/**
 * The OTLP/HTTP receiver as its clients see it. The request/response matrix runs through
 * fastify's `inject()` (no socket); SDK exporters, a disconnecting client and curl run over real
 * loopback sockets. Checklist B (otlp-conformance.md §9) items are cited by number.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { buildHttpApp, createHttpReceiver, type HttpAppOptions } from '../../src/receiver/http-receiver.js';
import { resourcesOf } from '../helpers/decoded.js';
import { createRecordingConsumer, type RecordingConsumer } from '../helpers/recording-consumer.js';
import { createRecordingLogger, type RecordingLogger } from '../helpers/recording-logger.js';
import { decodeRequest, encodeRequest, lookupType, responseType } from '../helpers/reference-codec.js';
import { sendWithSdk } from '../helpers/sdk-clients.js';

const MiB = 1024 * 1024;
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const TRACE_ID = '5B8EFFF798038103D269B633813FC60C';
const SPAN_ID = 'EEE19B7EC3C1B174';
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'my.service' } }] };

/** One small request per signal, as OTLP/JSON (hex ids, string int64s, integer enums) ... */
const jsonRequests: Record<Signal, object> = {
  traces: {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope: { name: 'my.library', version: '1.0.0' },
            spans: [
              {
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                name: "I'm a server span",
                kind: 2,
                startTimeUnixNano: '1544712660000000000',
                endTimeUnixNano: '1544712661000000000',
              },
            ],
          },
        ],
      },
    ],
  },
  logs: {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            logRecords: [
              { timeUnixNano: '1544712660300000000', severityNumber: 10, body: { stringValue: 'Example log record' }, traceId: TRACE_ID },
            ],
          },
        ],
      },
    ],
  },
  metrics: {
    resourceMetrics: [
      {
        resource,
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'my.counter',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [{ asInt: '9007199254740993', timeUnixNano: '1544712660300000000' }],
                },
              },
            ],
          },
        ],
      },
    ],
  },
};

/** ... and the same requests as protobuf, built with the protobufjs reference. */
function protoRequest(signal: Signal): Buffer {
  const object = JSON.parse(JSON.stringify(jsonRequests[signal]), (key, value) =>
    (key === 'traceId' || key === 'spanId') && typeof value === 'string' ? Buffer.from(value, 'hex') : value,
  ) as Record<string, unknown>;
  return encodeRequest(signal, object);
}

interface App {
  readonly app: FastifyInstance;
  readonly consumer: RecordingConsumer;
  readonly logger: RecordingLogger;
}

async function buildApp(t: Test, options: Partial<HttpAppOptions> = {}): Promise<App> {
  const consumer = createRecordingConsumer();
  const logger = createRecordingLogger();
  const app = buildHttpApp({ maxRequestBodyBytes: MiB, signals: allSignals, consumer, logger, ...options });
  t.teardown(() => app.close());
  await app.ready();
  return { app, consumer, logger };
}

function post(app: FastifyInstance, path: string, headers: Record<string, string>, payload: Buffer | string) {
  return app.inject({ method: 'POST', url: path, headers, payload });
}

const mediaType = (contentType: unknown): string => String(contentType).split(';')[0].trim();

function protoStatus(body: Buffer): { code: number; message: string; details: { type_url: string; value: Uint8Array }[] } {
  const Status = lookupType('google.rpc.Status');
  return Status.toObject(Status.decode(body), { defaults: true }) as ReturnType<typeof protoStatus>;
}

t.test('#21-23, #27, #29: every signal, protobuf and JSON, identity and gzip → 200, same media type', async (t) => {
  const { app, consumer } = await buildApp(t);
  for (const signal of allSignals) {
    const expected = decodeRequest(signal, protoRequest(signal));
    for (const format of ['protobuf', 'json'] as const) {
      for (const encoding of ['identity', 'gzip', 'none'] as const) {
        const name = `${signal} ${format} ${encoding}`;
        const raw = format === 'json' ? Buffer.from(JSON.stringify(jsonRequests[signal])) : protoRequest(signal);
        const headers: Record<string, string> = { 'content-type': format === 'json' ? JSON_TYPE : PROTOBUF };
        if (encoding !== 'none') headers['content-encoding'] = encoding;
        const res = await post(app, signals[signal].httpPath, headers, encoding === 'gzip' ? zlib.gzipSync(raw) : raw);
        t.equal(res.statusCode, 200, name);
        t.equal(mediaType(res.headers['content-type']), headers['content-type'], `${name}: response media type`);
        t.equal(res.body, format === 'json' ? '{}' : '', `${name}: full success body`);
        const request = consumer.requests.at(-1);
        t.equal(request?.signal, signal);
        t.same(decodeRequest(signal, request?.body as Buffer), expected, `${name}: the consumer gets the same protobuf`);
      }
    }
  }
  const empty = await post(app, '/v1/traces', { 'content-type': JSON_TYPE }, '{}');
  t.same([empty.statusCode, empty.body], [200, '{}'], 'empty JSON request');
  const emptyProto = await post(app, '/v1/logs', { 'content-type': PROTOBUF }, Buffer.alloc(0));
  t.same([emptyProto.statusCode, emptyProto.rawPayload.length], [200, 0], 'empty protobuf request');
  t.same(consumer.requests.at(-1)?.body, Buffer.alloc(0));
});

t.test('#25: media type parameters and case are accepted', async (t) => {
  const { app } = await buildApp(t);
  for (const contentType of ['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8']) {
    const res = await post(app, '/v1/traces', { 'content-type': contentType }, '{}');
    t.same([res.statusCode, mediaType(res.headers['content-type'])], [200, JSON_TYPE], contentType);
  }
  const res = await post(app, '/v1/traces', { 'content-type': 'APPLICATION/X-PROTOBUF; proto=opentelemetry' }, Buffer.alloc(0));
  t.same([res.statusCode, mediaType(res.headers['content-type'])], [200, PROTOBUF]);
});

t.test('#26: unsupported or missing Content-Type → 415 with a Status body', async (t) => {
  const { app, consumer } = await buildApp(t);
  const text = await post(app, '/v1/traces', { 'content-type': 'text/plain' }, 'hello');
  t.equal(text.statusCode, 415);
  t.equal(mediaType(text.headers['content-type']), JSON_TYPE, 'JSON for a client that did not say protobuf');
  t.equal(text.headers['accept-post'], 'application/x-protobuf, application/json');
  t.same(JSON.parse(text.body), {
    code: GrpcCode.INVALID_ARGUMENT,
    message: 'unsupported Content-Type "text/plain"; use application/x-protobuf or application/json',
  });

  const missing = await app.inject({ method: 'POST', url: '/v1/traces', payload: Buffer.from([1, 2, 3]) });
  t.equal(missing.statusCode, 415);
  t.match(JSON.parse(missing.body), { message: /unsupported Content-Type \(none\)/ });

  const protobufish = await post(app, '/v1/traces', { 'content-type': 'application/protobuf' }, Buffer.alloc(1));
  t.equal(protobufish.statusCode, 415);
  t.equal(mediaType(protobufish.headers['content-type']), PROTOBUF, 'protobuf for a protobuf-speaking client');
  t.match(protoStatus(protobufish.rawPayload), { code: GrpcCode.INVALID_ARGUMENT, message: /application\/protobuf/ });

  const malformed = await post(app, '/v1/traces', { 'content-type': 'not a media type' }, '{}');
  t.equal(malformed.statusCode, 415, 'a malformed header is refused by fastify, answered the same way');
  t.match(JSON.parse(malformed.body), { code: GrpcCode.INVALID_ARGUMENT, message: /Content-Type/ });
  t.equal(consumer.requests.length, 0);
});

t.test('#26: other methods on a signal path → 405 (Collector parity); unknown or disabled paths → 404', async (t) => {
  const { app, consumer } = await buildApp(t, { signals: ['traces'] });
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
    const res = await app.inject({ method, url: '/v1/traces?x=1' });
    t.equal(res.statusCode, 405, method);
    t.equal(res.headers.allow, 'POST');
    t.same(JSON.parse(res.body), { code: GrpcCode.UNIMPLEMENTED, message: `method ${method} not allowed, supported: [POST]` });
  }
  const head = await app.inject({ method: 'HEAD', url: '/v1/traces' });
  t.equal(head.statusCode, 405, 'HEAD');
  const proto = await app.inject({ method: 'GET', url: '/v1/traces', headers: { 'content-type': PROTOBUF } });
  t.match(protoStatus(proto.rawPayload), { code: GrpcCode.UNIMPLEMENTED });

  for (const path of ['/v1/logs', '/v1/metrics', '/v2/traces', '/']) {
    const res = await post(app, path, { 'content-type': JSON_TYPE }, '{}');
    t.equal(res.statusCode, 404, path);
    t.same(JSON.parse(res.body), { code: GrpcCode.UNIMPLEMENTED, message: `no OTLP endpoint at ${path}` });
  }
  t.equal(consumer.requests.length, 0);
});

t.test('#27: Content-Encoding other than gzip/identity → 400; malformed gzip → 400', async (t) => {
  const { app, consumer } = await buildApp(t);
  const upper = await post(app, '/v1/traces', { 'content-type': PROTOBUF, 'content-encoding': 'GZIP' }, zlib.gzipSync(protoRequest('traces')));
  t.equal(upper.statusCode, 200, 'encoding names are case-insensitive');
  for (const encoding of ['br', 'deflate', 'zstd', 'gzip, gzip']) {
    const res = await post(app, '/v1/traces', { 'content-type': JSON_TYPE, 'content-encoding': encoding }, '{}');
    t.equal(res.statusCode, 400, encoding);
    t.same(JSON.parse(res.body), {
      code: GrpcCode.INVALID_ARGUMENT,
      message: `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or identity`,
    });
  }
  const bad = await post(app, '/v1/traces', { 'content-type': PROTOBUF, 'content-encoding': 'gzip' }, protoRequest('traces'));
  t.equal(bad.statusCode, 400);
  t.equal(mediaType(bad.headers['content-type']), PROTOBUF);
  t.match(protoStatus(bad.rawPayload), { code: GrpcCode.INVALID_ARGUMENT, message: /^invalid gzip data/ });
  t.equal(consumer.requests.length, 1);
});

t.test('#28: bodies over the limit → 413, before and after decompression (the Collector answers 400)', async (t) => {
  const limit = 2 * MiB;
  const { app, consumer } = await buildApp(t, { maxRequestBodyBytes: limit });
  const atLimit = await post(app, '/v1/traces', { 'content-type': PROTOBUF }, Buffer.alloc(limit));
  t.equal(atLimit.statusCode, 200, 'exactly the limit is accepted');

  const raw = await post(app, '/v1/traces', { 'content-type': PROTOBUF }, Buffer.alloc(limit + 1));
  t.equal(raw.statusCode, 413);
  t.match(protoStatus(raw.rawPayload), { code: GrpcCode.RESOURCE_EXHAUSTED, message: `request body is larger than the limit of ${limit} bytes` });
  t.notOk(raw.headers['retry-after']);

  const inflated = await post(app, '/v1/traces', { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }, zlib.gzipSync(Buffer.alloc(limit + 1, 0x20)));
  t.equal(inflated.statusCode, 413);
  t.match(JSON.parse(inflated.body), { code: GrpcCode.RESOURCE_EXHAUSTED, message: /decompressed payload is larger than the limit/ });

  const member = zlib.gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
  t.ok(bomb.length < limit, `a ${bomb.length}-byte gzip bomb that inflates to 1 GiB`);
  const bombed = await post(app, '/v1/traces', { 'content-type': PROTOBUF, 'content-encoding': 'gzip' }, bomb);
  t.equal(bombed.statusCode, 413);
  t.equal(consumer.requests.length, 1);
});

t.test('#30: JSON that is not OTLP/JSON → 400 with a JSON Status naming the problem', async (t) => {
  const { app, consumer } = await buildApp(t);
  const cases: [string, string, RegExp][] = [
    ['garbage', 'this is not json', /./],
    ['truncated', '{"resourceSpans":[', /./],
    ['wrong-length hex id', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abcd"}]}]}]}', /traceId/],
    ['not an object', '[1,2,3]', /./],
    ['empty body', '', /./],
  ];
  for (const [name, body, message] of cases) {
    const res = await post(app, '/v1/traces', { 'content-type': JSON_TYPE }, body);
    t.equal(res.statusCode, 400, name);
    t.equal(mediaType(res.headers['content-type']), JSON_TYPE);
    const status = JSON.parse(res.body) as { code: number; message: string };
    t.equal(status.code, GrpcCode.INVALID_ARGUMENT, name);
    t.match(status.message, message, `${name}: ${status.message}`);
  }
  t.equal(consumer.requests.length, 0, 'nothing undecodable is forwarded');
});

t.test('protobuf payloads are not judged by the receiver: the consumer decides', async (t) => {
  const { app, consumer } = await buildApp(t);
  const garbage = Buffer.from([0xff, 0xff, 0xff]);
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.DECODE, 'truncated varint at offset 0') });
  const res = await post(app, '/v1/metrics', { 'content-type': PROTOBUF }, garbage);
  t.same(consumer.requests[0].body, garbage);
  t.equal(res.statusCode, 400);
  t.same(protoStatus(res.rawPayload), { code: GrpcCode.INVALID_ARGUMENT, message: 'truncated varint at offset 0', details: [] });
});

t.test('#24, #32, #33: consumer errors → status, Status body in the request format, Retry-After', async (t) => {
  const { app, consumer } = await buildApp(t);
  // [error, HTTP status, gRPC code in the body, Retry-After]
  const cases: [TaggerError | Error, number, number, string | undefined][] = [
    [new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'queue full', { retryAfterMillis: 1500 }), 503, GrpcCode.UNAVAILABLE, '2'],
    [new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'retry now', { retryAfterMillis: 0 }), 503, GrpcCode.UNAVAILABLE, '0'],
    [new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'no hint'), 503, GrpcCode.UNAVAILABLE, undefined],
    [
      new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'throttled', { grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryAfterMillis: 2000 }),
      429,
      GrpcCode.RESOURCE_EXHAUSTED,
      '2',
    ],
    [new TaggerError(ErrorCode.TOO_LARGE, 'upstream limit'), 413, GrpcCode.RESOURCE_EXHAUSTED, undefined],
    [new TaggerError(ErrorCode.DECODE, 'bad'), 400, GrpcCode.INVALID_ARGUMENT, undefined],
    [new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'denied', { grpcCode: GrpcCode.PERMISSION_DENIED, httpStatus: 403 }), 403, GrpcCode.PERMISSION_DENIED, undefined],
    [new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'bad gateway', { grpcCode: GrpcCode.UNAVAILABLE, httpStatus: 502, retryAfterMillis: 100 }), 502, GrpcCode.UNAVAILABLE, '1'],
    [new TaggerError(ErrorCode.DEADLINE, 'too slow'), 503, GrpcCode.DEADLINE_EXCEEDED, undefined],
    [new RangeError('bug'), 500, GrpcCode.INTERNAL, undefined],
  ];
  for (const [error, status, code, retryAfter] of cases) {
    for (const format of ['json', 'protobuf'] as const) {
      consumer.once({ kind: 'reject', error });
      const contentType = format === 'json' ? JSON_TYPE : PROTOBUF;
      const res = await post(app, '/v1/traces', { 'content-type': contentType }, format === 'json' ? '{}' : Buffer.alloc(0));
      const name = `${error.message} (${format})`;
      t.equal(res.statusCode, status, name);
      t.equal(mediaType(res.headers['content-type']), contentType, `${name}: media type`);
      t.equal(res.headers['retry-after'], retryAfter, `${name}: Retry-After`);
      const body = format === 'json' ? (JSON.parse(res.body) as { code: number; message: string }) : protoStatus(res.rawPayload);
      t.equal(body.code, code, `${name}: Status.code`);
      t.match(body.message, error.message, `${name}: Status.message`);
    }
  }
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'x', { retryAfterMillis: 2500 }) });
  const json = await post(app, '/v1/logs', { 'content-type': JSON_TYPE }, '{}');
  t.same(JSON.parse(json.body).details, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.500s' }]);
});

t.test('#31: partial success → 200 with partialSuccess, per signal, in both formats', async (t) => {
  const { app, consumer } = await buildApp(t);
  consumer.setBehaviour({ kind: 'resolve', response: { partialSuccess: { rejected: '2', errorMessage: 'two spans had empty ids' } } });
  const res = await post(app, '/v1/traces', { 'content-type': JSON_TYPE }, '{}');
  t.equal(res.statusCode, 200);
  t.equal(res.body, '{"partialSuccess":{"rejectedSpans":"2","errorMessage":"two spans had empty ids"}}');
  for (const signal of allSignals) {
    const proto = await post(app, signals[signal].httpPath, { 'content-type': PROTOBUF }, Buffer.alloc(0));
    const type = responseType(signal);
    t.same(type.toObject(type.decode(proto.rawPayload), { longs: String }), {
      partialSuccess: { [signals[signal].rejectedKey]: '2', errorMessage: 'two spans had empty ids' },
    }, signal);
  }
});

t.test('allow-listed headers are forwarded (lower-case), nothing else; HTTP has no deadline', async (t) => {
  const { app, consumer } = await buildApp(t, { forwardHeaders: ['X-Scope-OrgID', 'authorization', 'absent'] });
  await post(app, '/v1/traces', { 'content-type': JSON_TYPE, 'X-Scope-OrgID': 'tenant-a', authorization: 'Bearer s', 'x-other': 'no' }, '{}');
  t.same(consumer.requests[0].headers, { 'x-scope-orgid': 'tenant-a', authorization: 'Bearer s' });
  t.equal(consumer.requests[0].deadline, undefined);
  const { app: plain, consumer: plainConsumer } = await buildApp(t);
  await post(plain, '/v1/traces', { 'content-type': JSON_TYPE, 'x-scope-orgid': 'tenant-a' }, '{}');
  t.same(plainConsumer.requests[0].headers, {}, 'none by default');
});

t.test('failures are logged once with their stable code; successes are not logged', async (t) => {
  const { app, consumer, logger } = await buildApp(t);
  await post(app, '/v1/traces', { 'content-type': JSON_TYPE }, '{}');
  await post(app, '/v1/traces', { 'content-type': 'text/plain' }, 'x');
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'down') });
  await post(app, '/v1/logs', { 'content-type': JSON_TYPE }, '{}');
  consumer.once({ kind: 'reject', error: new Error('bug') });
  await post(app, '/v1/metrics', { 'content-type': JSON_TYPE }, '{}');
  t.same(
    logger.records.map((r) => [r.level, r.fields.code, r.fields.signal]),
    [
      ['debug', ErrorCode.MEDIA_TYPE, 'traces'],
      ['warn', ErrorCode.UPSTREAM_UNAVAILABLE, 'logs'],
      ['warn', ErrorCode.INTERNAL, 'metrics'],
    ],
  );
});

t.test('errors raised around the handler are still answered with a Status', async (t) => {
  const { app } = await buildApp(t);
  // Hooks stand in for anything fastify itself might throw.
  const failing = buildHttpApp({ maxRequestBodyBytes: MiB, signals: allSignals, consumer: createRecordingConsumer(), logger: createRecordingLogger() });
  t.teardown(() => failing.close());
  failing.addHook('onRequest', async (request) => {
    if (request.headers['x-fail'] === 'client') throw Object.assign(new Error('header too odd'), { statusCode: 431 });
    throw new Error('hook bug');
  });
  const bug = await post(failing, '/v1/traces', { 'content-type': JSON_TYPE }, '{}');
  t.same([bug.statusCode, JSON.parse(bug.body)], [500, { code: GrpcCode.INTERNAL, message: 'internal error: hook bug' }]);
  const client = await post(failing, '/v1/traces', { 'content-type': PROTOBUF, 'x-fail': 'client' }, Buffer.alloc(0));
  t.equal(client.statusCode, 431, 'a client error keeps its status');
  t.same(protoStatus(client.rawPayload), { code: GrpcCode.INVALID_ARGUMENT, message: 'cannot read the request: header too odd', details: [] });
  t.ok(app);
});

// Over real sockets from here on.

async function startReceiver(t: Test, options: Partial<HttpAppOptions> = {}): Promise<{ url: string; consumer: RecordingConsumer }> {
  const consumer = createRecordingConsumer();
  const receiver = createHttpReceiver({
    endpoint: '127.0.0.1:0',
    maxRequestBodyBytes: MiB,
    signals: allSignals,
    consumer,
    logger: createRecordingLogger(),
    ...options,
  });
  t.teardown(() => receiver.shutdown());
  const address = await receiver.start();
  t.match(address, /^127\.0\.0\.1:[1-9]\d*$/);
  return { url: `http://${address}`, consumer };
}

t.test('SDK HTTP exporters (protobuf and JSON, gzip or not): every signal arrives as the SDK sent it', async (t) => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    for (const signal of allSignals) {
      for (const gzip of [false, true]) {
        const name = `${protocol} ${signal} ${gzip ? 'gzip' : 'identity'}`;
        const { url, consumer } = await startReceiver(t);
        const result = await sendWithSdk({ grpcAddress: 'unused:1', httpUrl: url }, signal, {
          protocol,
          gzip,
          resource: { 'service.name': 'receiver-test', 'test.case': name },
          name,
        });
        t.equal(result.code, ExportResultCode.SUCCESS, `${name}: success`);
        const [resource] = resourcesOf(signal, decodeRequest(signal, consumer.requests[0].body));
        t.match(resource.attributes, { 'service.name': 'receiver-test', 'test.case': name }, `${name}: resource`);
        t.same(resource.items, [name], `${name}: the item`);
      }
    }
  }
});

async function exportOneSpan(url: string): Promise<ExportResult> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('test').startSpan('span').end();
  const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, timeoutMillis: 5000 });
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  } finally {
    await exporter.shutdown();
    await provider.shutdown();
  }
}

t.test('SDK HTTP exporter: 400 fails at once; 503 + Retry-After is retried', async (t) => {
  const { url, consumer } = await startReceiver(t);
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.DECODE, 'bad span') });
  const bad = await exportOneSpan(url);
  t.equal(bad.code, ExportResultCode.FAILED);
  t.match(bad.error, { code: 400 });
  t.equal(consumer.requests.length, 1, 'not retried');

  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'busy', { retryAfterMillis: 0 }) });
  const retried = await exportOneSpan(url);
  t.equal(retried.code, ExportResultCode.SUCCESS, 'the SDK retried after Retry-After: 0');
  t.equal(consumer.requests.length, 3);
});

t.test('a client that disconnects aborts the consumer', async (t) => {
  const { url, consumer } = await startReceiver(t);
  consumer.setBehaviour({ kind: 'hang' });
  const req = http.request(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': PROTOBUF } });
  req.on('error', () => {}); // the socket is destroyed on purpose
  req.end(protoRequest('traces'));
  await consumer.request(0);
  req.destroy();
  const aborted = await consumer.aborted(0);
  t.match(aborted.abortSignal.reason, { code: ErrorCode.CANCELLED });
});

t.test('shutdown answers the request in progress, then closes a connection that sent nothing', async (t) => {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let arrived = (): void => {};
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const receiver = createHttpReceiver({
    endpoint: '127.0.0.1:0',
    maxRequestBodyBytes: MiB,
    signals: allSignals,
    consumer: {
      consume: () => {
        arrived();
        return held.then(() => ({}));
      },
    },
    logger: createRecordingLogger(),
  });
  t.teardown(() => receiver.shutdown());
  const [host, port] = (await receiver.start()).split(':');
  const silent = net.connect(Number(port), host);
  silent.on('error', () => {});
  const silentClosed = new Promise((resolve) => silent.once('close', resolve));
  const answered = new Promise<number>((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: '/v1/traces', method: 'POST', headers: { 'content-type': PROTOBUF } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode as number));
    });
    req.on('error', reject);
    req.end(protoRequest('traces'));
  });
  await reached;
  let shutDown = false;
  const shutdown = receiver.shutdown().then(() => (shutDown = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(shutDown, false, 'shutdown waits for the request in progress');
  release();
  t.equal(await answered, 200, 'the request in progress is answered');
  await shutdown;
  await silentClosed;
  t.pass('the silent connection was closed');
});

function curl(args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'buffer' }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.toString()),
    );
    child.stdin?.end(input);
  });
}

const hasCurl = await new Promise<boolean>((resolve) => execFile('sh', ['-c', 'command -v curl'], (err) => resolve(!err)));

t.test('curl as an independent peer', { skip: hasCurl ? false : 'curl is not installed' }, async (t) => {
  const { url, consumer } = await startReceiver(t);
  const format = '%{http_code} %{content_type}';
  const proto = await curl(
    ['-X', 'POST', '-H', `content-type: ${PROTOBUF}`, '-H', 'content-encoding: gzip', '--data-binary', '@-', '-o', '/dev/null', '-w', format, `${url}/v1/traces`],
    zlib.gzipSync(protoRequest('traces')),
  );
  t.equal(proto, `200 ${PROTOBUF}`);
  t.same(decodeRequest('traces', consumer.requests[0].body), decodeRequest('traces', protoRequest('traces')));

  const json = await curl(
    ['-X', 'POST', '-H', `content-type: ${JSON_TYPE}`, '--data-binary', '@-', '-w', `\n${format}`, `${url}/v1/metrics`],
    Buffer.from(JSON.stringify(jsonRequests.metrics)),
  );
  t.match(json, /^\{\}\n200 application\/json/);
  t.same(decodeRequest('metrics', consumer.requests[1].body), decodeRequest('metrics', protoRequest('metrics')));

  const garbage = await curl(['-X', 'POST', '-H', `content-type: ${JSON_TYPE}`, '--data-binary', 'nope', '-w', `\n${format}`, `${url}/v1/logs`]);
  t.match(garbage, /^\{"code":3,"message":".+"\}\n400 application\/json/);
});

t.test('start(): bad endpoints and busy ports are CONFIG errors; shutdown() is safe without start() and twice', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const options = { maxRequestBodyBytes: 1, signals: allSignals, consumer: createRecordingConsumer(), logger: createRecordingLogger() };
  const busy = createHttpReceiver({ ...options, endpoint: `127.0.0.1:${(blocker.address() as net.AddressInfo).port}` });
  t.teardown(() => busy.shutdown());
  await t.rejects(busy.start(), { code: ErrorCode.CONFIG, message: /cannot listen on 127\.0\.0\.1:\d+/ });
  await t.rejects(createHttpReceiver({ ...options, endpoint: 'nonsense' }).start(), { code: ErrorCode.CONFIG });

  const receiver = createHttpReceiver({ ...options, endpoint: '127.0.0.1:0' });
  await receiver.shutdown();
  await receiver.start();
  await receiver.shutdown();
  await receiver.shutdown();
});
