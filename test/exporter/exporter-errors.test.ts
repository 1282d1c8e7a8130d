import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { badResponse, cancelled, deadlineExceeded, shutDown, unreachable } from '../../src/exporter/exporter-errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { clientStatusOf } from '../../src/otlp/status.js';

t.test('what each failure tells a client', async (t) => {
  const rows = [
    { err: deadlineExceeded(), code: ErrorCode.DEADLINE, grpcCode: GrpcCode.DEADLINE_EXCEEDED, retryable: true, message: 'deadline exceeded before the upstream answered' },
    { err: deadlineExceeded(''), code: ErrorCode.DEADLINE, grpcCode: GrpcCode.DEADLINE_EXCEEDED, retryable: true, message: 'deadline exceeded before the upstream answered' },
    { err: deadlineExceeded('after 1s'), code: ErrorCode.DEADLINE, grpcCode: GrpcCode.DEADLINE_EXCEEDED, retryable: true, message: 'deadline exceeded before the upstream answered (after 1s)' },
    { err: cancelled(), code: ErrorCode.CANCELLED, grpcCode: GrpcCode.CANCELLED, retryable: true, message: 'the client cancelled the request before the upstream answered' },
    { err: unreachable('connect ECONNREFUSED'), code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, message: 'upstream unreachable: connect ECONNREFUSED' },
    { err: shutDown(), code: ErrorCode.UPSTREAM_UNAVAILABLE, grpcCode: GrpcCode.UNAVAILABLE, retryable: true, message: 'the exporter is shut down' },
    { err: badResponse('garbage'), code: ErrorCode.UPSTREAM_REJECTED, grpcCode: GrpcCode.INTERNAL, retryable: false, message: 'unusable upstream response: garbage' },
  ];
  for (const row of rows) {
    const status = clientStatusOf(row.err);
    t.same({ code: row.err.code, grpcCode: status.grpcCode, retryable: status.retryable, message: row.err.message }, {
      code: row.code,
      grpcCode: row.grpcCode,
      retryable: row.retryable,
      message: row.message,
    });
  }
});
