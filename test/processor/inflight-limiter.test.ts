import t from 'tap';
import { unlimitedAdmission } from '../../src/admission.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../src/otlp/status.js';
import { createInflightLimiter } from '../../src/processor/inflight-limiter.js';

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

t.test('admits up to the bound, refuses past it, admits again once released', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 100, retryAfterMillis: 2000 });
  const first = limiter.admit('traces', 60);
  const second = limiter.admit('logs', 40);
  t.equal(limiter.inflightBytes, 100);
  const err = refusal(() => limiter.admit('metrics', 1));
  t.ok(err instanceof TaggerError);
  t.equal((err as TaggerError).code, ErrorCode.OVERLOADED);
  t.match((err as TaggerError).message, /100 of 100 bytes, metrics request of 1/);
  const status = clientStatusOf(err);
  t.equal(status.grpcCode, GrpcCode.RESOURCE_EXHAUSTED);
  t.equal(status.httpStatus, 429, 'HTTP clients get 429');
  t.equal(status.retryable, true, 'and may retry');
  t.equal(status.retryAfterMillis, 2000, 'after the suggested delay');
  t.equal(limiter.refused, 1);
  t.equal(limiter.inflightBytes, 100, 'a refusal claims nothing');
  first.release();
  second.release();
  t.equal(limiter.inflightBytes, 0, 'released claims no longer count');
  limiter.admit('traces', 100).release();
});

t.test('a lone request larger than the bound is admitted', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 10 });
  const big = limiter.admit('traces', 50);
  t.equal(limiter.inflightBytes, 50);
  big.resize(500);
  t.equal(limiter.inflightBytes, 500, 'and may grow while alone');
  big.release();
  t.equal(limiter.inflightBytes, 0);
});

t.test('resize grows within the bound, refuses past it and keeps the old claim', async (t) => {
  const limiter = createInflightLimiter({ maxBytes: 100 });
  const other = limiter.admit('traces', 30);
  const ticket = limiter.admit('traces', 20);
  ticket.resize(70);
  t.equal(limiter.inflightBytes, 100);
  const err = refusal(() => ticket.resize(71));
  t.equal((err as TaggerError).code, ErrorCode.OVERLOADED);
  t.equal(limiter.inflightBytes, 100, 'the claim stays as it was');
  ticket.resize(10);
  t.equal(limiter.inflightBytes, 40, 'shrinking never refuses');
  other.release();
  ticket.release();
  ticket.release();
  ticket.resize(1000);
  t.equal(limiter.inflightBytes, 0, 'release is idempotent and a released ticket is inert');
  t.equal(limiter.refused, 1);
});

t.test('the unlimited admission admits everything', async (t) => {
  const ticket = unlimitedAdmission.admit('traces', Number.MAX_SAFE_INTEGER);
  ticket.resize(1);
  ticket.release();
  t.pass();
});
