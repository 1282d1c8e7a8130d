/**
 * The GrpcServerTransport contract as one suite, run against every implementation (grpc-js now,
 * node:http2 later) by test/receiver/<impl>-server-transport.test.ts. Peers are a real grpc-js
 * client and, for framing edge cases, a bare node:http2 client.
 */
import http2 from 'node:http2';
import net from 'node:net';
import zlib from 'node:zlib';
import type { Test } from 'tap';
import { ErrorCode, type TaggerError } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import type {
  GrpcServerCall,
  GrpcServerReply,
  GrpcServerTransportFactory,
  GrpcServerTransportOptions,
  GrpcUnaryHandler,
} from '../../src/receiver/grpc-server-transport.js';
import { createInflightLimiter } from '../../src/processor/inflight-limiter.js';
import { createRawGrpcClient, type RawGrpcClient } from './grpc-raw-client.js';
import { lookupType } from './reference-codec.js';

const ECHO = '/test.Echo/Echo';
const FAIL = '/test.Echo/Fail';

interface Harness {
  readonly address: string;
  readonly client: RawGrpcClient;
  readonly calls: GrpcServerCall[];
}

type Setup = (
  t: Test,
  handlers?: Record<string, GrpcUnaryHandler>,
  options?: { maxRecvMsgSizeBytes?: number; gzip?: boolean; admit?: GrpcServerTransportOptions['admit'] },
) => Promise<Harness>;

function setupFor(factory: GrpcServerTransportFactory): Setup {
  return async (t, handlers = {}, options = {}) => {
    const calls: GrpcServerCall[] = [];
    const echo: GrpcUnaryHandler = async (call) => ({ body: call.body });
    const routes = new Map<string, GrpcUnaryHandler>(
      Object.entries({ [ECHO]: echo, ...handlers }).map(([path, handler]) => [
        path,
        (call: GrpcServerCall) => {
          calls.push(call);
          return handler(call);
        },
      ]),
    );
    const transport = factory({
      host: '127.0.0.1',
      port: 0,
      maxRecvMsgSizeBytes: options.maxRecvMsgSizeBytes ?? 1024 * 1024,
      routes,
      ...(options.admit === undefined ? {} : { admit: options.admit }),
    });
    t.teardown(() => transport.close());
    const { host, port } = await transport.listen();
    const address = `${host}:${port}`;
    const client = createRawGrpcClient(address, { gzip: options.gzip });
    t.teardown(() => client.close());
    return { address, client, calls };
  };
}

function decodeStatusDetails(metadata: { get(key: string): unknown[] }): Record<string, unknown> | undefined {
  const [bin] = metadata.get('grpc-status-details-bin') as Buffer[];
  if (bin === undefined) return undefined;
  const status = lookupType('google.rpc.Status');
  return status.toObject(status.decode(bin), { defaults: true }) as Record<string, unknown>;
}

/** A gRPC request over bare HTTP/2, to send what a well-behaved client never would. */
async function rawHttp2Call(
  address: string,
  path: string,
  headers: Record<string, string>,
  frame: Buffer,
): Promise<Record<string, unknown>> {
  const session = http2.connect(`http://${address}`);
  try {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    const result: Record<string, unknown> = {};
    req.on('response', (h) => Object.assign(result, h));
    req.on('trailers', (h) => Object.assign(result, h));
    req.resume();
    req.end(frame);
    await new Promise((resolve) => req.on('close', resolve));
    return result;
  } finally {
    session.close();
  }
}

