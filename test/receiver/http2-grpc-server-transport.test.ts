/**
 * The node:http2 server transport: the shared contract suite (including the two
 * doc/compression.md cases grpc-js fails), then what only a bare HTTP/2 or TCP peer can send —
 * bad framing, bad headers, garbage, resets, disconnects — real clients (grpc-js, the
 * OpenTelemetry SDK gRPC exporters through the OTLP receiver), TLS / mTLS and certificate reload.
 */
import { randomBytes } from 'node:crypto';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { createHttp2GrpcClientTransport } from '../../src/exporter/http2-grpc-client-transport.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, type Signal } from '../../src/otlp/signal.js';
import { createGrpcReceiver } from '../../src/receiver/grpc-receiver.js';
import type { GrpcServerCall, GrpcServerReply, GrpcUnaryHandler } from '../../src/receiver/grpc-server-transport.js';
import { createHttp2GrpcServerTransport } from '../../src/receiver/http2-grpc-server-transport.js';
import type { ServerTls } from '../../src/receiver/server-tls.js';
import { resourcesOf } from '../helpers/decoded.js';
import { createRawGrpcClient } from '../helpers/grpc-raw-client.js';
import { runGrpcServerTransportSuite } from '../helpers/grpc-server-transport-suite.js';
import { createRecordingConsumer } from '../helpers/recording-consumer.js';
import { createRecordingLogger } from '../helpers/recording-logger.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { ExportResultCode, sendWithSdk } from '../helpers/sdk-clients.js';
import { loadTestPki, opensslMissingReason } from '../helpers/test-pki.js';

runGrpcServerTransportSuite(t, createHttp2GrpcServerTransport, {
  acceptEncodingOnUnimplemented: true,
  compressedFlagWithoutEncodingIsInternal: true,
});

const ECHO = '/test.Echo/Echo';
const HOLD = '/test.Echo/Hold';

interface Server {
  readonly address: string;
  readonly calls: GrpcServerCall[];
  /** Resolves when the n-th call (0-based) reaches its handler. */
  call(n: number): Promise<GrpcServerCall>;
  session(): ClientHttp2Session;
}

/** ECHO answers with the request; HOLD answers only once its call is aborted. */
interface ServerOptions {
  readonly maxRecvMsgSizeBytes?: number;
  readonly handlers?: Record<string, GrpcUnaryHandler>;
  readonly idleTimeoutMillis?: number;
}

async function startServer(t: Test, options: ServerOptions = {}): Promise<Server> {
  const { maxRecvMsgSizeBytes = 64 * 1024, handlers = {}, idleTimeoutMillis } = options;
  const calls: GrpcServerCall[] = [];
  const waiters: { n: number; resolve: (c: GrpcServerCall) => void }[] = [];
  const record = (handler: GrpcUnaryHandler): GrpcUnaryHandler => (call) => {
    calls.push(call);
    for (const w of waiters.filter((w) => w.n < calls.length)) w.resolve(calls[w.n]);
    return handler(call);
  };
  const hold: GrpcUnaryHandler = (call) =>
    new Promise<GrpcServerReply>((resolve) =>
      call.abortSignal.addEventListener('abort', () =>
        resolve({ status: { grpcCode: GrpcCode.CANCELLED, message: 'aborted', retryAfterMillis: undefined } }),
      ),
    );
  const routes = new Map<string, GrpcUnaryHandler>(
    Object.entries({ [ECHO]: async (call: GrpcServerCall) => ({ body: call.body }), [HOLD]: hold, ...handlers }).map(
      ([path, handler]) => [path, record(handler)],
    ),
  );
  const transport = createHttp2GrpcServerTransport({ host: '127.0.0.1', port: 0, maxRecvMsgSizeBytes, routes, idleTimeoutMillis });
  t.teardown(() => transport.close());
  const { host, port } = await transport.listen();
  const address = `${host}:${port}`;
  let session: ClientHttp2Session | undefined;
  t.teardown(() => session?.destroy());
  return {
    address,
    calls,
    call: (n) => (n < calls.length ? Promise.resolve(calls[n]) : new Promise((resolve) => waiters.push({ n, resolve }))),
    session: () => {
      if (session === undefined || session.destroyed) {
        session = http2.connect(`http://${address}`);
        session.on('error', () => {});
      }
      return session;
    },
  };
}

