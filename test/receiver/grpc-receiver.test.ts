/**
 * The OTLP/gRPC receiver as its clients see it: real OpenTelemetry JS SDK exporters and a raw
 * grpc-js client against a loopback server, with a scripted consumer behind it. The receiver
 * decides nothing about the payload: every status here comes from the consumer, except the
 * transport's own (size limit, unknown method, deadline, cancel).
 */
import net from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import t, { type Test } from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals } from '../../src/otlp/signal.js';
import { createGrpcReceiver, type GrpcReceiverOptions } from '../../src/receiver/grpc-receiver.js';
import type { GrpcServerTransportOptions } from '../../src/receiver/grpc-server-transport.js';
import { resourcesOf } from '../helpers/decoded.js';
import { createRawGrpcClient, type RawGrpcClient, type UnaryOutcome } from '../helpers/grpc-raw-client.js';
import { createRecordingConsumer, type RecordingConsumer } from '../helpers/recording-consumer.js';
import { createRecordingLogger, type RecordingLogger } from '../helpers/recording-logger.js';
import { decodeRequest, encodeRequest, lookupType, responseType } from '../helpers/reference-codec.js';
import { sendWithSdk } from '../helpers/sdk-clients.js';

interface Started {
  readonly address: string;
  readonly consumer: RecordingConsumer;
  readonly logger: RecordingLogger;
  readonly client: RawGrpcClient;
}

async function startReceiver(t: Test, options: Partial<GrpcReceiverOptions> = {}): Promise<Started> {
  const consumer = createRecordingConsumer();
  const logger = createRecordingLogger();
  const receiver = createGrpcReceiver({
    endpoint: '127.0.0.1:0',
    maxRecvMsgSizeBytes: 4 * 1024 * 1024,
    signals: allSignals,
    consumer,
    logger,
    ...options,
  });
  t.teardown(() => receiver.shutdown());
  const address = await receiver.start();
  const client = createRawGrpcClient(address);
  t.teardown(() => client.close());
  return { address, consumer, logger, client };
}

const TRACES = signals.traces.grpcMethod;

function traceRequest(spanName = 'span-1'): Buffer {
  return encodeRequest('traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: spanName }] }],
      },
    ],
  });
}

function statusDetails(outcome: UnaryOutcome): { code: number; message: string; details: { type_url: string; value: Uint8Array }[] } {
  if (outcome.ok) throw new Error('expected a failure');
  const [bin] = outcome.metadata.get('grpc-status-details-bin') as Buffer[];
  const Status = lookupType('google.rpc.Status');
  return Status.toObject(Status.decode(bin), { defaults: true }) as ReturnType<typeof statusDetails>;
}

function retryDelay(outcome: UnaryOutcome): { seconds: number; nanos: number } {
  const RetryInfo = lookupType('google.rpc.RetryInfo');
  const [detail] = statusDetails(outcome).details;
  return (RetryInfo.toObject(RetryInfo.decode(detail.value), { longs: Number, defaults: true }) as { retryDelay: { seconds: number; nanos: number } }).retryDelay;
}

t.test('SDK gRPC exporters: every signal arrives as the protobuf the SDK sent, gzip or not', async (t) => {
  for (const signal of allSignals) {
    for (const gzip of [false, true]) {
      const name = `${signal}-${gzip ? 'gzip' : 'identity'}`;
      const { address, consumer } = await startReceiver(t);
      const result = await sendWithSdk({ grpcAddress: address, httpUrl: 'http://unused' }, signal, {
        protocol: 'grpc',
        gzip,
        resource: { 'service.name': 'receiver-test', 'test.case': name },
        name,
      });
      t.equal(result.code, ExportResultCode.SUCCESS, `${name}: success`);
      // The metrics SDK exports once more on shutdown; the first request is the one sent.
      t.ok(consumer.requests.length >= 1, `${name}: arrived`);
      const request = consumer.requests[0];
      t.equal(request.signal, signal);
      t.same(request.headers, {}, `${name}: no headers forwarded by default`);
      t.type(request.deadline, 'number', `${name}: the SDK's timeout arrives as a deadline`);
      const [resource] = resourcesOf(signal, decodeRequest(signal, request.body));
      t.match(resource.attributes, { 'service.name': 'receiver-test', 'test.case': name }, `${name}: resource`);
      t.same(resource.items, [name], `${name}: the item`);
    }
  }
});