function grpcFrame(message: Buffer, compressed: boolean): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(compressed ? 1 : 0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** What an implementation does beyond grpc-js; each one false turns its test into a `todo`. */
export interface GrpcServerTransportCapabilities {
  /** doc/compression.md: the UNIMPLEMENTED answer to an unknown grpc-encoding lists grpc-accept-encoding. */
  readonly acceptEncodingOnUnimplemented: boolean;
  /** doc/compression.md: Compressed-Flag=1 without a grpc-encoding fails with INTERNAL. */
  readonly compressedFlagWithoutEncodingIsInternal: boolean;
}

/** grpc-js (1.14) has neither. */
const grpcJsCapabilities: GrpcServerTransportCapabilities = {
  acceptEncodingOnUnimplemented: false,
  compressedFlagWithoutEncodingIsInternal: false,
};

export function runGrpcServerTransportSuite(
  t: Test,
  factory: GrpcServerTransportFactory,
  capabilities: GrpcServerTransportCapabilities = grpcJsCapabilities,
): void {
  const setup = setupFor(factory);

  t.test('a unary call passes the raw request bytes in and the reply bytes out', async (t) => {
    const { client, calls } = await setup(t);
    const body = Buffer.from([0x0a, 0x00, 0xff, 0x00, 0x01]);
    const outcome = await client.call(ECHO, body);
    t.same(outcome, { ok: true, body });
    t.same(calls[0].body, body);
  });

  t.test('an empty message round-trips as an empty message', async (t) => {
    const { client } = await setup(t);
    t.same(await client.call(ECHO, Buffer.alloc(0)), { ok: true, body: Buffer.alloc(0) });
  });

  t.test('metadata reaches the handler with lower-case keys, binary entries left out', async (t) => {
    const { client, calls } = await setup(t);
    await client.call(ECHO, Buffer.from('x'), {
      metadata: { 'X-Scope-OrgID': 'tenant-1', authorization: 'Bearer t', 'trace-bin': Buffer.from([1, 2]) },
    });
    t.equal(calls[0].metadata['x-scope-orgid'], 'tenant-1');
    t.equal(calls[0].metadata.authorization, 'Bearer t');
    t.notOk('trace-bin' in calls[0].metadata);
    t.notOk('grpc-timeout' in calls[0].metadata, 'transport headers are not metadata');
  });

  t.test('grpc-encoding gzip: the handler gets the decompressed bytes', async (t) => {
    const { client, calls } = await setup(t, {}, { gzip: true });
    const body = Buffer.alloc(64 * 1024, 'otlp ');
    t.same(await client.call(ECHO, body), { ok: true, body });
    t.same(calls[0].body, body);
  });

  t.test('a message over the receive limit is refused with RESOURCE_EXHAUSTED, no RetryInfo', async (t) => {
    const { client, calls } = await setup(t, {}, { maxRecvMsgSizeBytes: 1000 });
    const outcome = await client.call(ECHO, Buffer.alloc(1001));
    t.match(outcome, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED });
    if (!outcome.ok) t.notMatch(decodeStatusDetails(outcome.metadata) ?? {}, { details: [{}] });
    t.equal(calls.length, 0, 'the handler never sees it');
    t.same(await client.call(ECHO, Buffer.alloc(1000)), { ok: true, body: Buffer.alloc(1000) }, 'the limit itself is fine');
  });

  t.test('a gzip message that inflates past the limit is refused with RESOURCE_EXHAUSTED', async (t) => {
    const { client, calls } = await setup(t, {}, { maxRecvMsgSizeBytes: 64 * 1024, gzip: true });
    const outcome = await client.call(ECHO, Buffer.alloc(4 * 1024 * 1024));
    t.match(outcome, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED });
    t.equal(calls.length, 0);
  });

  t.test('a failure reply carries code, message and grpc-status-details-bin with RetryInfo', async (t) => {
    const { client } = await setup(t, {
      [FAIL]: async () => ({
        status: { grpcCode: GrpcCode.UNAVAILABLE, message: 'upstream down: ünïcode', retryAfterMillis: 2500 },
      }),
    });
    const outcome = await client.call(FAIL, Buffer.from('x'));
    t.match(outcome, { ok: false, code: GrpcCode.UNAVAILABLE, details: 'upstream down: ünïcode' });
    if (outcome.ok) return;
    const status = decodeStatusDetails(outcome.metadata) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
    t.equal(status.code, GrpcCode.UNAVAILABLE);
    t.equal(status.message, 'upstream down: ünïcode');
    t.equal(status.details.length, 1);
    t.equal(status.details[0].type_url, 'type.googleapis.com/google.rpc.RetryInfo');
    const retryInfo = lookupType('google.rpc.RetryInfo');
    t.same(retryInfo.toObject(retryInfo.decode(status.details[0].value), { longs: Number }), {
      retryDelay: { seconds: 2, nanos: 500_000_000 },
    });
  });

  t.test('a failure without a retry delay has a status detail with no details', async (t) => {
    const { client } = await setup(t, {
      [FAIL]: async () => ({ status: { grpcCode: GrpcCode.INVALID_ARGUMENT, message: 'bad', retryAfterMillis: undefined } }),
    });
    const outcome = await client.call(FAIL, Buffer.from('x'));
    t.match(outcome, { ok: false, code: GrpcCode.INVALID_ARGUMENT, details: 'bad' });
    if (!outcome.ok) t.match(decodeStatusDetails(outcome.metadata), { code: GrpcCode.INVALID_ARGUMENT, message: 'bad', details: [] });
  });

  t.test('the memory bound: a message claims its size on its method until answered', async (t) => {
    const limiter = createInflightLimiter({ maxBytes: 1024 * 1024 });
    const claims: { method: string; bytes: number }[] = [];
    let heldInHandler = -1;
    const { client } = await setup(
      t,
      {
        [FAIL]: async (call) => {
          heldInHandler = limiter.inflightBytes;
          return { body: call.body };
        },
      },
      {
        admit: (method, bytes) => {
          claims.push({ method, bytes });
          return limiter.admit('traces', bytes);
        },
      },
    );
    const body = Buffer.alloc(5000, 1);
    t.same(await client.call(FAIL, body), { ok: true, body });
    t.same(claims, [{ method: FAIL, bytes: 5000 }]);
    t.equal(heldInHandler, 5000, 'held while the handler runs');
    t.equal(limiter.inflightBytes, 0, 'released once answered');
  });

  t.test('the memory bound: a refusal is RESOURCE_EXHAUSTED with RetryInfo, and the handler never runs', async (t) => {
    const limiter = createInflightLimiter({ maxBytes: 1000, retryAfterMillis: 3000 });
    const hog = limiter.admit('traces', 1000);
    const { client, calls } = await setup(t, {}, { admit: (_method, bytes) => limiter.admit('logs', bytes) });
    const outcome = await client.call(ECHO, Buffer.alloc(64 * 1024, 2));
    t.match(outcome, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED, details: /too much data in flight/ });
    if (outcome.ok) return;
    const status = decodeStatusDetails(outcome.metadata) as { details: { type_url: string }[] };
    t.equal(status.details[0]?.type_url, 'type.googleapis.com/google.rpc.RetryInfo', 'tells the client when to retry');
    t.equal(calls.length, 0);
    hog.release();
    t.equal(limiter.inflightBytes, 0, 'a refusal holds nothing');
    t.same(await client.call(ECHO, Buffer.from('x')), { ok: true, body: Buffer.from('x') }, 'and the next call is admitted');
  });

  t.test('the memory bound: a gzip message is claimed at least at its inflated size', async (t) => {
    const limiter = createInflightLimiter({ maxBytes: 16 * 1024 * 1024 });
    let heldInHandler = -1;
    const { client } = await setup(
      t,
      {
        [FAIL]: async (call) => {
          heldInHandler = limiter.inflightBytes;
          return { body: call.body.subarray(0, 1) };
        },
      },
      { gzip: true, admit: (_method, bytes) => limiter.admit('traces', bytes) },
    );
    const body = Buffer.alloc(256 * 1024, 'otlp ');
    t.match(await client.call(FAIL, body), { ok: true });
    t.ok(heldInHandler >= body.length, `${heldInHandler} ≥ ${body.length}`);
    t.equal(limiter.inflightBytes, 0);
  });

  t.test('the memory bound: a gzip message that inflates past it is refused, retryable', async (t) => {
    const limiter = createInflightLimiter({ maxBytes: 128 * 1024 });
    const { client, calls } = await setup(t, {}, { gzip: true, admit: (_method, bytes) => limiter.admit('traces', bytes) });
    const hog = limiter.admit('traces', 64 * 1024);
    const outcome = await client.call(ECHO, Buffer.alloc(512 * 1024, 'otlp '));
    t.match(outcome, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED, details: /too much data in flight/ });
    if (!outcome.ok) t.ok(decodeStatusDetails(outcome.metadata)?.details, 'with RetryInfo');
    t.equal(calls.length, 0);
    hog.release();
    t.equal(limiter.inflightBytes, 0);
  });

  t.test('a handler that rejects is answered INTERNAL', async (t) => {
    const { client } = await setup(t, {
      [FAIL]: () => Promise.reject(new Error('boom')),
    });
    t.match(await client.call(FAIL, Buffer.from('x')), { ok: false, code: GrpcCode.INTERNAL, details: /boom/ });
    const { client: other } = await setup(t, { [FAIL]: () => Promise.reject('a string') });
    t.match(await other.call(FAIL, Buffer.from('x')), { ok: false, code: GrpcCode.INTERNAL, details: /a string/ });
    const { client: sync } = await setup(t, {
      [FAIL]: () => {
        throw new Error('thrown synchronously');
      },
    });
    t.match(await sync.call(FAIL, Buffer.from('x')), { ok: false, code: GrpcCode.INTERNAL, details: /thrown synchronously/ });
  });

  t.test('a method without a route is UNIMPLEMENTED', async (t) => {
    const { client } = await setup(t);
    t.match(await client.call('/test.Echo/Missing', Buffer.from('x')), { ok: false, code: GrpcCode.UNIMPLEMENTED });
  });

  t.test('the client deadline reaches the handler; none means undefined', async (t) => {
    const { client, calls } = await setup(t);
    const deadline = Date.now() + 60_000;
    await client.call(ECHO, Buffer.from('x'), { deadline });
    await client.call(ECHO, Buffer.from('y'));
    // grpc-timeout is relative and whole milliseconds at best: equal up to transmission time.
    t.ok(Math.abs((calls[0].deadline as number) - deadline) < 5_000, `${calls[0].deadline} ≈ ${deadline}`);
    t.equal(calls[1].deadline, undefined);
    t.notOk(calls[0].abortSignal.aborted, 'a call that ended normally is not aborted');
  });

  t.test('an expiring deadline answers DEADLINE_EXCEEDED and aborts the handler', async (t) => {
    let release: (r: GrpcServerReply) => void = () => {};
    const { client, calls } = await setup(t, {
      [FAIL]: () => new Promise<GrpcServerReply>((resolve) => (release = resolve)),
    });
    const outcome = await client.call(FAIL, Buffer.from('x'), { deadline: Date.now() + 200 });
    t.match(outcome, { ok: false, code: GrpcCode.DEADLINE_EXCEEDED });
    const signal = calls[0].abortSignal;
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    t.equal((signal.reason as TaggerError).code, ErrorCode.DEADLINE);
    release({ body: Buffer.from('late') }); // dropped
  });

  t.test('a client cancel aborts the handler', async (t) => {
    let started: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    const { client, calls } = await setup(t, {
      [FAIL]: (call) =>
        new Promise<GrpcServerReply>((resolve) => {
          started();
          call.abortSignal.addEventListener('abort', () =>
            resolve({ status: { grpcCode: GrpcCode.CANCELLED, message: 'gone', retryAfterMillis: undefined } }),
          );
        }),
    });
    const { outcome, cancel } = client.start(FAIL, Buffer.from('x'));
    await inHandler;
    cancel();
    t.match(await outcome, { ok: false, code: GrpcCode.CANCELLED });
    const signal = calls[0].abortSignal;
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    t.equal((signal.reason as TaggerError).code, ErrorCode.CANCELLED);
  });

  t.test('32 concurrent calls on one connection each get their own answer', async (t) => {
    const { client } = await setup(t, {
      [FAIL]: async (call) => {
        await new Promise((resolve) => setImmediate(resolve));
        return { body: Buffer.concat([Buffer.from('re:'), call.body]) };
      },
    });
    const outcomes = await Promise.all(
      Array.from({ length: 32 }, (_, i) => client.call(FAIL, Buffer.from(`request ${i}`))),
    );
    t.same(
      outcomes,
      Array.from({ length: 32 }, (_, i) => ({ ok: true, body: Buffer.from(`re:request ${i}`) })),
    );
  });

  t.test('an unsupported grpc-encoding is UNIMPLEMENTED', async (t) => {
    const { address, calls } = await setup(t);
    const result = await rawHttp2Call(address, ECHO, { 'grpc-encoding': 'snappy' }, grpcFrame(Buffer.from('x'), true));
    t.equal(Number(result['grpc-status']), GrpcCode.UNIMPLEMENTED);
    t.equal(calls.length, 0);
  });

  t.test(
    'the UNIMPLEMENTED answer to an unsupported grpc-encoding lists grpc-accept-encoding',
    { todo: capabilities.acceptEncodingOnUnimplemented ? false : 'grpc-js sends a trailers-only response without grpc-accept-encoding' },
    async (t) => {
      const { address } = await setup(t);
      const result = await rawHttp2Call(address, ECHO, { 'grpc-encoding': 'snappy' }, grpcFrame(Buffer.from('x'), true));
      t.match(result['grpc-accept-encoding'], /gzip/);
    },
  );

  t.test('a gzip frame over bare HTTP/2 decodes like the identity one', async (t) => {
    const { address, calls } = await setup(t);
    const message = Buffer.from('hello otlp');
    const identity = await rawHttp2Call(address, ECHO, {}, grpcFrame(message, false));
    const gzipped = await rawHttp2Call(address, ECHO, { 'grpc-encoding': 'gzip' }, grpcFrame(zlib.gzipSync(message), true));
    t.equal(Number(identity['grpc-status']), GrpcCode.OK);
    t.equal(Number(gzipped['grpc-status']), GrpcCode.OK);
    t.same(calls.map((c) => c.body), [message, message]);
  });

  t.test('a corrupt gzip frame is refused and never reaches the handler', async (t) => {
    const { address, calls } = await setup(t);
    const result = await rawHttp2Call(address, ECHO, { 'grpc-encoding': 'gzip' }, grpcFrame(Buffer.from('not gzip'), true));
    t.not(Number(result['grpc-status']), GrpcCode.OK);
    t.equal(calls.length, 0);
  });

  t.test(
    'Compressed-Flag=1 without grpc-encoding fails with INTERNAL',
    {
      todo: capabilities.compressedFlagWithoutEncodingIsInternal
        ? false
        : 'grpc-js hands the still-compressed bytes to the handler (the consumer then answers INVALID_ARGUMENT)',
    },
    async (t) => {
      const { address } = await setup(t);
      const result = await rawHttp2Call(address, ECHO, {}, grpcFrame(zlib.gzipSync(Buffer.from('x')), true));
      t.equal(Number(result['grpc-status']), GrpcCode.INTERNAL);
    },
  );

  t.test('close() lets an in-flight call finish', async (t) => {
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const transport = factory({
      host: '127.0.0.1',
      port: 0,
      maxRecvMsgSizeBytes: 1024,
      routes: new Map([
        [
          ECHO,
          (call: GrpcServerCall) =>
            new Promise<GrpcServerReply>((resolve) => {
              entered();
              release = () => resolve({ body: call.body });
            }),
        ],
      ]),
    });
    const { host, port } = await transport.listen();
    const client = createRawGrpcClient(`${host}:${port}`);
    t.teardown(() => client.close());
    const outcome = client.call(ECHO, Buffer.from('in flight'));
    await inHandler;
    const closed = transport.close();
    release();
    t.same(await outcome, { ok: true, body: Buffer.from('in flight') });
    await closed;
    await transport.close(); // twice is fine
  });

  t.test('close() without listen() resolves', async () => {
    await factory({ host: '127.0.0.1', port: 0, maxRecvMsgSizeBytes: 1024, routes: new Map() }).close();
  });

  t.test('listen() rejects when the port is taken', async (t) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const transport = factory({ host: '127.0.0.1', port, maxRecvMsgSizeBytes: 1024, routes: new Map() });
    t.teardown(() => transport.close());
    await t.rejects(transport.listen());
  });
}
