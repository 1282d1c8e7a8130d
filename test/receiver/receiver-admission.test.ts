/**
 * The memory bound at the receivers (src/admission.ts): both receivers claim a request's declared
 * size before they read its body, so a refused request is answered without being buffered, and
 * every claim is given back once the client has its answer. Real sockets, bare peers (node:http,
 * node:http2) so that a body can be left half-sent.
 */
import http from 'node:http';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import type { Admission, Ticket } from '../../src/admission.js';
import type { Consumer, ExportRequest, ExportResponse } from '../../src/consumer.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { createInflightLimiter, type InflightLimiter } from '../../src/processor/inflight-limiter.js';
import { createGrpcReceiver } from '../../src/receiver/grpc-receiver.js';
import { createHttp2GrpcServerTransport } from '../../src/receiver/http2-grpc-server-transport.js';
import { createHttpReceiver } from '../../src/receiver/http-receiver.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRecordingLogger } from '../helpers/recording-logger.js';

const MiB = 1024 * 1024;

/** The limiter, with every claim and resize it saw. */
interface Spy extends Admission {
  readonly limiter: InflightLimiter;
  readonly claims: { signal: Signal; bytes: number }[];
  readonly resizes: number[];
}

function spyOn(limiter: InflightLimiter): Spy {
  const claims: Spy['claims'] = [];
  const resizes: number[] = [];
  return {
    limiter,
    claims,
    resizes,
    admit(signal, bytes): Ticket {
      claims.push({ signal, bytes });
      const ticket = limiter.admit(signal, bytes);
      return {
        resize(next) {
          resizes.push(next);
          ticket.resize(next);
        },
        release: () => ticket.release(),
      };
    },
  };
}

/** Records what the budget held while each request was being consumed. */
function observingConsumer(limiter: InflightLimiter): Consumer & { held: number[]; requests: ExportRequest[] } {
  const held: number[] = [];
  const requests: ExportRequest[] = [];
  return {
    held,
    requests,
    async consume(request): Promise<ExportResponse> {
      held.push(limiter.inflightBytes);
      requests.push(request);
      return {};
    },
  };
}

async function until(t: Test, what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  t.ok(check(), what);
}

async function startHttp(t: Test, admission: Admission, consumer: Consumer, maxRequestBodyBytes = MiB): Promise<string> {
  const receiver = createHttpReceiver({
    endpoint: '127.0.0.1:0',
    maxRequestBodyBytes,
    signals: allSignals,
    consumer,
    logger: createRecordingLogger(),
    admission,
  });
  t.teardown(() => receiver.shutdown());
  return receiver.start();
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * POSTs `sent` and, when `declared` is larger, leaves the rest of the body unsent: the answer
 * can then only come from a server that did not wait for it.
 */
function post(address: string, path: string, headers: Record<string, string | number>, sent: Buffer, end = true): Promise<Answer> {
  const length = end && headers['transfer-encoding'] === undefined && headers['content-length'] === undefined;
  const all = length ? { ...headers, 'content-length': sent.length } : headers;
  return new Promise((resolve, reject) => {
    const request = http.request({ method: 'POST', host: address.split(':')[0], port: Number(address.split(':')[1]), path, headers: all });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode as number, headers: response.headers, body: Buffer.concat(chunks).toString() });
        request.destroy();
      });
    });
    request.write(sent);
    if (end) request.end();
  });
}

t.test('HTTP: a refused request is answered 429 + Retry-After before its body is sent', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 64 * 1024, retryAfterMillis: 2000 });
  const consumer = observingConsumer(limiter);
  const spy = spyOn(limiter);
  const address = await startHttp(t, spy, consumer);
  const hog = limiter.admit('traces', 64 * 1024);
  const answer = await post(
    address,
    '/v1/traces',
    { 'content-type': 'application/x-protobuf', 'content-length': 512 * 1024 },
    Buffer.alloc(1024),
    false,
  );
  t.equal(answer.status, 429);
  t.equal(answer.headers['retry-after'], '2');
  t.match(answer.body, /too much data in flight/);
  t.same(spy.claims, [{ signal: 'traces', bytes: 512 * 1024 }], 'claimed by Content-Length');
  t.equal(consumer.requests.length, 0);
  hog.release();
  t.equal(limiter.inflightBytes, 0, 'the refusal held nothing');
});

