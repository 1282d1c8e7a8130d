import t from 'tap';
import type { Consumer, ExportRequest, ExportResponse } from '../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../src/otlp/status.js';
import { createInflightLimiter } from '../../src/processor/inflight-limiter.js';

function request(bytes: number): ExportRequest {
  return {
    signal: 'traces',
    body: Buffer.alloc(bytes),
    headers: {},
    deadline: undefined,
    abortSignal: new AbortController().signal,
  };
}

/** A consumer whose answers the test releases by hand. */
function gate(): Consumer & { release(): void; pending: number } {
  const waiting: (() => void)[] = [];
  return {
    get pending() {
      return waiting.length;
    },
    release() {
      for (const resolve of waiting.splice(0)) resolve();
    },
    consume(): Promise<ExportResponse> {
      return new Promise((resolve) => waiting.push(() => resolve({})));
    },
  };
}

t.test('admits up to the bound, refuses past it, admits again once answered', async (t) => {
  const next = gate();
  const limiter = createInflightLimiter({ maxBytes: 100, next, retryAfterMillis: 2000 });
  const first = limiter.consume(request(60));
  const second = limiter.consume(request(40));
  t.equal(limiter.inflightBytes, 100);
  const refusal = await limiter.consume(request(1)).catch((err: unknown) => err);
  t.ok(refusal instanceof TaggerError);
  t.equal((refusal as TaggerError).code, ErrorCode.OVERLOADED);
  const status = clientStatusOf(refusal);
  t.equal(status.grpcCode, GrpcCode.RESOURCE_EXHAUSTED);
  t.equal(status.httpStatus, 429, 'HTTP clients get 429');
  t.equal(status.retryable, true, 'and may retry');
  t.equal(status.retryAfterMillis, 2000, 'after the suggested delay');
  t.equal(limiter.refused, 1);
  next.release();
  await Promise.all([first, second]);
  t.equal(limiter.inflightBytes, 0, 'answered requests no longer count');
  const third = limiter.consume(request(100));
  next.release();
  t.same(await third, {});
});

t.test('a lone request larger than the bound is admitted', async (t) => {
  const next = gate();
  const limiter = createInflightLimiter({ maxBytes: 10, next });
  const big = limiter.consume(request(50));
  t.equal(limiter.inflightBytes, 50);
  next.release();
  await big;
});

t.test('failures release their bytes too', async (t) => {
  const limiter = createInflightLimiter({
    maxBytes: 10,
    next: { consume: () => Promise.reject(new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'down')) },
  });
  await t.rejects(limiter.consume(request(8)), { code: ErrorCode.UPSTREAM_UNAVAILABLE });
  t.equal(limiter.inflightBytes, 0);
  const ok = createInflightLimiter({ maxBytes: 1, next: { consume: () => Promise.resolve({}) } });
  t.same(await ok.consume(request(1)), {}, 'nothing in flight: admitted');
});