/** One export of one span straight through an SDK exporter (no processor), for its result. */
async function exportOneSpan(address: string): Promise<ExportResult> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('test').startSpan('span').end();
  const exporter = new OTLPTraceExporter({ url: `http://${address}`, timeoutMillis: 5000 });
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  } finally {
    await exporter.shutdown();
    await provider.shutdown();
  }
}

t.test('SDK gRPC exporter: the consumer error decides the export result', async (t) => {
  const { address, consumer } = await startReceiver(t);
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.DECODE, 'span 0: trace_id must be 16 bytes') });
  const invalid = await exportOneSpan(address);
  t.equal(invalid.code, ExportResultCode.FAILED);
  t.match(invalid.error, { code: GrpcCode.INVALID_ARGUMENT, details: 'span 0: trace_id must be 16 bytes' });

  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'tempo down', { retryAfterMillis: 10 }) });
  const unavailable = await exportOneSpan(address);
  t.equal(unavailable.code, ExportResultCode.FAILED, 'the JS gRPC exporter does not retry');
  t.match(unavailable.error, { code: GrpcCode.UNAVAILABLE });

  consumer.once({ kind: 'resolve', response: { partialSuccess: { rejected: '1', errorMessage: 'one span dropped' } } });
  t.equal((await exportOneSpan(address)).code, ExportResultCode.SUCCESS, 'a partial success is not retried');
  t.equal(consumer.requests.length, 3);
});

t.test('allow-listed metadata is forwarded, nothing else', async (t) => {
  const { address, consumer } = await startReceiver(t, { forwardHeaders: ['X-Scope-OrgID', 'authorization', 'absent'] });
  await sendWithSdk({ grpcAddress: address, httpUrl: 'http://unused' }, 'logs', {
    protocol: 'grpc',
    gzip: false,
    resource: {},
    name: 'log',
    headers: { 'x-scope-orgid': 'tenant-a', authorization: 'Bearer s3cret', 'x-other': 'dropped' },
  });
  t.same(consumer.requests[0].headers, { 'x-scope-orgid': 'tenant-a', authorization: 'Bearer s3cret' });
});

t.test('an empty request is handed on and answered OK with an empty response', async (t) => {
  const { client, consumer } = await startReceiver(t);
  t.same(await client.call(TRACES, Buffer.alloc(0)), { ok: true, body: Buffer.alloc(0) });
  t.same(consumer.requests[0].body, Buffer.alloc(0));
});

t.test('the payload reaches the consumer byte for byte, even when it is garbage', async (t) => {
  const { client, consumer } = await startReceiver(t);
  const body = Buffer.concat([traceRequest(), Buffer.from([0xff, 0xff])]);
  await client.call(TRACES, body);
  t.same(consumer.requests[0].body, body);
});

t.test('partial success: OK with partial_success set', async (t) => {
  const { client, consumer } = await startReceiver(t);
  consumer.setBehaviour({ kind: 'resolve', response: { partialSuccess: { rejected: '2', errorMessage: 'two spans had empty ids' } } });
  for (const signal of allSignals) {
    const outcome = await client.call(signals[signal].grpcMethod, Buffer.alloc(0));
    if (!outcome.ok) return t.fail('expected OK');
    const type = responseType(signal);
    t.same(type.toObject(type.decode(outcome.body), { longs: String }), {
      partialSuccess: { [signals[signal].rejectedKey]: '2', errorMessage: 'two spans had empty ids' },
    }, signal);
  }
});

