/**
 * The status table, as tables. Sources: OTLP spec "Failures" (gRPC retry table, HTTP 429/502/503/504),
 * the Collector's receiver mapping (otlp-conformance.md §2.1), and this project's one deviation:
 * RESOURCE_EXHAUSTED without RetryInfo is permanent, so HTTP clients get 413, not a retryable 429.
 */
import t from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import {
  clientStatusOf,
  errorFromGrpcStatus,
  errorFromHttpStatus,
  grpcCodeForHttpStatus,
  httpStatusForGrpcCode,
  isRetryableGrpcCode,
  isRetryableHttpStatus,
} from '../../src/otlp/status.js';

const G = GrpcCode;

// [code, retryable without RetryInfo, retryable with RetryInfo, HTTP without, HTTP with]
const grpcTable: [number, boolean, boolean, number, number][] = [
  [G.OK, false, false, 200, 200],
  [G.CANCELLED, true, true, 503, 503],
  [G.UNKNOWN, false, false, 500, 500],
  [G.INVALID_ARGUMENT, false, false, 400, 400],
  [G.DEADLINE_EXCEEDED, true, true, 503, 503],
  [G.NOT_FOUND, false, false, 404, 404],
  [G.ALREADY_EXISTS, false, false, 500, 500],
  [G.PERMISSION_DENIED, false, false, 403, 403],
  [G.RESOURCE_EXHAUSTED, false, true, 413, 429],
  [G.FAILED_PRECONDITION, false, false, 500, 500],
  [G.ABORTED, true, true, 503, 503],
  [G.OUT_OF_RANGE, true, true, 503, 503],
  [G.UNIMPLEMENTED, false, false, 404, 404],
  [G.INTERNAL, false, false, 500, 500],
  [G.UNAVAILABLE, true, true, 503, 503],
  [G.DATA_LOSS, true, true, 503, 503],
  [G.UNAUTHENTICATED, false, false, 401, 401],
];

t.test('gRPC code: retryability and HTTP status, with and without RetryInfo', async (t) => {
  t.equal(grpcTable.length, 17, 'every code');
  for (const [code, retry, retryWithInfo, http, httpWithInfo] of grpcTable) {
    t.equal(isRetryableGrpcCode(code, false), retry, `${code} retryable`);
    t.equal(isRetryableGrpcCode(code, true), retryWithInfo, `${code} retryable with RetryInfo`);
    t.equal(httpStatusForGrpcCode(code, false), http, `${code} → HTTP`);
    t.equal(httpStatusForGrpcCode(code, true), httpWithInfo, `${code} + RetryInfo → HTTP`);
  }
  t.equal(httpStatusForGrpcCode(99, false), 500, 'an unknown code is a server error');
});

// [HTTP status, retryable, gRPC code for gRPC clients]
const httpTable: [number, boolean, number][] = [
  [200, false, G.OK],
  [204, false, G.OK],
  [302, false, G.INVALID_ARGUMENT],
  [400, false, G.INVALID_ARGUMENT],
  [401, false, G.UNAUTHENTICATED],
  [403, false, G.PERMISSION_DENIED],
  [404, false, G.UNIMPLEMENTED],
  [405, false, G.INVALID_ARGUMENT],
  [413, false, G.RESOURCE_EXHAUSTED],
  [415, false, G.INVALID_ARGUMENT],
  [429, true, G.UNAVAILABLE],
  [500, false, G.INTERNAL],
  [501, false, G.INTERNAL],
  [502, true, G.UNAVAILABLE],
  [503, true, G.UNAVAILABLE],
  [504, true, G.UNAVAILABLE],
  [505, false, G.INTERNAL],
];

t.test('HTTP status: retryability and the gRPC code that keeps it', async (t) => {
  for (const [status, retryable, code] of httpTable) {
    t.equal(isRetryableHttpStatus(status), retryable, `${status} retryable`);
    t.equal(grpcCodeForHttpStatus(status), code, `${status} → gRPC`);
    if (code !== G.OK) {
      t.equal(isRetryableGrpcCode(code, false), retryable, `${status}: retryability survives the mapping`);
    }
  }
});