interface RawResponse {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  data: Buffer;
  rstCode: number | undefined;
}

function frame(message: Buffer, flag = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Opens a stream; `send` writes (and usually ends) the body; resolves once the stream closes. */
function request(
  session: ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  send: (stream: ClientHttp2Stream) => unknown,
): Promise<RawResponse> {
  const stream = session.request({
    ':method': 'POST',
    ':path': ECHO,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...headers,
  });
  const response: RawResponse = { headers: {}, trailers: undefined, data: Buffer.alloc(0), rstCode: undefined };
  const chunks: Buffer[] = [];
  stream.on('response', (h) => (response.headers = h));
  stream.on('trailers', (h) => (response.trailers = h));
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('error', () => {});
  const closed = new Promise<RawResponse>((resolve) =>
    stream.on('close', () => {
      response.data = Buffer.concat(chunks);
      response.rstCode = stream.rstCode;
      resolve(response);
    }),
  );
  void send(stream);
  return closed;
}

const statusOf = (r: RawResponse): number => Number((r.trailers ?? r.headers)['grpc-status']);
const messageOf = (r: RawResponse): string => String((r.trailers ?? r.headers)['grpc-message']);

t.test('HTTP-level refusals: not POST 405, not application/grpc 415', async (t) => {
  const server = await startServer(t);
  const session = server.session();
  const get = await request(session, { ':method': 'GET' }, (s) => s.end());
  t.equal(get.headers[':status'], 405);
  for (const contentType of ['text/plain', 'application/grpc+json', 'application/grpcx', 'application/json']) {
    const r = await request(session, { 'content-type': contentType }, (s) => s.end(frame(Buffer.from('x'))));
    t.equal(r.headers[':status'], 415, contentType);
  }
  const missing = await request(session, { 'content-type': undefined }, (s) => s.end(frame(Buffer.from('x'))));
  t.equal(missing.headers[':status'], 415, 'no content-type');
  t.equal(server.calls.length, 0);
});

t.test('application/grpc+proto and parameters are gRPC too', async (t) => {
  const server = await startServer(t);
  for (const contentType of ['application/grpc+proto', 'application/grpc;charset=utf-8', 'application/grpc+proto; x=y']) {
    const r = await request(server.session(), { 'content-type': contentType }, (s) => s.end(frame(Buffer.from('hi'))));
    t.equal(statusOf(r), GrpcCode.OK, contentType);
    t.same(r.data, frame(Buffer.from('hi')));
  }
});

t.test('a success: headers, one data frame, grpc-status 0 trailers', async (t) => {
  const server = await startServer(t);
  const r = await request(server.session(), {}, (s) => s.end(frame(Buffer.from('payload'))));
  t.match(r.headers, { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity,gzip' });
  t.notOk('grpc-status' in r.headers, 'not trailers-only');
  t.same(r.data, frame(Buffer.from('payload')));
  t.match(r.trailers, { 'grpc-status': '0' });
});

t.test('framing errors never reach the handler', async (t) => {
  const server = await startServer(t);
  const session = server.session();
  const cases: [string, Buffer, number][] = [
    ['no message at all', Buffer.alloc(0), GrpcCode.UNIMPLEMENTED],
    ['a prefix cut short', Buffer.from([0, 0, 0]), GrpcCode.INTERNAL],
    ['a frame longer than the body', frame(Buffer.alloc(10)).subarray(0, 12), GrpcCode.INTERNAL],
    ['a length past the body', Buffer.concat([Buffer.from([0, 0, 0, 0, 100]), Buffer.alloc(10)]), GrpcCode.INTERNAL],
    ['two messages in one unary call', Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b'))]), GrpcCode.UNIMPLEMENTED],
    ['a trailing byte', Buffer.concat([frame(Buffer.from('a')), Buffer.from([0])]), GrpcCode.UNIMPLEMENTED],
    ['an unknown flag', frame(Buffer.from('a'), 2), GrpcCode.INTERNAL],
    ['compressed flag with grpc-encoding identity', frame(zlib.gzipSync('a'), 1), GrpcCode.INTERNAL],
  ];
  for (const [name, body, code] of cases) {
    const headers = name.includes('identity') ? { 'grpc-encoding': 'identity' } : {};
    const r = await request(session, headers, (s) => s.end(body));
    t.equal(statusOf(r), code, `${name}: ${messageOf(r)}`);
    t.equal(r.headers[':status'], 200, `${name}: a gRPC status, on HTTP 200`);
  }
  t.equal(server.calls.length, 0);
});

t.test('a body in many pieces, the prefix split too, is read whole', async (t) => {
  const server = await startServer(t, { maxRecvMsgSizeBytes: 1024 * 1024 });
  const message = randomBytes(300 * 1024);
  const whole = frame(message);
  const pieces = [whole.subarray(0, 2), whole.subarray(2, 4), whole.subarray(4, 1000), whole.subarray(1000)];
  const r = await request(server.session(), {}, async (s) => {
    for (const piece of pieces) {
      s.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
    }
    s.end();
  });
  t.equal(statusOf(r), GrpcCode.OK);
  t.ok(server.calls[0].body.equals(message), 'the handler gets the exact bytes');
  t.ok(r.data.equals(whole), 'and the echo comes back in one frame');
});

t.test('identity encoding and an uncompressed message under grpc-encoding gzip are fine', async (t) => {
  const server = await startServer(t);
  const identity = await request(server.session(), { 'grpc-encoding': 'identity' }, (s) => s.end(frame(Buffer.from('a'))));
  const gzipHeader = await request(server.session(), { 'grpc-encoding': 'gzip' }, (s) => s.end(frame(Buffer.from('b'))));
  t.equal(statusOf(identity), GrpcCode.OK);
  t.equal(statusOf(gzipHeader), GrpcCode.OK);
  t.same(server.calls.map((c) => c.body.toString()), ['a', 'b']);
});

t.test('an unsupported encoding is UNIMPLEMENTED with grpc-accept-encoding (checklist #6)', async (t) => {
  const server = await startServer(t);
  const r = await request(server.session(), { 'grpc-encoding': 'deflate' }, (s) => s.end(frame(zlib.deflateSync('x'), 1)));
  t.equal(statusOf(r), GrpcCode.UNIMPLEMENTED);
  t.equal(r.headers['grpc-accept-encoding'], 'identity,gzip');
  t.equal(r.trailers, undefined, 'trailers-only');
});

t.test('an oversize declared length is refused at once, before the rest of the body is sent', async (t) => {
  const server = await startServer(t, { maxRecvMsgSizeBytes: 64 * 1024 });
  const big = frame(Buffer.alloc(8 * 1024 * 1024));
  const r = await request(server.session(), {}, (s) => {
    s.write(big.subarray(0, 16 * 1024));
    // What gRPC clients do once they have the status (no reset comes from the server: see respondTrailersOnly).
    s.on('response', () => s.close(http2.constants.NGHTTP2_CANCEL));
  });
  t.equal(statusOf(r), GrpcCode.RESOURCE_EXHAUSTED, 'answered with 8 MiB unsent');
  t.match(messageOf(r), /larger than max \(8388608 vs\. 65536\)/);
  t.equal(server.calls.length, 0);
});

t.test('grpc-timeout becomes the deadline; a malformed one is INTERNAL', async (t) => {
  const server = await startServer(t);
  const units: [string, number][] = [
    ['2H', 7_200_000],
    ['3M', 180_000],
    ['40S', 40_000],
    ['90000m', 90_000],
    ['50000000u', 50_000],
    // Nanoseconds top out at 100 ms in 8 digits: too short to rely on here (test/otlp/grpc-wire.test.ts has them).
  ];
  for (const [value, millis] of units) {
    const before = Date.now();
    const r = await request(server.session(), { 'grpc-timeout': value }, (s) => s.end(frame(Buffer.from(value))));
    t.equal(statusOf(r), GrpcCode.OK, value);
    const deadline = server.calls.at(-1)?.deadline as number;
    t.ok(deadline >= before + millis && deadline <= Date.now() + millis, `${value}: deadline ${deadline - before} ms ahead`);
  }
  const callsBefore = server.calls.length;
  for (const value of ['1x', '123456789m', '', '-5S', '1.5S']) {
    const r = await request(server.session(), { 'grpc-timeout': value }, (s) => s.end(frame(Buffer.from('x'))));
    t.equal(statusOf(r), GrpcCode.INTERNAL, `${JSON.stringify(value)}: ${messageOf(r)}`);
  }
  t.equal(server.calls.length, callsBefore);
});

t.test('a deadline that passes while the body is still coming: DEADLINE_EXCEEDED, handler never called', async (t) => {
  const server = await startServer(t);
  const r = await request(server.session(), { 'grpc-timeout': '50m' }, (s) => {
    s.write(frame(Buffer.alloc(100)).subarray(0, 20)); // and nothing more
  });
  t.equal(statusOf(r), GrpcCode.DEADLINE_EXCEEDED);
  t.equal(server.calls.length, 0);
});

t.test('the longest grpc-timeout (99999999H) is a deadline far away, not one that fires at once', async (t) => {
  const server = await startServer(t);
  let stream: ClientHttp2Stream | undefined;
  const answered = request(server.session(), { ':path': HOLD, 'grpc-timeout': '99999999H' }, (s) => {
    stream = s;
    s.end(frame(Buffer.from('far')));
  });
  const call = await server.call(0);
  t.ok((call.deadline ?? 0) > Date.now() + 365 * 86_400_000, 'the deadline is kept for the handler');
  // A timer past 2^31-1 ms would have fired after 1 ms.
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.notOk(call.abortSignal.aborted, 'the call is still running');
  stream?.close(http2.constants.NGHTTP2_CANCEL);
  t.equal((await answered).rstCode, http2.constants.NGHTTP2_CANCEL);
});

t.test('a deadline that passes in the handler aborts it with DEADLINE', async (t) => {
  const server = await startServer(t);
  const r = await request(server.session(), { ':path': HOLD, 'grpc-timeout': '50m' }, (s) => s.end(frame(Buffer.from('x'))));
  t.equal(statusOf(r), GrpcCode.DEADLINE_EXCEEDED);
  const call = await server.call(0);
  t.equal((call.abortSignal.reason as TaggerError).code, ErrorCode.DEADLINE);
});

t.test('RST_STREAM from the client mid-body: nothing reaches the handler, the connection lives on', async (t) => {
  const server = await startServer(t);
  const session = server.session();
  const r = await request(session, {}, async (s) => {
    s.write(frame(Buffer.alloc(1000)).subarray(0, 500));
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.close(http2.constants.NGHTTP2_CANCEL);
  });
  t.equal(r.rstCode, http2.constants.NGHTTP2_CANCEL);
  const next = await request(session, {}, (s) => s.end(frame(Buffer.from('next'))));
  t.equal(statusOf(next), GrpcCode.OK);
  t.same(server.calls.map((c) => c.body.toString()), ['next']);
});

t.test('a client that vanishes mid-call aborts the handler with CANCELLED', async (t) => {
  const server = await startServer(t);
  const session = server.session();
  void request(session, { ':path': HOLD }, (s) => s.end(frame(Buffer.from('x'))));
  const call = await server.call(0);
  session.destroy();
  if (!call.abortSignal.aborted) await new Promise((resolve) => call.abortSignal.addEventListener('abort', resolve));
  t.equal((call.abortSignal.reason as TaggerError).code, ErrorCode.CANCELLED);
});

t.test('metadata: repeated values joined, transport headers and -bin left out', async (t) => {
  const server = await startServer(t);
  await request(
    server.session(),
    {
      'x-multi': ['a', 'b'],
      'set-cookie': ['c=1', 'd=2'], // the one header Node hands over as an array
      'x-bin': 'AQI',
      'grpc-encoding': 'identity',
      'grpc-timeout': '10S',
      'user-agent': 'raw/1',
    },
    (s) => s.end(frame(Buffer.from('x'))),
  );
  t.same(server.calls[0].metadata, { 'x-multi': 'a, b', 'set-cookie': 'c=1, d=2', 'user-agent': 'raw/1' });
});

t.test('a reply above 4 MiB is RESOURCE_EXHAUSTED', async (t) => {
  const big: GrpcUnaryHandler = async () => ({ body: Buffer.alloc(4 * 1024 * 1024 + 1) });
  const server = await startServer(t, { handlers: { '/test.Echo/Big': big } });
  const client = createRawGrpcClient(server.address);
  t.teardown(() => client.close());
  t.match(await client.call('/test.Echo/Big', Buffer.from('x')), { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED });
});

t.test('a malformed reply (a handler bug) is answered INTERNAL', async (t) => {
  const noBody: GrpcUnaryHandler = async () => ({ body: undefined }) as unknown as GrpcServerReply;
  const noMessage: GrpcUnaryHandler = async () =>
    ({ status: { grpcCode: GrpcCode.UNAVAILABLE, message: undefined } }) as unknown as GrpcServerReply;
  const server = await startServer(t, { handlers: { '/test.Echo/NoBody': noBody, '/test.Echo/NoMessage': noMessage } });
  for (const path of ['/test.Echo/NoBody', '/test.Echo/NoMessage']) {
    const r = await request(server.session(), { ':path': path }, (s) => s.end(frame(Buffer.from('x'))));
    t.equal(statusOf(r), GrpcCode.INTERNAL, `${path}: ${messageOf(r)}`);
  }
});

t.test('a call stalled mid-body without a deadline: GOAWAY after the idle timeout, reset after another', async (t) => {
  const server = await startServer(t, { idleTimeoutMillis: 100 });
  const session = server.session();
  const goaway = new Promise((resolve) => session.once('goaway', resolve));
  const r = await request(session, {}, (s) => s.write(frame(Buffer.alloc(100)).subarray(0, 50)));
  await goaway;
  t.equal(r.headers[':status'], undefined, 'never answered');
  t.ok(session.destroyed || r.rstCode !== undefined, 'the stream was dropped');
  t.equal(server.calls.length, 0);
});

t.test('a handler whose reply is a status with an unusual message: percent-encoded on the wire', async (t) => {
  const message = '100% down\r\nnext line: ✓';
  const fail: GrpcUnaryHandler = async () => ({ status: { grpcCode: GrpcCode.UNAVAILABLE, message, retryAfterMillis: 1000 } });
  const server = await startServer(t, { handlers: { '/test.Echo/Fail': fail } });
  const r = await request(server.session(), { ':path': '/test.Echo/Fail' }, (s) => s.end(frame(Buffer.from('x'))));
  t.equal(r.headers['grpc-message'], '100%25 down%0D%0Anext line: %E2%9C%93');
  t.notMatch(String(r.headers['grpc-status-details-bin']), /=$/, 'base64 without padding');
  const client = createRawGrpcClient(server.address);
  t.teardown(() => client.close());
  t.match(await client.call('/test.Echo/Fail', Buffer.from('x')), { ok: false, code: GrpcCode.UNAVAILABLE, details: message });
});

/** Writes raw bytes on a fresh TCP connection; resolves once the server closes it. */
function sendGarbage(address: string, bytes: Buffer): Promise<void> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host, () => socket.write(bytes));
    socket.on('error', () => {});
    socket.resume();
    socket.on('close', () => resolve());
  });
}