t.test('HTTP: a claim is the body, then every buffer held (inflated, converted from JSON), then nothing', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 16 * MiB });
  const consumer = observingConsumer(limiter);
  const spy = spyOn(limiter);
  const address = await startHttp(t, spy, consumer);
  const body = buildRequest('logs', { items: Array.from({ length: 20 }, (_, i) => `log ${i}`) });
  t.equal((await post(address, '/v1/logs', { 'content-type': 'application/x-protobuf' }, body)).status, 200);
  t.same(spy.claims.at(-1), { signal: 'logs', bytes: body.length });
  t.equal(consumer.held.at(-1), body.length, 'plain protobuf: the body, once');

  const gzipped = zlib.gzipSync(body);
  const answer = await post(address, '/v1/logs', { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, gzipped);
  t.equal(answer.status, 200);
  t.same(spy.claims.at(-1), { signal: 'logs', bytes: gzipped.length }, 'claimed by the compressed length');
  t.equal(consumer.held.at(-1), gzipped.length + body.length, 'then by both buffers');

  const json = Buffer.from(
    JSON.stringify({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ timeUnixNano: '1', asInt: '5' }] } }] }] }],
    }),
  );
  t.equal((await post(address, '/v1/metrics', { 'content-type': 'application/json' }, json)).status, 200);
  const proto = consumer.requests.at(-1)?.body as Buffer;
  t.equal(consumer.held.at(-1), json.length + proto.length, 'JSON: the text and its protobuf');
  t.equal(limiter.inflightBytes, 0, 'all released once answered');
});

t.test('HTTP: a chunked body is claimed as it arrives, and refused once past the bound', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 4096 });
  const consumer = observingConsumer(limiter);
  const spy = spyOn(limiter);
  const address = await startHttp(t, spy, consumer);
  const body = buildRequest('traces', { items: Array.from({ length: 10 }, (_, i) => `span ${i}`) });
  const chunked = { 'content-type': 'application/x-protobuf', 'transfer-encoding': 'chunked' };
  t.equal((await post(address, '/v1/traces', chunked, body)).status, 200);
  t.same(spy.claims.at(-1), { signal: 'traces', bytes: 0 }, 'no length declared: nothing claimed up front');
  t.equal(spy.resizes.at(-1), body.length, 'grown to what arrived');
  t.equal(limiter.inflightBytes, 0);

  const hog = limiter.admit('traces', 2048);
  const answer = await post(address, '/v1/traces', chunked, Buffer.alloc(3000), false);
  t.equal(answer.status, 429, 'past the bound mid-body');
  t.equal(consumer.requests.length, 1, 'never consumed');
  await until(t, 'the refused claim is released', () => limiter.inflightBytes === 2048);
  hog.release();
  const tooLarge = await post(address, '/v1/traces', chunked, Buffer.alloc(MiB + 1));
  t.equal(tooLarge.status, 413, 'a chunked body over the size limit is too large, as with Content-Length');
  await until(t, 'and holds nothing', () => limiter.inflightBytes === 0);
});

t.test('HTTP: too large is 413, not 429, even with the budget spent; an inflation past the bound is 429', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 64 * 1024 });
  const consumer = observingConsumer(limiter);
  const address = await startHttp(t, spyOn(limiter), consumer, 32 * 1024);
  const hog = limiter.admit('traces', 64 * 1024);
  const tooLarge = await post(address, '/v1/traces', { 'content-type': 'application/x-protobuf', 'content-length': 40 * 1024 }, Buffer.alloc(10), false);
  t.equal(tooLarge.status, 413, 'not retryable: the client must split it');
  hog.release();

  const small = limiter.admit('traces', 1000);
  const bomb = zlib.gzipSync(Buffer.alloc(30 * 1024, 0x0a));
  const inflated = await post(address, '/v1/traces', { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, bomb);
  t.equal(inflated.status, 200, 'within the bound once inflated');
  const bigger = limiter.admit('traces', 40 * 1024);
  const refused = await post(address, '/v1/traces', { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, bomb);
  t.equal(refused.status, 429, 'past it once inflated');
  small.release();
  bigger.release();
  t.equal(limiter.inflightBytes, 0);
});

