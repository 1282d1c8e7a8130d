import t from 'tap';
import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { interpretHttpAnswer } from '../../src/exporter/http-answer.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../src/otlp/status.js';
import { encodePartialSuccess, encodeStatus } from '../helpers/upstream-grpc.js';

const MiB = 1024 * 1024;
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

function answer(status: number, headers: IncomingHttpHeaders, body: string | Buffer = '') {
  return { status, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

async function failure(pending: Promise<unknown>): Promise<TaggerError> {
  return pending.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as TaggerError,
  );
}

t.test('2xx: the partial success per the answer Content-Type', async (t) => {
  const partial = { partialSuccess: { rejected: '4', errorMessage: 'bad spans' } };
  t.same(await interpretHttpAnswer('traces', answer(200, PROTOBUF, encodePartialSuccess('traces', { rejected: 4, errorMessage: 'bad spans' })), MiB), partial);
  const json = JSON.stringify({ partialSuccess: { rejectedSpans: '4', errorMessage: 'bad spans' } });
  t.same(await interpretHttpAnswer('traces', answer(200, JSON_TYPE, json), MiB), partial);
  const charset = { 'content-type': 'Application/JSON; charset=utf-8' };
  t.same(await interpretHttpAnswer('logs', answer(200, charset, '{"partialSuccess":{"rejectedLogRecords":2}}'), MiB), {
    partialSuccess: { rejected: '2', errorMessage: '' },
  }, 'media type parameters and case are ignored; counts may be numbers');
  t.same(await interpretHttpAnswer('traces', answer(202, PROTOBUF), MiB), {}, 'an empty body is full success');
  t.same(await interpretHttpAnswer('traces', answer(200, JSON_TYPE, '{}'), MiB), {});
  t.same(await interpretHttpAnswer('traces', answer(200, { 'content-type': 'text/plain' }, 'OK'), MiB), {}, 'other media types: body ignored (Collector parity)');
  t.same(await interpretHttpAnswer('traces', answer(200, {}, 'OK'), MiB), {}, 'no Content-Type: body ignored');
  const gzipped = zlib.gzipSync(encodePartialSuccess('metrics', { rejected: 1, errorMessage: 'x' }));
  t.same(await interpretHttpAnswer('metrics', answer(200, { ...PROTOBUF, 'content-encoding': 'gzip' }, gzipped), MiB), {
    partialSuccess: { rejected: '1', errorMessage: 'x' },
  }, 'a gzipped answer is inflated');
});

t.test('2xx with a body that does not parse: permanent (Collector parity)', async (t) => {
  const cases = [
    answer(200, PROTOBUF, Buffer.from([0x0a, 0x09, 0x08])),
    answer(200, JSON_TYPE, '{"partialSuccess":'),
    answer(200, { ...PROTOBUF, 'content-encoding': 'gzip' }, 'not gzip'),
  ];
  for (const bad of cases) {
    const err = await failure(interpretHttpAnswer('traces', bad, MiB));
    t.equal(err.code, ErrorCode.UPSTREAM_REJECTED);
    t.equal(clientStatusOf(err).retryable, false);
    t.match(err.message, /unusable upstream response/);
  }
});

t.test('error statuses: message from the Status body, retryability from the status', async (t) => {
  const rows = [
    { note: 'protobuf Status', a: answer(400, PROTOBUF, encodeStatus(3, 'trace ids must be 128 bit')), message: 'trace ids must be 128 bit', grpcCode: GrpcCode.INVALID_ARGUMENT, retryable: false },
    { note: 'JSON Status', a: answer(400, JSON_TYPE, '{"code":3,"message":"bad json"}'), message: 'bad json', grpcCode: GrpcCode.INVALID_ARGUMENT, retryable: false },
    { note: 'text body', a: answer(500, { 'content-type': 'text/plain; charset=utf-8' }, ' boom \n'), message: 'boom', grpcCode: GrpcCode.INTERNAL, retryable: false },
    { note: 'no body: the reason phrase', a: answer(404, {}), message: 'Not Found', grpcCode: GrpcCode.UNIMPLEMENTED, retryable: false },
    { note: 'unknown status without body', a: answer(599, {}), message: 'unknown status', grpcCode: GrpcCode.INTERNAL, retryable: false },
    { note: 'binary body of another type', a: answer(401, { 'content-type': 'application/octet-stream' }, Buffer.from([1, 2])), message: 'Unauthorized', grpcCode: GrpcCode.UNAUTHENTICATED, retryable: false },
    { note: 'unparsable protobuf Status', a: answer(403, PROTOBUF, Buffer.from([0x0a, 0x09])), message: 'Forbidden', grpcCode: GrpcCode.PERMISSION_DENIED, retryable: false },
    { note: 'unparsable JSON Status', a: answer(413, JSON_TYPE, 'nope'), message: 'Payload Too Large', grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryable: false },
    { note: 'gzip that does not inflate', a: answer(502, { ...PROTOBUF, 'content-encoding': 'gzip' }, 'zz'), message: 'Bad Gateway', grpcCode: GrpcCode.UNAVAILABLE, retryable: true },
    { note: '504', a: answer(504, {}), message: 'Gateway Timeout', grpcCode: GrpcCode.UNAVAILABLE, retryable: true },
  ];
  for (const row of rows) {
    const err = await failure(interpretHttpAnswer('traces', row.a, MiB));
    const status = clientStatusOf(err);
    t.same(
      { code: err.code, grpcCode: status.grpcCode, httpStatus: status.httpStatus, retryable: status.retryable },
      { code: row.retryable ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_REJECTED, grpcCode: row.grpcCode, httpStatus: row.a.status, retryable: row.retryable },
      row.note,
    );
    t.equal(err.message, `upstream answered HTTP ${row.a.status}: ${row.message}`, `${row.note}: message`);
  }
});

t.test('long messages are cut to 1024 characters', async (t) => {
  const err = await failure(interpretHttpAnswer('traces', answer(500, { 'content-type': 'text/plain' }, 'x'.repeat(5000)), MiB));
  t.equal(err.message, `upstream answered HTTP 500: ${'x'.repeat(1024)}…`);
});

t.test('Retry-After counts on 429 and 503 only; a RetryInfo in the body is the fallback', async (t) => {
  const now = Date.now();
  const rows = [
    { note: '503 + seconds', a: answer(503, { 'retry-after': '7' }), want: 7000 },
    { note: '429 + seconds', a: answer(429, { 'retry-after': '2' }), want: 2000 },
    { note: '503 without', a: answer(503, {}), want: undefined },
    { note: '503 malformed', a: answer(503, { 'retry-after': 'later' }), want: undefined },
    { note: '502 ignores it', a: answer(502, { 'retry-after': '7' }), want: undefined },
    { note: '400 ignores it (permanent)', a: answer(400, { 'retry-after': '7' }), want: undefined },
    { note: '429 RetryInfo in the Status', a: answer(429, PROTOBUF, encodeStatus(8, 'slow down', 1500)), want: 1500 },
    { note: 'the header wins over RetryInfo', a: answer(503, { ...PROTOBUF, 'retry-after': '3' }, encodeStatus(14, '', 1500)), want: 3000 },
  ];
  for (const row of rows) {
    const err = await failure(interpretHttpAnswer('traces', row.a, MiB));
    t.equal(err.retryAfterMillis, row.want, row.note);
  }
  const dated = await failure(interpretHttpAnswer('traces', answer(503, { 'retry-after': new Date(now + 60_000).toUTCString() }), MiB));
  const delay = dated.retryAfterMillis as number;
  t.ok(delay > 50_000 && delay <= 60_000, `HTTP-date: ${delay} ms`);
  t.equal(clientStatusOf(dated).retryable, true);
});