t.test('garbage on the socket closes that connection only', async (t) => {
  // Node answers a bad frame with GOAWAY but leaves the socket open: the idle timeout ends it.
  const server = await startServer(t, { idleTimeoutMillis: 100 });
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const garbage: [string, Buffer][] = [
    ['random bytes', randomBytes(4096)],
    [
      'an HTTP/1.1 request',
      Buffer.from(`POST ${ECHO} HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nContent-Length: 6\r\n\r\n\0\0\0\0\x01x`),
    ],
    ['the HTTP/2 preface, then junk', Buffer.concat([preface, randomBytes(512)])],
    // A SETTINGS frame with a length that is not a multiple of 6: FRAME_SIZE_ERROR.
    ['the preface, then a malformed frame', Buffer.concat([preface, Buffer.from([0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])])],
  ];
  for (const [name, bytes] of garbage) {
    await sendGarbage(server.address, bytes);
    t.pass(`${name}: the server hung up`);
  }
  // A HEADERS frame on stream 1 whose header block is not HPACK: COMPRESSION_ERROR.
  await sendGarbage(
    server.address,
    Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 4, 1, 5, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])]),
  );
  t.pass('a broken header block: the server hung up');
  const r = await request(server.session(), {}, (s) => s.end(frame(Buffer.from('still here'))));
  t.equal(statusOf(r), GrpcCode.OK, 'and still serves calls');
  t.equal(server.calls.length, 1);
});

