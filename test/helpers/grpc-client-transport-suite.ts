/**
 * The GrpcClientTransport contract as one suite, run against every implementation (grpc-js now,
 * node:http2 later) by test/exporter/<impl>-client-transport.test.ts. The peer is a real grpc-js
 * upstream (test/helpers/upstream-grpc.ts).
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import type {
  GrpcClientTransport,
  GrpcClientTransportFactory,
  GrpcClientTransportOptions,
  GrpcUnaryResult,
} from '../../src/exporter/grpc-client-transport.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { signals } from '../../src/otlp/signal.js';
import { sampleBody } from './sample-requests.js';
import { decodeRequest, lookupType } from './reference-codec.js';
import { loadTestPki, opensslMissingReason } from './test-pki.js';
import { unusedPort } from './unused-port.js';
import { encodePartialSuccess, startGrpcUpstream } from './upstream-grpc.js';

const TRACES = signals.traces.grpcMethod;
const never = new AbortController().signal;
const noCall = { metadata: {}, deadline: undefined, abortSignal: never } as const;

type Failure = Exclude<GrpcUnaryResult, { body: Buffer }>;

function failureOf(t: Test, result: GrpcUnaryResult): Failure {
  if ('body' in result) {
    t.fail('expected a failure status, got OK');
    return { code: -1, message: '' };
  }
  return result;
}

export function runGrpcClientTransportSuite(t: Test, factory: GrpcClientTransportFactory): void {
  const open = (t: Test, address: string, overrides: Partial<GrpcClientTransportOptions> = {}): GrpcClientTransport => {
    const transport = factory({
      address,
      tls: undefined,
      compression: 'none',
      maxSendMessageBytes: 64 * 1024 * 1024,
      maxReceiveMessageBytes: 4 * 1024 * 1024,
      userAgent: 'transport-suite/1.0',
      ...overrides,
    });
    t.teardown(() => transport.close());
    return transport;
  };

  t.test('sends the bytes as given and returns the response bytes', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply({ kind: 'ok', partialSuccess: { rejected: 2, errorMessage: 'two dropped' } });
    const body = sampleBody('traces', { items: 3 });
    const result = await open(t, upstream.address).unary(TRACES, body, { ...noCall, metadata: { 'x-scope-orgid': 'tenant-1' } });
    t.same(result, { body: encodePartialSuccess('traces', { rejected: 2, errorMessage: 'two dropped' }) });
    t.ok(upstream.requests[0].body.equals(body), 'identical bytes upstream');
    t.equal(upstream.requests[0].metadata['x-scope-orgid'], 'tenant-1');
    t.match(upstream.requests[0].metadata['user-agent'], /^transport-suite\/1\.0/);
    t.equal(upstream.requests[0].deadline, undefined, 'no deadline, no grpc-timeout');
  });

  t.test('an empty OK response is an empty body', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const result = await open(t, upstream.address).unary(TRACES, sampleBody('traces'), noCall);
    t.same(result, { body: Buffer.alloc(0) });
  });

  t.test('gzip compresses on the wire; none does not', async (t) => {
    const body = sampleBody('logs', { items: 300 });
    for (const compression of ['gzip', 'none'] as const) {
      const upstream = await startGrpcUpstream(t);
      const result = await open(t, upstream.address, { compression }).unary(signals.logs.grpcMethod, body, noCall);
      t.ok('body' in result, `${compression}: delivered`);
      t.same(upstream.requests[0].decoded, decodeRequest('logs', body), `${compression}: same request upstream`);
      const wire = upstream.bytesReceived();
      if (compression === 'gzip') t.ok(wire < body.length / 4, `gzip: ${wire} wire bytes for a ${body.length}-byte body`);
      else t.ok(wire > body.length, `none: ${wire} wire bytes for a ${body.length}-byte body`);
    }
  });

  t.test('a failure status comes back with its message and grpc-status-details-bin', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply(
      { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'rate limited', retryDelayMillis: 2500 },
      { kind: 'status', code: GrpcCode.INVALID_ARGUMENT, message: 'bad trace id' },
    );
    const transport = open(t, upstream.address);
    const first = failureOf(t, await transport.unary(TRACES, sampleBody('traces'), noCall));
    t.equal(first.code, GrpcCode.RESOURCE_EXHAUSTED);
    t.equal(first.message, 'rate limited');
    const status = lookupType('google.rpc.Status').decode(first.details as Buffer) as unknown as { details: { type_url: string }[] };
    t.equal(status.details[0].type_url, 'type.googleapis.com/google.rpc.RetryInfo');
    const second = failureOf(t, await transport.unary(TRACES, sampleBody('traces'), noCall));
    t.same({ code: second.code, message: second.message, details: second.details }, {
      code: GrpcCode.INVALID_ARGUMENT,
      message: 'bad trace id',
      details: undefined,
    });
  });

  t.test('an answer before the request was read (Trailers-Only, then RST_STREAM NO_ERROR) settles the call', async (t) => {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.once('data', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(GrpcCode.RESOURCE_EXHAUSTED), 'grpc-message': 'busy' }, { endStream: true });
        stream.close(http2.constants.NGHTTP2_NO_ERROR);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const transport = open(t, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    const result = failureOf(t, await transport.unary(TRACES, Buffer.alloc(8 * 1024 * 1024), { ...noCall, deadline: Date.now() + 20_000 }));
    t.same({ code: result.code, message: result.message }, { code: GrpcCode.RESOURCE_EXHAUSTED, message: 'busy' }, 'the answer, not the deadline');
  });

  t.test('the deadline travels as grpc-timeout and ends the call DEADLINE_EXCEEDED', async (t) => {
    const upstream = await startGrpcUpstream(t);
    // Short deadlines hang, long ones are answered, whichever request arrives first.
    upstream.respondWith((r) => (r.deadline !== undefined && r.deadline < Date.now() + 10_000 ? { kind: 'hang' } : { kind: 'ok' }));
    const transport = open(t, upstream.address);
    const result = await transport.unary(TRACES, sampleBody('traces'), { ...noCall, deadline: Date.now() + 150 });
    t.equal(failureOf(t, result).code, GrpcCode.DEADLINE_EXCEEDED);
    const deadline = Date.now() + 60_000;
    t.ok('body' in (await transport.unary(TRACES, sampleBody('traces'), { ...noCall, deadline })));
    const seen = upstream.requests.at(-1)?.deadline as number;
    t.ok(seen > Date.now() && seen <= deadline + 1000, 'the upstream knows the deadline (to grpc-timeout precision)');
  });

  t.test('aborting cancels the call', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply({ kind: 'hang' });
    const controller = new AbortController();
    const pending = open(t, upstream.address).unary(TRACES, sampleBody('traces'), { ...noCall, abortSignal: controller.signal });
    await upstream.waitForRequests(1);
    controller.abort();
    t.equal(failureOf(t, await pending).code, GrpcCode.CANCELLED);
  });

  t.test('an already aborted signal cancels at once', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const controller = new AbortController();
    controller.abort();
    const result = await open(t, upstream.address).unary(TRACES, sampleBody('traces'), { ...noCall, abortSignal: controller.signal });
    t.equal(failureOf(t, result).code, GrpcCode.CANCELLED);
  });

  t.test('nothing listening: UNAVAILABLE', async (t) => {
    const port = await unusedPort();
    const result = await open(t, `127.0.0.1:${port}`).unary(TRACES, sampleBody('traces'), noCall);
    t.equal(failureOf(t, result).code, GrpcCode.UNAVAILABLE);
  });

  t.test('the connection dropped mid-call: UNAVAILABLE', async (t) => {
    const upstream = await startGrpcUpstream(t);
    upstream.reply({ kind: 'close' });
    const result = await open(t, upstream.address).unary(TRACES, sampleBody('traces'), noCall);
    t.equal(failureOf(t, result).code, GrpcCode.UNAVAILABLE);
  });

  t.test('message size limits: RESOURCE_EXHAUSTED, an oversize request is never sent', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const body = sampleBody('traces', { items: 50 });
    const small = open(t, upstream.address, { maxSendMessageBytes: 1024 });
    t.equal(failureOf(t, await small.unary(TRACES, body, noCall)).code, GrpcCode.RESOURCE_EXHAUSTED);
    t.equal(upstream.requests.length, 0);
    upstream.reply({ kind: 'ok', partialSuccess: { rejected: 1, errorMessage: 'x'.repeat(2000) } });
    const tight = open(t, upstream.address, { maxReceiveMessageBytes: 1024 });
    t.equal(failureOf(t, await tight.unary(TRACES, sampleBody('traces'), noCall)).code, GrpcCode.RESOURCE_EXHAUSTED);
  });

  t.test('never rejects: unusable metadata and a closed transport are statuses', async (t) => {
    const upstream = await startGrpcUpstream(t);
    const transport = open(t, upstream.address);
    const bad = await transport.unary(TRACES, sampleBody('traces'), { ...noCall, metadata: { 'Not A Key': 'v' } });
    t.not(failureOf(t, bad).code, GrpcCode.OK);
    transport.close();
    const closed = await transport.unary(TRACES, sampleBody('traces'), noCall);
    t.not(failureOf(t, closed).code, GrpcCode.OK);
    t.equal(upstream.requests.length, 0);
  });

  const pki = loadTestPki();
  t.test('TLS', { skip: pki === undefined ? opensslMissingReason : false }, async (t) => {
    if (pki === undefined) return;
    const tlsBase = { insecureSkipVerify: false };
    const ok = (result: GrpcUnaryResult): boolean => 'body' in result;

    t.test('server verified against the given CA', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { key: pki.server.key, cert: pki.server.cert } });
      t.ok(ok(await open(t, upstream.address, { tls: { ...tlsBase, ca: pki.ca.cert } }).unary(TRACES, sampleBody('traces'), noCall)));
    });

    t.test('mTLS: the client certificate is presented', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { key: pki.server.key, cert: pki.server.cert, clientCa: pki.ca.cert } });
      const withCert = open(t, upstream.address, { tls: { ...tlsBase, ca: pki.ca.cert, key: pki.client.key, cert: pki.client.cert } });
      t.ok(ok(await withCert.unary(TRACES, sampleBody('traces'), noCall)), 'with a client certificate');
      const without = open(t, upstream.address, { tls: { ...tlsBase, ca: pki.ca.cert } });
      t.equal(failureOf(t, await without.unary(TRACES, sampleBody('traces'), noCall)).code, GrpcCode.UNAVAILABLE, 'without one');
    });

    t.test('an untrusted server fails UNAVAILABLE unless verification is skipped', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { key: pki.untrustedServer.key, cert: pki.untrustedServer.cert } });
      const strict = open(t, upstream.address, { tls: { ...tlsBase, ca: pki.ca.cert } });
      t.equal(failureOf(t, await strict.unary(TRACES, sampleBody('traces'), noCall)).code, GrpcCode.UNAVAILABLE);
      const lax = open(t, upstream.address, { tls: { insecureSkipVerify: true } });
      t.ok(ok(await lax.unary(TRACES, sampleBody('traces'), noCall)), 'insecureSkipVerify');
      t.equal(upstream.requests.length, 1);
    });

    t.test('insecureSkipVerify skips the name check too', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { key: pki.server.key, cert: pki.server.cert } });
      const lax = open(t, upstream.address, { tls: { ca: pki.ca.cert, serverName: 'wrong.test', insecureSkipVerify: true } });
      t.ok(ok(await lax.unary(TRACES, sampleBody('traces'), noCall)));
    });

    t.test('serverName replaces the host in the certificate check', async (t) => {
      const upstream = await startGrpcUpstream(t, { tls: { key: pki.server.key, cert: pki.server.cert } });
      const right = open(t, upstream.address, { tls: { ...tlsBase, ca: pki.ca.cert, serverName: 'upstream.test' } });
      t.ok(ok(await right.unary(TRACES, sampleBody('traces'), noCall)), 'a name in the certificate');
      const wrong = open(t, upstream.address, { tls: { ...tlsBase, ca: pki.ca.cert, serverName: 'wrong.test' } });
      t.equal(failureOf(t, await wrong.unary(TRACES, sampleBody('traces'), noCall)).code, GrpcCode.UNAVAILABLE, 'a name not in it');
    });
  });
}