const E = ErrorCode;
const err = (code: ErrorCode, options = {}): TaggerError => new TaggerError(code, `msg ${code}`, options);

// [error, gRPC code, HTTP status, retryable, retryAfterMillis]
const clientTable: [string, unknown, number, number, boolean, number | undefined][] = [
  ['tag spec', err(E.TAG_SPEC), G.INVALID_ARGUMENT, 400, false, undefined],
  ['config', err(E.CONFIG), G.INVALID_ARGUMENT, 400, false, undefined],
  ['protobuf decode', err(E.DECODE), G.INVALID_ARGUMENT, 400, false, undefined],
  ['JSON decode', err(E.JSON_DECODE), G.INVALID_ARGUMENT, 400, false, undefined],
  ['bad gzip', err(E.COMPRESSION), G.INVALID_ARGUMENT, 400, false, undefined],
  ['too large', err(E.TOO_LARGE), G.RESOURCE_EXHAUSTED, 413, false, undefined],
  ['media type', err(E.MEDIA_TYPE, { httpStatus: 415 }), G.INVALID_ARGUMENT, 415, false, undefined],
  ['upstream unavailable', err(E.UPSTREAM_UNAVAILABLE), G.UNAVAILABLE, 503, true, undefined],
  ['upstream unavailable + delay', err(E.UPSTREAM_UNAVAILABLE, { retryAfterMillis: 1500 }), G.UNAVAILABLE, 503, true, 1500],
  ['throttled', err(E.UPSTREAM_UNAVAILABLE, { grpcCode: G.RESOURCE_EXHAUSTED, retryAfterMillis: 200 }), G.RESOURCE_EXHAUSTED, 429, true, 200],
  ['upstream rejected', err(E.UPSTREAM_REJECTED), G.INTERNAL, 500, false, undefined],
  ['delay on a permanent error is dropped', err(E.UPSTREAM_REJECTED, { retryAfterMillis: 5 }), G.INTERNAL, 500, false, undefined],
  ['deadline', err(E.DEADLINE), G.DEADLINE_EXCEEDED, 503, true, undefined],
  ['cancelled', err(E.CANCELLED), G.CANCELLED, 503, true, undefined],
  ['unimplemented', err(E.UNIMPLEMENTED), G.UNIMPLEMENTED, 404, false, undefined],
  ['internal', err(E.INTERNAL), G.INTERNAL, 500, false, undefined],
  ['unauthenticated', err(E.UNAUTHENTICATED), G.UNAUTHENTICATED, 401, false, undefined],
  ['storage failure', err(E.STORAGE), G.UNAVAILABLE, 503, true, undefined],
  ['overloaded', err(E.OVERLOADED, { retryAfterMillis: 1000 }), G.RESOURCE_EXHAUSTED, 429, true, 1000],
  ['upstream HTTP status kept', err(E.UPSTREAM_REJECTED, { grpcCode: G.UNAUTHENTICATED, httpStatus: 401 }), G.UNAUTHENTICATED, 401, false, undefined],
  ['a failure never reads as OK', err(E.INTERNAL, { grpcCode: G.OK }), G.UNKNOWN, 500, false, undefined],
  ['nor as a 2xx/3xx', err(E.UPSTREAM_REJECTED, { httpStatus: 302 }), G.INTERNAL, 500, false, undefined],
];

t.test('clientStatusOf: what a client hears for each error', async (t) => {
  for (const [name, error, grpcCode, httpStatus, retryable, retryAfterMillis] of clientTable) {
    const status = clientStatusOf(error);
    t.same(
      { grpcCode: status.grpcCode, httpStatus: status.httpStatus, retryable: status.retryable, retryAfterMillis: status.retryAfterMillis },
      { grpcCode, httpStatus, retryable, retryAfterMillis },
      name,
    );
    t.equal(status.code, (error as TaggerError).code, `${name}: stable code kept`);
    t.equal(status.message, (error as TaggerError).message, `${name}: message kept`);
  }
  const covered = new Set(clientTable.map(([, error]) => (error as TaggerError).code));
  t.same(Object.values(E).filter((code) => !covered.has(code)), [], 'every error code is in the table above');
});