t.test('a connection that only connects, and one that vanishes mid-body, are harmless', async (t) => {
  const server = await startServer(t);
  const [host, port] = server.address.split(':');
  const idle = net.connect(Number(port), host);
  await new Promise((resolve) => idle.on('connect', resolve));
  idle.destroy();
  const session = http2.connect(`http://${server.address}`);
  session.on('error', () => {});
  const stream = session.request({ ':method': 'POST', ':path': ECHO, 'content-type': 'application/grpc' });
  stream.on('error', () => {});
  stream.write(frame(Buffer.alloc(1000)).subarray(0, 300));
  await new Promise((resolve) => setTimeout(resolve, 20));
  session.destroy();
  const r = await request(server.session(), {}, (s) => s.end(frame(Buffer.from('ok'))));
  t.equal(statusOf(r), GrpcCode.OK);
  t.equal(server.calls.length, 1);
});

t.test('close() sends GOAWAY to idle connections and resolves', async (t) => {
  const transport = createHttp2GrpcServerTransport({
    host: '127.0.0.1',
    port: 0,
    maxRecvMsgSizeBytes: 1024,
    routes: new Map([[ECHO, async (call: GrpcServerCall) => ({ body: call.body })]]),
  });
  const { host, port } = await transport.listen();
  const client = createRawGrpcClient(`${host}:${port}`);
  t.teardown(() => client.close());
  t.same(await client.call(ECHO, Buffer.from('x')), { ok: true, body: Buffer.from('x') });
  await transport.close();
  t.match(await client.call(ECHO, Buffer.from('x')), { ok: false, code: GrpcCode.UNAVAILABLE }, 'nothing listens any more');
});

