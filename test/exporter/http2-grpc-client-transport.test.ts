/**
 * The node:http2 client transport: the shared contract suite against a real grpc-js upstream,
 * every status that upstream can send, a scripted bare-HTTP/2 upstream for what grpc-js never
 * sends (odd framing, resets, non-gRPC answers, GOAWAY), the OTLP exporter on top of it, and the
 * lean client against the lean server (src/receiver/http2-grpc-server-transport.ts).
 */
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import net from 'node:net';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import { ErrorCode, type TaggerError } from '../../src/errors.js';
import type { GrpcUnaryResult } from '../../src/exporter/grpc-client-transport.js';
import { createGrpcExporter } from '../../src/exporter/grpc-exporter.js';
import { createHttp2GrpcClientTransport, type Http2GrpcClientTransportOptions } from '../../src/exporter/http2-grpc-client-transport.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { signals } from '../../src/otlp/signal.js';
import type { GrpcServerCall, GrpcServerReply, GrpcUnaryHandler } from '../../src/receiver/grpc-server-transport.js';
import { createHttp2GrpcServerTransport } from '../../src/receiver/http2-grpc-server-transport.js';
import { runGrpcClientTransportSuite } from '../helpers/grpc-client-transport-suite.js';
import { createRecordingLogger } from '../helpers/recording-logger.js';
import { decodeRequest, lookupType } from '../helpers/reference-codec.js';
import { sampleBody, sampleRequest } from '../helpers/sample-requests.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

runGrpcClientTransportSuite(t, createHttp2GrpcClientTransport);

const TRACES = signals.traces.grpcMethod;
const noCall = { metadata: {}, deadline: undefined, abortSignal: new AbortController().signal } as const;

function open(t: Test, address: string, overrides: Partial<Http2GrpcClientTransportOptions> = {}) {
  const transport = createHttp2GrpcClientTransport({
    address,
    tls: undefined,
    compression: 'none',
    maxSendMessageBytes: 64 * 1024 * 1024,
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    userAgent: 'lean-test/1.0',
    ...overrides,
  });
  t.teardown(() => transport.close());
  return transport;
}

