/**
 * What a client sees when things go wrong, through the whole service: the upstream's outcome is
 * mapped back faithfully (retryable stays retryable with its delay, permanent stays permanent,
 * partial success passes through), and bad input is refused without being forwarded.
 */
import type { Metadata } from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { decodeRpcStatus } from '../../src/otlp/rpc-status.js';
import { signals, type Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRawGrpcClient, type UnaryOutcome } from '../helpers/grpc-raw-client.js';
import { decodeRequest, lookupType, responseType } from '../helpers/reference-codec.js';
import { ExportResultCode, sendWithSdk } from '../helpers/sdk-clients.js';
import { otlpExporter, startTagger, type StartedTagger } from '../helpers/start-tagger.js';
import { unusedPort } from '../helpers/unused-port.js';
import { startGrpcUpstream, type GrpcUpstream } from '../helpers/upstream-grpc.js';
import { startHttpUpstream, type HttpUpstream } from '../helpers/upstream-http.js';

const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });

async function taggerInFrontOfGrpc(t: Test): Promise<{ tagger: StartedTagger; upstream: GrpcUpstream }> {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    tags: { env: 'uat' },
    exporter: otlpExporter('grpc', same(upstream.url), { timeoutMillis: 2000 }),
  });
  return { tagger, upstream };
}

async function taggerInFrontOfHttp(t: Test): Promise<{ tagger: StartedTagger; upstream: HttpUpstream }> {
  const upstream = await startHttpUpstream(t);
  const tagger = await startTagger(t, {
    tags: { env: 'uat' },
    exporter: otlpExporter('http/protobuf', upstream.endpoints, { timeoutMillis: 2000 }),
  });
  return { tagger, upstream };
}

function postProtobuf(tagger: StartedTagger, body: Buffer, path = '/v1/traces', type = 'application/x-protobuf'): Promise<Response> {
  return fetch(`${tagger.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
}

function grpcExport(t: Test, tagger: StartedTagger, body: Buffer, signal: Signal = 'traces'): Promise<UnaryOutcome> {
  const client = createRawGrpcClient(tagger.grpcAddress);
  t.teardown(() => client.close());
  return client.call(signals[signal].grpcMethod, body);
}

function retryDelayOf(metadata: Metadata): number | undefined {
  const [details] = metadata.get('grpc-status-details-bin');
  return details === undefined ? undefined : decodeRpcStatus(details as Buffer)?.retryAfterMillis;
}

async function statusBody(response: Response): Promise<{ code: number; message: string }> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const status = lookupType('google.rpc.Status');
  return status.toObject(status.decode(bytes), { defaults: true }) as { code: number; message: string };
}

t.test('upstream down: retryable for every kind of client', async (t) => {
  const port = await unusedPort();
  const url = `http://127.0.0.1:${port}`;
  const tagger = await startTagger(t, { exporter: otlpExporter('grpc', same(url), { timeoutMillis: 2000 }) });

  const http = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(http.status, 503, 'HTTP client: 503, which OTLP clients retry');
  t.match((await statusBody(http)).message, /upstream/i, 'the Status body says why');

  const grpc = await grpcExport(t, tagger, buildRequest('traces'));
  t.equal(grpc.ok ? 0 : grpc.code, GrpcCode.UNAVAILABLE, 'gRPC client: UNAVAILABLE');

  const sdk = await sendWithSdk(tagger, 'traces', { protocol: 'http/protobuf', gzip: false, name: 'x', resource: {} });
  t.equal(sdk.code, ExportResultCode.FAILED, 'the SDK hears a failure, not a success');
});

t.test('upstream 400: permanent for every kind of client', async (t) => {
  const { tagger, upstream } = await taggerInFrontOfHttp(t);
  upstream.respondWith(() => ({ kind: 'status', status: 400, message: 'trace ids must be 128 bit' }));
  const http = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(http.status, 400, 'HTTP client: 400');
  t.match((await statusBody(http)).message, /128 bit/, "the upstream's message is passed on");
  const grpc = await grpcExport(t, tagger, buildRequest('traces'));
  t.equal(grpc.ok ? 0 : grpc.code, GrpcCode.INVALID_ARGUMENT, 'gRPC client: INVALID_ARGUMENT');
});

t.test('upstream 503 with Retry-After: the delay reaches the client', async (t) => {
  const { tagger, upstream } = await taggerInFrontOfHttp(t);
  upstream.respondWith(() => ({ kind: 'status', status: 503, message: 'busy', retryAfter: '7' }));
  const http = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(http.status, 503);
  t.equal(http.headers.get('retry-after'), '7', 'HTTP client: Retry-After: 7');
  const grpc = await grpcExport(t, tagger, buildRequest('traces'));
  t.equal(grpc.ok ? 0 : grpc.code, GrpcCode.UNAVAILABLE, 'gRPC client: UNAVAILABLE');
  t.equal(grpc.ok ? undefined : retryDelayOf(grpc.metadata), 7000, 'gRPC client: RetryInfo of 7 s');
});