t.test('the OpenTelemetry SDK gRPC exporters, through the OTLP receiver on this transport', async (t) => {
  const consumer = createRecordingConsumer();
  const receiver = createGrpcReceiver({
    endpoint: '127.0.0.1:0',
    maxRecvMsgSizeBytes: 4 * 1024 * 1024,
    signals: allSignals,
    consumer,
    logger: createRecordingLogger(),
    forwardHeaders: ['x-scope-orgid'],
    transport: createHttp2GrpcServerTransport,
  });
  t.teardown(() => receiver.shutdown());
  const grpcAddress = await receiver.start();
  for (const signal of allSignals as readonly Signal[]) {
    for (const gzip of [false, true]) {
      const name = `${signal}-${gzip ? 'gzip' : 'plain'}`;
      const result = await sendWithSdk({ grpcAddress, httpUrl: 'http://unused' }, signal, {
        protocol: 'grpc',
        gzip,
        resource: { 'service.name': name },
        name,
        headers: { 'x-scope-orgid': 'tenant-7' },
      });
      t.equal(result.code, ExportResultCode.SUCCESS, `${name}: exported`);
      // The metric reader exports once more at shutdown: find the request by its resource.
      const request = consumer.requests.find(
        (r) => r.signal === signal && resourcesOf(signal, decodeRequest(signal, r.body))[0]?.attributes['service.name'] === name,
      );
      if (request === undefined) {
        t.fail(`${name}: no request with this resource`);
        continue;
      }
      t.same(request.headers, { 'x-scope-orgid': 'tenant-7' }, `${name}: metadata forwarded`);
      t.ok(request.deadline !== undefined, `${name}: the SDK's timeout is the deadline`);
      t.same(resourcesOf(signal, decodeRequest(signal, request.body))[0].items, [name], `${name}: the item arrived`);
    }
  }
  consumer.setBehaviour({ kind: 'reject', error: new TaggerError(ErrorCode.DECODE, 'bad span') });
  const refused = await sendWithSdk({ grpcAddress, httpUrl: 'http://unused' }, 'traces', {
    protocol: 'grpc',
    gzip: false,
    resource: {},
    name: 'refused',
  });
  t.equal(refused.code, ExportResultCode.FAILED, 'a non-retryable status fails the export');
  t.match(refused.error?.message, /bad span/);
});