function frame(message: Buffer, flag = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

interface RawRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A bare HTTP/2 upstream: `answer` gets each stream once its request body has ended. */
async function startRawUpstream(t: Test, answer: (stream: ServerHttp2Stream, request: RawRequest) => void) {
  const server = http2.createServer();
  const requests: RawRequest[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  let opened = 0;
  server.on('session', (session) => {
    opened++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('error', () => {});
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const request = { headers, body: Buffer.concat(chunks) };
      requests.push(request);
      answer(stream, request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  );
  return { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests, opened: () => opened };
}

const OK = { ':status': 200, 'content-type': 'application/grpc' };

/** Answers headers, then `data` (as given, in pieces if an array), then `trailers`. */
function reply(stream: ServerHttp2Stream, data: Buffer | Buffer[], trailers: Record<string, string>, headers: http2.OutgoingHttpHeaders = OK) {
  stream.respond(headers, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  const pieces = Array.isArray(data) ? data : [data];
  const writeNext = (i: number): void => {
    if (i === pieces.length - 1) stream.end(pieces[i]);
    else stream.write(pieces[i], () => setImmediate(() => writeNext(i + 1)));
  };
  writeNext(0);
}

function failureOf(t: Test, result: GrpcUnaryResult): { code: number; message: string; details?: Buffer } {
  if ('body' in result) {
    t.fail('expected a failure status, got OK');
    return { code: -1, message: '' };
  }
  return result;
}

t.test('the request on the wire: gRPC headers, metadata, grpc-timeout, one frame', async (t) => {
  const upstream = await startRawUpstream(t, (stream) => reply(stream, frame(Buffer.alloc(0)), { 'grpc-status': '0' }));
  const body = sampleBody('traces', { items: 5 });
  for (const compression of ['none', 'gzip'] as const) {
    const transport = open(t, upstream.address, { compression });
    const deadline = Date.now() + 30_000;
    const result = await transport.unary(TRACES, body, { ...noCall, metadata: { 'x-scope-orgid': 'tenant-1' }, deadline });
    t.same(result, { body: Buffer.alloc(0) }, compression);
    const { headers, body: wire } = upstream.requests.at(-1) as RawRequest;
    t.match(headers, {
      ':method': 'POST',
      ':path': TRACES,
      ':scheme': 'http',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'lean-test/1.0',
      'grpc-accept-encoding': 'identity,gzip',
      'x-scope-orgid': 'tenant-1',
    });
    t.match(headers['grpc-timeout'], /^\d{1,8}m$/);
    t.ok(Number.parseInt(String(headers['grpc-timeout']), 10) <= 30_000);
    t.equal(wire.readUInt32BE(1), wire.length - 5, 'one Length-Prefixed-Message');
    if (compression === 'gzip') {
      t.equal(headers['grpc-encoding'], 'gzip');
      t.equal(wire[0], 1, 'Compressed-Flag');
      t.same(zlib.gunzipSync(wire.subarray(5)), body);
    } else {
      t.equal(headers['grpc-encoding'], undefined);
      t.equal(wire[0], 0);
      t.same(wire.subarray(5), body);
    }
  }
});

t.test('response framing: pieces, gzip, and every malformed shape', async (t) => {
  const message = Buffer.from('a response message');
  const big = zlib.gzipSync(Buffer.alloc(64 * 1024));
  const whole = frame(message);
  const scripts: [string, (s: ServerHttp2Stream) => void, GrpcUnaryResult | number][] = [
    [
      'in pieces, prefix split',
      (s) => reply(s, [whole.subarray(0, 2), whole.subarray(2, 7), whole.subarray(7)], { 'grpc-status': '0' }),
      { body: message },
    ],
    [
      'gzip',
      (s) => reply(s, frame(zlib.gzipSync(message), 1), { 'grpc-status': '0' }, { ...OK, 'grpc-encoding': 'gzip' }),
      { body: message },
    ],
    ['gzip past the limit', (s) => reply(s, frame(big, 1), { 'grpc-status': '0' }, { ...OK, 'grpc-encoding': 'gzip' }), GrpcCode.RESOURCE_EXHAUSTED],
    ['corrupt gzip', (s) => reply(s, frame(Buffer.from('nope'), 1), { 'grpc-status': '0' }, { ...OK, 'grpc-encoding': 'gzip' }), GrpcCode.INTERNAL],
    ['compressed flag without grpc-encoding', (s) => reply(s, frame(zlib.gzipSync(message), 1), { 'grpc-status': '0' }), GrpcCode.INTERNAL],
    ['an unknown flag', (s) => reply(s, frame(message, 2), { 'grpc-status': '0' }), GrpcCode.INTERNAL],
    ['OK without a message', (s) => s.respond({ ...OK, 'grpc-status': '0' }, { endStream: true }), GrpcCode.INTERNAL],
    ['a truncated message', (s) => reply(s, whole.subarray(0, 9), { 'grpc-status': '0' }), GrpcCode.INTERNAL],
    ['two messages', (s) => reply(s, Buffer.concat([whole, whole]), { 'grpc-status': '0' }), GrpcCode.INTERNAL],
    ['a declared length past the limit', (s) => reply(s, frame(Buffer.alloc(2048)), { 'grpc-status': '0' }), GrpcCode.RESOURCE_EXHAUSTED],
  ];
  let next = 0;
  const upstream = await startRawUpstream(t, (stream) => scripts[next++][1](stream));
  const transport = open(t, upstream.address, { maxReceiveMessageBytes: 1024 });
  for (const [name, , expected] of scripts) {
    const result = await transport.unary(TRACES, Buffer.from('x'), noCall);
    if (typeof expected === 'number') t.equal(failureOf(t, result).code, expected, `${name}: ${JSON.stringify(result)}`);
    else t.same(result, expected, name);
  }
});

t.test('status: percent-encoded message, unpadded details, odd values, non-gRPC answers, resets', async (t) => {
  const details = Buffer.from([0x08, 0x0e, 0x12, 0x01, 0x78]);
  const unpadded = details.toString('base64').replace(/=+$/, '');
  const { NGHTTP2_REFUSED_STREAM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_CANCEL } = http2.constants;
  const trailersOnly = (h: Record<string, string | number>) => (s: ServerHttp2Stream) => s.respond({ ...OK, ...h }, { endStream: true });
  const reset = (code: number) => (s: ServerHttp2Stream) => s.close(code);
  const scripts: [string, (s: ServerHttp2Stream) => void, { code: number; message?: string | RegExp; details?: Buffer }][] = [
    [
      'trailers-only with rich status',
      trailersOnly({ 'grpc-status': 14, 'grpc-message': 'busy 100%25 %E2%9C%93 %zz', 'grpc-status-details-bin': unpadded }),
      { code: GrpcCode.UNAVAILABLE, message: 'busy 100% ✓ %zz', details },
    ],
    [
      'status in trailers',
      (s) => reply(s, Buffer.alloc(0), { 'grpc-status': '7', 'grpc-message': 'no' }),
      { code: GrpcCode.PERMISSION_DENIED, message: 'no' },
    ],
    ['a status that is not a number', trailersOnly({ 'grpc-status': 'x' }), { code: GrpcCode.UNKNOWN, message: '' }],
    ['HTTP 503, no grpc-status', (s) => s.respond({ ':status': 503 }, { endStream: true }), { code: GrpcCode.UNAVAILABLE, message: /HTTP 503/ }],
    ['HTTP 404, no grpc-status', (s) => s.respond({ ':status': 404 }, { endStream: true }), { code: GrpcCode.UNIMPLEMENTED }],
    ['HTTP 200, no grpc-status', (s) => s.respond(OK, { endStream: true }), { code: GrpcCode.UNAVAILABLE, message: /without grpc-status/ }],
    ['RST_STREAM REFUSED_STREAM', reset(NGHTTP2_REFUSED_STREAM), { code: GrpcCode.UNAVAILABLE }],
    ['RST_STREAM INTERNAL_ERROR', reset(NGHTTP2_INTERNAL_ERROR), { code: GrpcCode.INTERNAL, message: /HTTP\/2 error 2/ }],
    ['RST_STREAM ENHANCE_YOUR_CALM', reset(NGHTTP2_ENHANCE_YOUR_CALM), { code: GrpcCode.RESOURCE_EXHAUSTED }],
    ['RST_STREAM CANCEL', reset(NGHTTP2_CANCEL), { code: GrpcCode.CANCELLED }],
  ];
  let next = 0;
  const upstream = await startRawUpstream(t, (stream) => scripts[next++][1](stream));
  const transport = open(t, upstream.address);
  for (const [name, , expected] of scripts) {
    t.match(failureOf(t, await transport.unary(TRACES, Buffer.from('x'), noCall)), expected, name);
  }
});

t.test('every status from a grpc-js upstream, with and without RetryInfo', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const transport = open(t, upstream.address);
  const statusType = lookupType('google.rpc.Status');
  for (let code = 1; code <= 16; code++) {
    upstream.reply({ kind: 'status', code, message: `code ${code}` }, { kind: 'status', code, message: `code ${code} ✓`, retryDelayMillis: 1500 });
    const plain = failureOf(t, await transport.unary(TRACES, sampleBody('traces'), noCall));
    t.same(plain, { code, message: `code ${code}` });
    const rich = failureOf(t, await transport.unary(TRACES, sampleBody('traces'), noCall));
    t.match(rich, { code, message: `code ${code} ✓` });
    t.match(statusType.toObject(statusType.decode(rich.details as Buffer)), {
      code,
      details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo' }],
    });
  }
});

t.test('GOAWAY and dropped connections: the next call opens a new one', async (t) => {
  let n = 0;
  const upstream = await startRawUpstream(t, (stream) => {
    const session = stream.session as http2.ServerHttp2Session;
    reply(stream, frame(Buffer.from(`answer ${n}`)), { 'grpc-status': '0' });
    // First: GOAWAY after the answer; second: the connection dropped after it.
    if (n === 0) stream.on('close', () => session.close());
    if (n === 1) stream.on('close', () => session.destroy());
    n++;
  });
  const transport = open(t, upstream.address);
  for (let i = 0; i < 3; i++) {
    t.same(await transport.unary(TRACES, Buffer.from('x'), noCall), { body: Buffer.from(`answer ${i}`) }, `call ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.equal(upstream.requests.length, 3);
});

t.test('a call in flight when the transport closes still completes', async (t) => {
  let answer: () => void = () => {};
  const upstream = await startRawUpstream(t, (stream) => (answer = () => reply(stream, frame(Buffer.from('late')), { 'grpc-status': '0' })));
  const transport = open(t, upstream.address);
  const pending = transport.unary(TRACES, Buffer.from('x'), noCall);
  while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  transport.close();
  answer();
  t.same(await pending, { body: Buffer.from('late') });
});

t.test('settles without sending: deadline already passed, aborted or closed while compressing, bad metadata value', async (t) => {
  const upstream = await startRawUpstream(t, (stream) => reply(stream, frame(Buffer.alloc(0)), { 'grpc-status': '0' }));
  const transport = open(t, upstream.address, { compression: 'gzip' });
  const past = await transport.unary(TRACES, Buffer.from('x'), { ...noCall, deadline: Date.now() - 1 });
  t.equal(failureOf(t, past).code, GrpcCode.DEADLINE_EXCEEDED);
  const controller = new AbortController();
  const aborted = transport.unary(TRACES, Buffer.alloc(1024 * 1024), { ...noCall, abortSignal: controller.signal });
  controller.abort(); // while gzip runs
  t.equal(failureOf(t, await aborted).code, GrpcCode.CANCELLED);
  const badPath = await transport.unary('/bad\npath', Buffer.from('x'), noCall);
  t.not(failureOf(t, badPath).code, GrpcCode.OK, 'a method path that is not a valid header value: a status, not a rejection');
  for (const [key, value] of [['x-key', 'line\nbreak'], ['x-key', 'naïve'], ['x-trace-bin', 'AQI']]) {
    const bad = await transport.unary(TRACES, Buffer.from('x'), { ...noCall, metadata: { [key]: value } });
    t.equal(failureOf(t, bad).code, GrpcCode.INTERNAL, `${key}: ${JSON.stringify(value)}`);
  }
  const closing = transport.unary(TRACES, Buffer.alloc(1024 * 1024), noCall);
  transport.close(); // while gzip runs
  t.equal(failureOf(t, await closing).code, GrpcCode.UNAVAILABLE);
  t.equal(upstream.requests.length, 0);
});

t.test('an upstream gone silent: calls settle at their deadline or abort, then the unanswered PING drops the connection', async (t) => {
  // Accepts TCP, then says nothing: no HTTP/2 handshake, no answer to anything.
  const sockets: net.Socket[] = [];
  const closed: boolean[] = [];
  const mute = net.createServer((socket) => {
    const index = sockets.push(socket) - 1;
    closed[index] = false;
    socket.on('error', () => {});
    socket.on('close', () => (closed[index] = true));
    socket.resume(); // read (and drop) what the client sends, so that its hang-up is seen
  });
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => mute.close(() => resolve()));
  });
  const transport = open(t, `127.0.0.1:${(mute.address() as net.AddressInfo).port}`, { pingTimeoutMillis: 50 });
  const controller = new AbortController();
  const aborted = transport.unary(TRACES, Buffer.from('x'), { ...noCall, abortSignal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  t.equal(failureOf(t, await aborted).code, GrpcCode.CANCELLED);
  const timedOut = await transport.unary(TRACES, Buffer.from('x'), { ...noCall, deadline: Date.now() + 50 });
  t.equal(failureOf(t, timedOut).code, GrpcCode.DEADLINE_EXCEEDED);
  t.equal(sockets.length, 1, 'one connection so far');
  while (!closed[0]) await new Promise((resolve) => setTimeout(resolve, 10));
  const again = await transport.unary(TRACES, Buffer.from('x'), { ...noCall, deadline: Date.now() + 50 });
  t.equal(failureOf(t, again).code, GrpcCode.DEADLINE_EXCEEDED);
  t.equal(sockets.length, 2, 'the silent connection was dropped; the next call opened another');
});

t.test('a deadline on a live connection: the PING is answered and the connection kept', async (t) => {
  let n = 0;
  const upstream = await startRawUpstream(t, (stream) => {
    if (n++ > 0) reply(stream, frame(Buffer.from('ok')), { 'grpc-status': '0' });
  });
  const transport = open(t, upstream.address, { pingTimeoutMillis: 5000 });
  const timedOut = await transport.unary(TRACES, Buffer.from('x'), { ...noCall, deadline: Date.now() + 50 });
  t.equal(failureOf(t, timedOut).code, GrpcCode.DEADLINE_EXCEEDED);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the PING goes out and (normally) comes back
  t.same(await transport.unary(TRACES, Buffer.from('x'), noCall), { body: Buffer.from('ok') });
  t.equal(upstream.opened(), 1, 'the same connection');
});

t.test('the OTLP gRPC exporter on this transport, against grpc-js', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const exporter = createGrpcExporter({
    endpoint: upstream.url,
    headers: { 'x-scope-orgid': 'tenant-9' },
    compression: 'gzip',
    timeoutMillis: 10_000,
    tls: { insecure: true, insecureSkipVerify: false },
    logger: createRecordingLogger(),
    createTransport: createHttp2GrpcClientTransport,
  });
  t.teardown(() => exporter.shutdown());
  const request = sampleRequest('logs', { body: sampleBody('logs', { items: 20 }) });
  t.same(await exporter.consume(request), {});
  t.same(upstream.requests[0].decoded, decodeRequest('logs', request.body));
  t.equal(upstream.requests[0].metadata['x-scope-orgid'], 'tenant-9');
  upstream.reply({ kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'busy', retryDelayMillis: 3000 });
  const refused = await exporter.consume(request).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.match(refused, { grpcCode: GrpcCode.UNAVAILABLE, retryAfterMillis: 3000 }, 'the upstream status and its RetryInfo');
});

t.test('lean client against lean server', async (t) => {
  const calls: GrpcServerCall[] = [];
  const handlers: Record<string, GrpcUnaryHandler> = {
    '/t.S/Echo': async (call) => ({ body: call.body }),
    '/t.S/Fail': async () => ({ status: { grpcCode: GrpcCode.RESOURCE_EXHAUSTED, message: 'slow down ✓', retryAfterMillis: 2000 } }),
    '/t.S/Hold': (call) =>
      new Promise<GrpcServerReply>((resolve) =>
        call.abortSignal.addEventListener('abort', () => resolve({ body: Buffer.alloc(0) })),
      ),
  };
  const server = createHttp2GrpcServerTransport({
    host: '127.0.0.1',
    port: 0,
    maxRecvMsgSizeBytes: 4 * 1024 * 1024,
    routes: new Map(Object.entries(handlers).map(([path, handler]) => [path, (call: GrpcServerCall) => (calls.push(call), handler(call))])),
  });
  t.teardown(() => server.close());
  const { host, port } = await server.listen();
  const address = `${host}:${port}`;

  for (const compression of ['none', 'gzip'] as const) {
    const client = open(t, address, { compression });
    const body = sampleBody('traces', { items: 200 });
    const result = await client.unary('/t.S/Echo', body, { ...noCall, metadata: { 'x-scope-orgid': 't' } });
    t.same(result, { body }, `${compression}: echo`);
    t.equal(calls.at(-1)?.metadata['x-scope-orgid'], 't');
    t.match(calls.at(-1)?.metadata['user-agent'], /^lean-test\/1\.0/);
  }
  const client = open(t, address);
  const failed = failureOf(t, await client.unary('/t.S/Fail', Buffer.from('x'), noCall));
  t.match(failed, { code: GrpcCode.RESOURCE_EXHAUSTED, message: 'slow down ✓' });
  t.match(lookupType('google.rpc.Status').toObject(lookupType('google.rpc.Status').decode(failed.details as Buffer)), {
    details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo' }],
  });
  t.equal(failureOf(t, await client.unary('/t.S/Missing', Buffer.from('x'), noCall)).code, GrpcCode.UNIMPLEMENTED);

  const timedOut = await client.unary('/t.S/Hold', Buffer.from('x'), { ...noCall, deadline: Date.now() + 100 });
  t.equal(failureOf(t, timedOut).code, GrpcCode.DEADLINE_EXCEEDED);
  const held = calls.at(-1) as GrpcServerCall;
  if (!held.abortSignal.aborted) await new Promise((resolve) => held.abortSignal.addEventListener('abort', resolve));
  t.equal((held.abortSignal.reason as TaggerError).code, ErrorCode.DEADLINE, 'the server side knows the deadline too');

  const controller = new AbortController();
  const pending = client.unary('/t.S/Hold', Buffer.from('x'), { ...noCall, abortSignal: controller.signal });
  while (calls.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  t.equal(failureOf(t, await pending).code, GrpcCode.CANCELLED);
  const cancelled = calls[4];
  if (!cancelled.abortSignal.aborted) await new Promise((resolve) => cancelled.abortSignal.addEventListener('abort', resolve));
  t.equal((cancelled.abortSignal.reason as TaggerError).code, ErrorCode.CANCELLED, 'the reset reaches the handler');

  const many = await Promise.all(
    Array.from({ length: 64 }, (_, i) =>
      client.unary('/t.S/Echo', Buffer.from(`call ${i}`), { ...noCall, abortSignal: new AbortController().signal }),
    ),
  );
  t.same(many, Array.from({ length: 64 }, (_, i) => ({ body: Buffer.from(`call ${i}`) })), '64 concurrent calls, each its own answer');
});
