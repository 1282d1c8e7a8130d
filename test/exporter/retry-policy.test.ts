import t from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import {
  isRetryableError,
  nextDelay,
  queueRetryPolicy,
  syncRetryPolicy,
  validateRetryPolicy,
  type RetryPolicy,
} from '../../src/exporter/retry-policy.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../src/otlp/status.js';

const policy: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 1000,
  multiplier: 2,
  randomizationFactor: 0.5,
  maxIntervalMillis: 10_000,
  maxElapsedMillis: 60_000,
};
const middle = (): number => 0.5;

t.test('defaults: queue mode is the Collector configretry, sync mode fits a 10 s client', async (t) => {
  t.same(queueRetryPolicy, {
    enabled: true,
    initialIntervalMillis: 5000,
    multiplier: 1.5,
    randomizationFactor: 0.5,
    maxIntervalMillis: 30_000,
    maxElapsedMillis: 300_000,
  });
  t.same(syncRetryPolicy, {
    enabled: true,
    initialIntervalMillis: 500,
    multiplier: 1.5,
    randomizationFactor: 0.5,
    maxIntervalMillis: 2000,
    maxElapsedMillis: 5000,
  });
  t.ok(Object.isFrozen(syncRetryPolicy) && Object.isFrozen(queueRetryPolicy));
  t.equal(validateRetryPolicy(syncRetryPolicy), undefined);
  t.equal(validateRetryPolicy(queueRetryPolicy), undefined);
  // Without jitter, the sync backoffs add up to several retries inside the 5 s window.
  let total = 0;
  let retries = 0;
  for (let retry = 1; total + nextDelay(retry, syncRetryPolicy, middle) <= syncRetryPolicy.maxElapsedMillis; retry++) {
    total += nextDelay(retry, syncRetryPolicy, middle);
    retries++;
  }
  t.ok(retries >= 4, `${retries} retries fit`);
});

t.test('backoff grows by the multiplier and stops at the max interval', async (t) => {
  t.same(
    [1, 2, 3, 4, 5, 6].map((retry) => nextDelay(retry, policy, middle)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
  t.equal(nextDelay(0, policy, middle), 1000, 'retry numbers below 1 count as the first');
});

t.test('jitter spreads the delay by ±randomizationFactor, still capped', async (t) => {
  t.equal(nextDelay(1, policy, () => 0), 500);
  t.equal(nextDelay(1, policy, () => 1), 1500);
  t.equal(nextDelay(5, policy, () => 0), 5000);
  t.equal(nextDelay(5, policy, () => 1), 10_000, 'jitter never goes over the max interval');
  const delays = new Set(Array.from({ length: 50 }, () => nextDelay(2, policy)));
  t.ok(delays.size > 1, 'Math.random by default: the delays vary');
  for (const delay of delays) t.ok(delay >= 1000 && delay <= 3000);
  t.equal(nextDelay(3, { ...policy, randomizationFactor: 0 }, () => 0.99), 4000, 'no jitter when the factor is 0');
});

t.test("the server's delay wins when it is longer than the backoff", async (t) => {
  t.equal(nextDelay(1, policy, middle, 7000), 7000, 'Retry-After: 7');
  t.equal(nextDelay(1, policy, middle, 100), 1000, 'a shorter one does not shorten the backoff');
  t.equal(nextDelay(6, policy, middle, 60_000), 60_000, 'nor is it capped by the max interval');
  t.equal(nextDelay(1, policy, middle, 0), 1000);
});

t.test('retryable: the OTLP table, RESOURCE_EXHAUSTED only with RetryInfo', async (t) => {
  const err = (grpcCode: GrpcCode, retryAfterMillis?: number): TaggerError =>
    new TaggerError(ErrorCode.UPSTREAM_REJECTED, 'x', { grpcCode, retryAfterMillis });
  const retryable = [GrpcCode.CANCELLED, GrpcCode.DEADLINE_EXCEEDED, GrpcCode.ABORTED, GrpcCode.OUT_OF_RANGE, GrpcCode.UNAVAILABLE, GrpcCode.DATA_LOSS];
  const permanent = [
    GrpcCode.UNKNOWN,
    GrpcCode.INVALID_ARGUMENT,
    GrpcCode.NOT_FOUND,
    GrpcCode.ALREADY_EXISTS,
    GrpcCode.PERMISSION_DENIED,
    GrpcCode.FAILED_PRECONDITION,
    GrpcCode.UNIMPLEMENTED,
    GrpcCode.INTERNAL,
    GrpcCode.UNAUTHENTICATED,
    GrpcCode.RESOURCE_EXHAUSTED,
  ];
  for (const code of retryable) t.ok(isRetryableError(err(code)), `code ${code} is retried`);
  for (const code of permanent) t.notOk(isRetryableError(err(code)), `code ${code} is not`);
  t.ok(isRetryableError(err(GrpcCode.RESOURCE_EXHAUSTED, 2000)), 'RESOURCE_EXHAUSTED with RetryInfo is');
  t.notOk(isRetryableError(new Error('a bug')), 'not a TaggerError: never retried');
  t.ok(isRetryableError(new TaggerError(ErrorCode.STORAGE, 'disk full')), 'a storage failure is retryable');
  t.equal(clientStatusOf(new TaggerError(ErrorCode.STORAGE, 'disk full', { retryAfterMillis: 1000 })).httpStatus, 503);
});

t.test('validateRetryPolicy names the bad field', async (t) => {
  t.match(validateRetryPolicy({ ...policy, initialIntervalMillis: 0 }), /initial interval/);
  t.match(validateRetryPolicy({ ...policy, initialIntervalMillis: NaN }), /initial interval/);
  t.match(validateRetryPolicy({ ...policy, multiplier: 0.5 }), /multiplier/);
  t.match(validateRetryPolicy({ ...policy, randomizationFactor: 1.5 }), /randomization/);
  t.match(validateRetryPolicy({ ...policy, randomizationFactor: -1 }), /randomization/);
  t.match(validateRetryPolicy({ ...policy, maxIntervalMillis: 10 }), /max interval/);
  t.match(validateRetryPolicy({ ...policy, maxElapsedMillis: -1 }), /max elapsed/);
  t.equal(validateRetryPolicy({ ...policy, maxElapsedMillis: 0 }), undefined, '0 = no limit');
});