t.test('consumer errors map to gRPC statuses with a google.rpc.Status trailer', async (t) => {
  const { client, consumer } = await startReceiver(t);

  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.DECODE, 'truncated varint at offset 3') });
  const invalid = await client.call(TRACES, traceRequest());
  t.match(invalid, { ok: false, code: GrpcCode.INVALID_ARGUMENT, details: 'truncated varint at offset 3' });
  t.same(statusDetails(invalid), { code: GrpcCode.INVALID_ARGUMENT, message: 'truncated varint at offset 3', details: [] });

  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'queue full', { retryAfterMillis: 1500 }) });
  const unavailable = await client.call(TRACES, traceRequest());
  t.match(unavailable, { ok: false, code: GrpcCode.UNAVAILABLE, details: 'queue full' });
  t.equal(statusDetails(unavailable).details[0].type_url, 'type.googleapis.com/google.rpc.RetryInfo');
  t.same(retryDelay(unavailable), { seconds: 1, nanos: 500_000_000 });

  consumer.once({
    kind: 'reject',
    error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'throttled', { grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryAfterMillis: 3000 }),
  });
  const throttled = await client.call(TRACES, traceRequest());
  t.match(throttled, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED });
  t.same(retryDelay(throttled), { seconds: 3, nanos: 0 }, 'recoverable exhaustion carries RetryInfo');

  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.TOO_LARGE, 'too big for upstream') });
  const tooLarge = await client.call(TRACES, traceRequest());
  t.match(tooLarge, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED });
  t.same(statusDetails(tooLarge).details, [], 'permanent exhaustion: no RetryInfo');

  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'no tenant', { grpcCode: GrpcCode.UNAUTHENTICATED }) });
  t.match(await client.call(TRACES, traceRequest()), { ok: false, code: GrpcCode.UNAUTHENTICATED, details: 'no tenant' });

  consumer.once({ kind: 'reject', error: new TypeError('cannot read properties of undefined') });
  t.match(await client.call(TRACES, traceRequest()), {
    ok: false,
    code: GrpcCode.INTERNAL,
    details: 'internal error: cannot read properties of undefined',
  });
});

t.test('a message over maxRecvMsgSizeBytes is RESOURCE_EXHAUSTED and never reaches the consumer', async (t) => {
  const { address, client, consumer } = await startReceiver(t, { maxRecvMsgSizeBytes: 1024 });
  const big = traceRequest('x'.repeat(2000));
  const outcome = await client.call(TRACES, big);
  t.match(outcome, { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED });
  const gzipClient = createRawGrpcClient(address, { gzip: true });
  t.teardown(() => gzipClient.close());
  t.match(await gzipClient.call(TRACES, big), { ok: false, code: GrpcCode.RESOURCE_EXHAUSTED }, 'also after decompression');
  t.equal(consumer.requests.length, 0);
});

t.test('a signal that is not enabled is UNIMPLEMENTED', async (t) => {
  const { client, consumer } = await startReceiver(t, { signals: ['traces'] });
  t.match(await client.call(signals.logs.grpcMethod, Buffer.alloc(0)), { ok: false, code: GrpcCode.UNIMPLEMENTED });
  t.match(await client.call(signals.metrics.grpcMethod, Buffer.alloc(0)), { ok: false, code: GrpcCode.UNIMPLEMENTED });
  t.match(await client.call(TRACES, Buffer.alloc(0)), { ok: true });
  t.equal(consumer.requests.length, 1);
});

t.test('the client deadline reaches the consumer', async (t) => {
  const { client, consumer } = await startReceiver(t);
  const deadline = Date.now() + 30_000;
  await client.call(TRACES, traceRequest(), { deadline });
  await client.call(TRACES, traceRequest());
  const seen = consumer.requests[0].deadline as number;
  t.ok(Math.abs(seen - deadline) < 5_000, `${seen} ≈ ${deadline}`);
  t.equal(consumer.requests[1].deadline, undefined);
});

t.test('a client cancel aborts the consumer', async (t) => {
  const { client, consumer } = await startReceiver(t);
  consumer.setBehaviour({ kind: 'hang' });
  const { outcome, cancel } = client.start(TRACES, traceRequest());
  await consumer.request(0);
  cancel();
  t.match(await outcome, { ok: false, code: GrpcCode.CANCELLED });
  const aborted = await consumer.aborted(0);
  t.match(aborted.abortSignal.reason, { code: ErrorCode.CANCELLED });
});