t.test('clientStatusOf: anything that is not a TaggerError is INTERNAL', async (t) => {
  t.same(clientStatusOf(new Error('bug')), {
    grpcCode: G.INTERNAL,
    httpStatus: 500,
    message: 'internal error: bug',
    retryable: false,
    retryAfterMillis: undefined,
    code: E.INTERNAL,
  });
  t.match(clientStatusOf('thrown string'), { grpcCode: G.INTERNAL, message: 'internal error: thrown string' });
  t.match(clientStatusOf(undefined), { grpcCode: G.INTERNAL, httpStatus: 500 });
});

t.test('errorFromGrpcStatus: an upstream gRPC failure as our error', async (t) => {
  const cases: [number, number | undefined, ErrorCode, number, number | undefined][] = [
    [G.UNAVAILABLE, 1000, E.UPSTREAM_UNAVAILABLE, G.UNAVAILABLE, 1000],
    [G.UNAVAILABLE, undefined, E.UPSTREAM_UNAVAILABLE, G.UNAVAILABLE, undefined],
    [G.RESOURCE_EXHAUSTED, 300, E.UPSTREAM_UNAVAILABLE, G.RESOURCE_EXHAUSTED, 300],
    [G.RESOURCE_EXHAUSTED, undefined, E.UPSTREAM_REJECTED, G.RESOURCE_EXHAUSTED, undefined],
    [G.INVALID_ARGUMENT, 1000, E.UPSTREAM_REJECTED, G.INVALID_ARGUMENT, undefined],
    [G.UNAUTHENTICATED, undefined, E.UPSTREAM_REJECTED, G.UNAUTHENTICATED, undefined],
    [99, undefined, E.UPSTREAM_REJECTED, G.UNKNOWN, undefined],
    [G.OK, undefined, E.UPSTREAM_REJECTED, G.UNKNOWN, undefined],
  ];
  for (const [code, delay, errorCode, grpcCode, retryAfterMillis] of cases) {
    const e = errorFromGrpcStatus(code, 'why', delay);
    t.same({ code: e.code, grpcCode: e.grpcCode, retryAfterMillis: e.retryAfterMillis }, { code: errorCode, grpcCode, retryAfterMillis }, `${code}`);
    t.match(e.message, /^upstream answered [A-Z_0-9]+: why$/);
  }
});

t.test('errorFromHttpStatus: an upstream HTTP failure keeps its status for HTTP clients', async (t) => {
  const cases: [number, number | undefined, ErrorCode, number, number | undefined, number][] = [
    [503, 2000, E.UPSTREAM_UNAVAILABLE, G.UNAVAILABLE, 2000, 503],
    [429, undefined, E.UPSTREAM_UNAVAILABLE, G.UNAVAILABLE, undefined, 429],
    [400, 2000, E.UPSTREAM_REJECTED, G.INVALID_ARGUMENT, undefined, 400],
    [413, undefined, E.UPSTREAM_REJECTED, G.RESOURCE_EXHAUSTED, undefined, 413],
    [500, undefined, E.UPSTREAM_REJECTED, G.INTERNAL, undefined, 500],
  ];
  for (const [status, delay, errorCode, grpcCode, retryAfterMillis, clientHttp] of cases) {
    const e = errorFromHttpStatus(status, 'why', delay);
    t.same({ code: e.code, grpcCode: e.grpcCode, retryAfterMillis: e.retryAfterMillis }, { code: errorCode, grpcCode, retryAfterMillis }, `${status}`);
    t.equal(clientStatusOf(e).httpStatus, clientHttp, `${status}: HTTP clients hear ${clientHttp}`);
    t.equal(clientStatusOf(e).retryable, isRetryableHttpStatus(status), `${status}: gRPC clients keep retryability`);
    t.equal(e.message, `upstream answered HTTP ${status}: why`);
  }
});