t.test('HTTP: a client that leaves mid-body gives its claim back', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: MiB });
  const address = await startHttp(t, spyOn(limiter), observingConsumer(limiter));
  const request = http.request({
    method: 'POST',
    host: '127.0.0.1',
    port: Number(address.split(':')[1]),
    path: '/v1/traces',
    headers: { 'content-type': 'application/x-protobuf', 'content-length': 100_000 },
  });
  request.on('error', () => undefined);
  request.write(Buffer.alloc(1000));
  await until(t, 'claimed', () => limiter.inflightBytes === 100_000);
  request.destroy();
  await until(t, 'released', () => limiter.inflightBytes === 0);
});

t.test('gRPC (node:http2): claimed per signal by the frame length; a refused body is dropped as it comes', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 64 * 1024, retryAfterMillis: 1500 });
  const consumer = observingConsumer(limiter);
  const spy = spyOn(limiter);
  const receiver = createGrpcReceiver({
    endpoint: '127.0.0.1:0',
    maxRecvMsgSizeBytes: 4 * MiB,
    signals: allSignals,
    consumer,
    logger: createRecordingLogger(),
    admission: spy,
    transport: createHttp2GrpcServerTransport,
  });
  t.teardown(() => receiver.shutdown());
  const address = await receiver.start();
  const session = http2.connect(`http://${address}`);
  t.teardown(() => session.close());
  const call = (signal: Signal, frame: Buffer, end: boolean, timeout?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': signals[signal].grpcMethod,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...(timeout === undefined ? {} : { 'grpc-timeout': timeout }),
      });
      const result: Record<string, unknown> = {};
      stream.on('response', (headers) => {
        Object.assign(result, headers);
        // A status in the response ends the call; reset the stream as gRPC clients do.
        if (headers['grpc-status'] !== undefined) stream.close(http2.constants.NGHTTP2_CANCEL);
      });
      stream.on('trailers', (headers) => Object.assign(result, headers));
      stream.on('error', () => undefined);
      stream.on('close', () => resolve(result));
      stream.resume();
      if (end) stream.end(frame);
      else stream.write(frame);
    });
  const prefix = (length: number): Buffer => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(length, 1);
    return head;
  };

  const body = buildRequest('metrics', { items: ['a', 'b', 'c', 'd'] });
  const ok = await call('metrics', Buffer.concat([prefix(body.length), body]), true);
  t.equal(Number(ok['grpc-status']), GrpcCode.OK);
  t.same(spy.claims, [{ signal: 'metrics', bytes: body.length }]);
  t.equal(consumer.held[0], body.length);

  const hog = limiter.admit('traces', 64 * 1024);
  const refused = await call('logs', Buffer.concat([prefix(2 * MiB), Buffer.alloc(2 * MiB)]), true);
  t.equal(Number(refused['grpc-status']), GrpcCode.RESOURCE_EXHAUSTED, 'refused, once the body has been sent (and dropped)');
  t.ok(refused['grpc-status-details-bin'], 'with RetryInfo');
  t.same(spy.claims.at(-1), { signal: 'logs', bytes: 2 * MiB });
  t.equal(consumer.requests.length, 1);
  const stalled = await call('logs', Buffer.concat([prefix(MiB), Buffer.alloc(100)]), false, '200m');
  t.equal(Number(stalled['grpc-status']), GrpcCode.DEADLINE_EXCEEDED, 'a refused client that stops sending meets its deadline');
  hog.release();
  t.equal(limiter.inflightBytes, 0);
});