t.test('gRPC upstream UNAVAILABLE and RESOURCE_EXHAUSTED', async (t) => {
  const { tagger, upstream } = await taggerInFrontOfGrpc(t);
  upstream.reply(
    { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'ingester down' },
    { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'ingester down' },
    { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'RATE_LIMITED', retryDelayMillis: 3000 },
    { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'RATE_LIMITED', retryDelayMillis: 3000 },
    { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'message too large' },
  );
  t.equal((await postProtobuf(tagger, buildRequest('traces'))).status, 503, 'UNAVAILABLE → HTTP 503');
  const unavailable = await grpcExport(t, tagger, buildRequest('traces'));
  t.equal(unavailable.ok ? 0 : unavailable.code, GrpcCode.UNAVAILABLE, 'UNAVAILABLE → gRPC UNAVAILABLE');

  const throttledHttp = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(throttledHttp.status, 429, 'RESOURCE_EXHAUSTED with RetryInfo → HTTP 429');
  t.equal(throttledHttp.headers.get('retry-after'), '3', '…with Retry-After: 3');
  const throttledGrpc = await grpcExport(t, tagger, buildRequest('traces'));
  t.equal(throttledGrpc.ok ? 0 : throttledGrpc.code, GrpcCode.RESOURCE_EXHAUSTED);
  t.equal(throttledGrpc.ok ? undefined : retryDelayOf(throttledGrpc.metadata), 3000, '…with RetryInfo of 3 s');

  const tooLarge = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(tooLarge.status, 413, 'RESOURCE_EXHAUSTED without RetryInfo is permanent: 413, never a retryable 429');
});

t.test('partial success passes through, in each encoding', async (t) => {
  const { tagger, upstream } = await taggerInFrontOfGrpc(t);
  upstream.respondWith(() => ({ kind: 'ok', partialSuccess: { rejected: 2, errorMessage: 'two spans had no ids' } }));

  const json = await fetch(`${tagger.httpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-client' } }] },
          scopeSpans: [{ spans: [{ traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'EEE19B7EC3C1B174', name: 'j' }] }],
        },
      ],
    }),
  });
  t.equal(json.status, 200);
  t.equal(json.headers.get('content-type')?.split(';')[0], 'application/json');
  t.same(await json.json(), { partialSuccess: { rejectedSpans: '2', errorMessage: 'two spans had no ids' } });

  const proto = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(proto.status, 200);
  const decoded = responseType('traces').decode(Buffer.from(await proto.arrayBuffer())).toJSON();
  t.same(decoded, { partialSuccess: { rejectedSpans: '2', errorMessage: 'two spans had no ids' } });

  const grpc = await grpcExport(t, tagger, buildRequest('traces'));
  t.ok(grpc.ok, 'gRPC: OK');
  t.same(grpc.ok ? responseType('traces').decode(grpc.body).toJSON() : undefined, {
    partialSuccess: { rejectedSpans: '2', errorMessage: 'two spans had no ids' },
  });
  const forwarded = decodeRequest('traces', upstream.requests[0].body) as { resourceSpans: unknown[] };
  t.equal(forwarded.resourceSpans.length, 1, 'the JSON request was forwarded as protobuf');
});

t.test('bad input is refused and never forwarded', async (t) => {
  const { tagger, upstream } = await taggerInFrontOfGrpc(t);
  const valid = buildRequest('traces', { items: ['a', 'b'] });
  const truncated = valid.subarray(0, valid.length - 3);

  const http = await postProtobuf(tagger, truncated);
  t.equal(http.status, 400, 'truncated protobuf over HTTP: 400');
  t.match((await statusBody(http)).message, /./, 'with a message');
  const grpc = await grpcExport(t, tagger, truncated);
  t.equal(grpc.ok ? 0 : grpc.code, GrpcCode.INVALID_ARGUMENT, 'truncated protobuf over gRPC: INVALID_ARGUMENT');

  const badJson = await postProtobuf(tagger, Buffer.from('{"resourceSpans": [ {'), '/v1/traces', 'application/json');
  t.equal(badJson.status, 400, 'malformed JSON: 400');
  t.equal(badJson.headers.get('content-type')?.split(';')[0], 'application/json', 'answered in JSON');
  t.match(await badJson.json(), { code: GrpcCode.INVALID_ARGUMENT, message: String }, 'a google.rpc.Status');

  const wrongType = await postProtobuf(tagger, valid, '/v1/traces', 'text/plain');
  t.equal(wrongType.status, 415, 'wrong content type: 415');

  t.equal(upstream.requests.length, 0, 'nothing reached the upstream');
});

t.test('oversize requests are refused with the right status', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    maxRecvMsgSizeBytes: 64 * 1024,
    maxRequestBodyBytes: 64 * 1024,
    exporter: otlpExporter('grpc', same(upstream.url)),
  });
  const big = buildRequest('traces', { resource: { pad: 'x'.repeat(100 * 1024) } });
  const http = await postProtobuf(tagger, big);
  t.equal(http.status, 413, 'HTTP: 413');
  const grpc = await grpcExport(t, tagger, big);
  t.equal(grpc.ok ? 0 : grpc.code, GrpcCode.RESOURCE_EXHAUSTED, 'gRPC: RESOURCE_EXHAUSTED');
  t.equal(upstream.requests.length, 0, 'nothing reached the upstream');
});

t.test('a signal that is not enabled is UNIMPLEMENTED / 404', async (t) => {
  const tagger = await startTagger(t, { pipelines: { logs: false } });
  const grpc = await grpcExport(t, tagger, buildRequest('logs'), 'logs');
  t.equal(grpc.ok ? 0 : grpc.code, GrpcCode.UNIMPLEMENTED);
  const http = await postProtobuf(tagger, buildRequest('logs'), '/v1/logs');
  t.equal(http.status, 404);
  const traces = await postProtobuf(tagger, buildRequest('traces'));
  t.equal(traces.status, 200, 'the other signals still work');
  t.match(tagger.printed.join('\n'), /traces: 1 resource/, 'the debug exporter printed the request');
});