const pki = loadTestPki();
t.test('TLS', { skip: pki === undefined ? opensslMissingReason : false }, async (t) => {
  if (pki === undefined) return;
  const echo = new Map([[ECHO, async (call: GrpcServerCall) => ({ body: call.body })]]);
  const startTls = async (t: Test, material: ServerTls) => {
    const transport = createHttp2GrpcServerTransport({ host: '127.0.0.1', port: 0, maxRecvMsgSizeBytes: 1024, routes: echo, tls: material });
    t.teardown(() => transport.close());
    const { port } = await transport.listen();
    return { transport, address: `127.0.0.1:${port}` };
  };
  /** A real grpc-js client over TLS; resolves with the status code (0 = OK, with the echo checked). */
  const grpcJsCall = (t: Test, address: string, credentials: grpc.ChannelCredentials): Promise<number> => {
    const client = new grpc.Client(address, credentials);
    t.teardown(() => client.close());
    const body = Buffer.from('over tls');
    return new Promise((resolve) =>
      client.makeUnaryRequest(ECHO, (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, value) => {
        if (err) resolve(err.code);
        else resolve(body.equals(value as Buffer) ? 0 : -1);
      }),
    );
  };

  t.test('server TLS: a grpc-js client that trusts the CA is served; a plaintext one is not', async (t) => {
    const { address } = await startTls(t, { cert: pki.server.cert, key: pki.server.key });
    t.equal(await grpcJsCall(t, address, grpc.credentials.createSsl(pki.ca.cert)), GrpcCode.OK);
    t.equal(await grpcJsCall(t, address, grpc.credentials.createInsecure()), GrpcCode.UNAVAILABLE);
    t.equal(await grpcJsCall(t, address, grpc.credentials.createSsl(pki.otherCa.cert)), GrpcCode.UNAVAILABLE, 'an untrusting client');
  });

  t.test('mTLS: only a client with a certificate from the client CA gets through', async (t) => {
    const { address } = await startTls(t, { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert });
    const withCert = grpc.credentials.createSsl(pki.ca.cert, pki.client.key, pki.client.cert);
    t.equal(await grpcJsCall(t, address, withCert), GrpcCode.OK);
    t.equal(await grpcJsCall(t, address, grpc.credentials.createSsl(pki.ca.cert)), GrpcCode.UNAVAILABLE, 'no client certificate');
    const lean = createHttp2GrpcClientTransport({
      address,
      tls: { ca: pki.ca.cert, key: pki.client.key, cert: pki.client.cert, insecureSkipVerify: false },
      compression: 'gzip',
      maxSendMessageBytes: 1024,
      maxReceiveMessageBytes: 1024,
      userAgent: 'lean',
    });
    t.teardown(() => lean.close());
    const result = await lean.unary(ECHO, Buffer.from('lean over mtls'), { metadata: {}, deadline: undefined, abortSignal: new AbortController().signal });
    t.same(result, { body: Buffer.from('lean over mtls') }, 'the lean client too');
  });

  t.test('setTls swaps the certificate for new connections', async (t) => {
    const { transport, address } = await startTls(t, { cert: pki.untrustedServer.cert, key: pki.untrustedServer.key });
    t.equal(await grpcJsCall(t, address, grpc.credentials.createSsl(pki.ca.cert)), GrpcCode.UNAVAILABLE, 'before: untrusted');
    transport.setTls?.({ cert: pki.server.cert, key: pki.server.key });
    t.equal(await grpcJsCall(t, address, grpc.credentials.createSsl(pki.ca.cert)), GrpcCode.OK, 'after: trusted');
    t.throws(() => transport.setTls?.({ cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert }), /mTLS/);
    const plain = createHttp2GrpcServerTransport({ host: '127.0.0.1', port: 0, maxRecvMsgSizeBytes: 1, routes: echo });
    t.throws(() => plain.setTls?.({ cert: pki.server.cert, key: pki.server.key }), /without TLS/);
  });

  t.test('close(): a handshake still in progress is dropped once the calls are answered; one that completes meanwhile gets GOAWAY', async (t) => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const routes = new Map<string, GrpcUnaryHandler>([[HOLD, async () => (await held, { body: Buffer.from('done') })]]);
    const transport = createHttp2GrpcServerTransport({ host: '127.0.0.1', port: 0, maxRecvMsgSizeBytes: 1024, routes, tls: { cert: pki.server.cert, key: pki.server.key } });
    const { port } = await transport.listen();
    const connectTls = (socket?: net.Socket) => {
      const session = http2.connect(`https://127.0.0.1:${port}`, {
        createConnection: () => tls.connect({ host: '127.0.0.1', port, socket, ca: pki.ca.cert, servername: 'localhost', ALPNProtocols: ['h2'] }),
      });
      session.on('error', () => {});
      t.teardown(() => session.destroy());
      return session;
    };
    // A: a session with a call in progress.
    const a = connectTls();
    const call = request(a, { ':path': HOLD }, (s) => s.end(frame(Buffer.from('x'))));
    await new Promise((resolve) => a.once('remoteSettings', resolve));
    // B: TCP accepted, TLS not started; C: TCP accepted, never says anything.
    const b = net.connect(port, '127.0.0.1');
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => {});
    await Promise.all([b, c].map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    // The server accepts from the kernel's queue when it next polls; a PING round trip on A makes
    // sure it has (a connection still queued when the listener closes is reset by the kernel).
    await new Promise((resolve) => a.ping(resolve));
    let cClosed = false;
    c.once('close', () => (cClosed = true));
    const closed = transport.close();
    // B completes its handshake after close() began: its session is told to go away at once.
    const late = connectTls(b);
    await new Promise((resolve) => late.once('goaway', resolve));
    t.pass('the late session got GOAWAY');
    t.notOk(cClosed, 'the silent connection waits while a call is in progress');
    release?.();
    t.equal(statusOf(await call), GrpcCode.OK, 'the call in progress is answered');
    await closed;
    if (!cClosed) await new Promise((resolve) => c.once('close', resolve));
    t.pass('close() resolved and the silent connection was dropped');
  });

  t.test('garbage, plaintext HTTP/2 and HTTP/1.1 over ALPN on the TLS port: dropped, the server lives on', async (t) => {
    const { address } = await startTls(t, { cert: pki.server.cert, key: pki.server.key });
    await sendGarbage(address, randomBytes(2048));
    await sendGarbage(address, Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    const [host, port] = address.split(':');
    await new Promise<void>((resolve) => {
      const socket = tls.connect({ host, port: Number(port), ca: pki.ca.cert, ALPNProtocols: ['http/1.1'] }, () =>
        socket.write('POST / HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      socket.on('error', () => {});
      socket.resume();
      socket.on('close', () => resolve());
    });
    t.pass('all three hung up on');
    t.equal(await grpcJsCall(t, address, grpc.credentials.createSsl(pki.ca.cert)), GrpcCode.OK);
  });
});

t.test('maxConnections: past it a new connection is closed at once', async (t) => {
  const transport = createHttp2GrpcServerTransport({
    host: '127.0.0.1',
    port: 0,
    maxRecvMsgSizeBytes: 1024,
    routes: new Map([[ECHO, async (call: GrpcServerCall) => ({ body: call.body })]]),
    maxConnections: 1,
  });
  t.teardown(() => transport.close());
  const { host, port } = await transport.listen();
  const first = http2.connect(`http://${host}:${port}`);
  first.on('error', () => {});
  t.teardown(() => first.destroy());
  const r = await request(first, {}, (s) => s.end(frame(Buffer.from('one'))));
  t.equal(statusOf(r), GrpcCode.OK);
  await sendGarbage(`${host}:${port}`, Buffer.alloc(0));
  t.pass('the second connection was closed');
});