t.test('an expired deadline answers DEADLINE_EXCEEDED and aborts the consumer', async (t) => {
  const { client, consumer } = await startReceiver(t);
  consumer.setBehaviour({ kind: 'hang' });
  const outcome = await client.call(TRACES, traceRequest(), { deadline: Date.now() + 200 });
  t.match(outcome, { ok: false, code: GrpcCode.DEADLINE_EXCEEDED });
  const aborted = await consumer.aborted(0);
  t.match(aborted.abortSignal.reason, { code: ErrorCode.DEADLINE });
});

t.test('failures are logged with their stable code: client errors at debug, retryable and bugs at warn', async (t) => {
  const { client, consumer, logger } = await startReceiver(t);
  await client.call(TRACES, traceRequest());
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.DECODE, 'bad') });
  await client.call(TRACES, traceRequest());
  consumer.once({ kind: 'reject', error: new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'down') });
  await client.call(signals.logs.grpcMethod, Buffer.alloc(0));
  consumer.once({ kind: 'reject', error: new Error('bug') });
  await client.call(TRACES, traceRequest());
  t.same(
    logger.records.map((r) => [r.level, r.fields.code, r.fields.signal]),
    [
      ['info', undefined, undefined],
      ['debug', ErrorCode.DECODE, 'traces'],
      ['warn', ErrorCode.UPSTREAM_UNAVAILABLE, 'logs'],
      ['warn', ErrorCode.INTERNAL, 'traces'],
    ],
    'one line at start, then one per failure, none per success',
  );
});

t.test('start() reports the bound address; bad endpoints and busy ports are CONFIG errors', async (t) => {
  const { address } = await startReceiver(t);
  t.match(address, /^127\.0\.0\.1:\d+$/);
  t.not(address, '127.0.0.1:0');

  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const busy = createGrpcReceiver({
    endpoint: `127.0.0.1:${(blocker.address() as net.AddressInfo).port}`,
    maxRecvMsgSizeBytes: 1024,
    signals: allSignals,
    consumer: createRecordingConsumer(),
    logger: createRecordingLogger(),
  });
  t.teardown(() => busy.shutdown());
  await t.rejects(busy.start(), { code: ErrorCode.CONFIG, message: /cannot listen on 127\.0\.0\.1:\d+/ });

  const bad = createGrpcReceiver({ endpoint: 'localhost', maxRecvMsgSizeBytes: 1, signals: [], consumer: createRecordingConsumer(), logger: createRecordingLogger() });
  await t.rejects(bad.start(), { code: ErrorCode.CONFIG });
  await bad.shutdown();
});

t.test('shutdown() is safe without start() and twice', async () => {
  const receiver = createGrpcReceiver({ endpoint: '127.0.0.1:0', maxRecvMsgSizeBytes: 1, signals: [], consumer: createRecordingConsumer(), logger: createRecordingLogger() });
  await receiver.shutdown();
  await receiver.start();
  await receiver.shutdown();
  await receiver.shutdown();
});

t.test('the transport is pluggable: routes, limit and address come from the receiver', async (t) => {
  let seen: GrpcServerTransportOptions | undefined;
  let closed = 0;
  const receiver = createGrpcReceiver({
    endpoint: '[::1]:4317',
    maxRecvMsgSizeBytes: 12345,
    signals: ['logs', 'metrics'],
    consumer: createRecordingConsumer(),
    logger: createRecordingLogger(),
    transport: (options) => {
      seen = options;
      return { listen: async () => ({ host: options.host, port: 9 }), close: async () => void closed++ };
    },
  });
  t.equal(await receiver.start(), '[::1]:9');
  t.match(seen, { host: '::1', port: 4317, maxRecvMsgSizeBytes: 12345 });
  t.same([...(seen?.routes.keys() ?? [])], [signals.logs.grpcMethod, signals.metrics.grpcMethod]);
  const reply = await seen?.routes.get(signals.logs.grpcMethod)?.({
    body: Buffer.alloc(0),
    metadata: {},
    deadline: undefined,
    abortSignal: new AbortController().signal,
  });
  t.same(reply, { body: Buffer.alloc(0) });
  await receiver.shutdown();
  t.equal(closed, 1);
});

