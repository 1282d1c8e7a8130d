/**
 * GrpcServerTransport on @grpc/grpc-js. Identity (de)serialisers keep messages as raw Buffers so
 * that decoding stays in project code (a deserialiser that throws would make grpc-js answer a
 * bare INTERNAL "Error deserializing request").
 *
 * grpc-js provides: `grpc-encoding: gzip|deflate` (bounded: it stops inflating past the limit
 * and answers RESOURCE_EXHAUSTED), unsupported encodings → UNIMPLEMENTED, unknown methods →
 * UNIMPLEMENTED, and the `grpc-timeout` deadline (it answers DEADLINE_EXCEEDED itself).
 */
import * as grpc from '@grpc/grpc-js';
import { ErrorCode, TaggerError } from '../errors.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import { encodeRpcStatus } from '../otlp/rpc-status.js';
import { formatEndpoint, type HostPort } from './endpoint.js';
import type {
  GrpcFailure,
  GrpcServerCall,
  GrpcServerReply,
  GrpcServerTransport,
  GrpcServerTransportOptions,
  GrpcUnaryHandler,
} from './grpc-server-transport.js';

/** OTLP v1.11.0: servers MUST limit responses, RECOMMENDED 4 MiB; grpc-js then answers RESOURCE_EXHAUSTED. */
const MAX_SEND_MESSAGE_BYTES = 4 * 1024 * 1024;

const identity = (b: Buffer): Buffer => b;

function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (key.endsWith('-bin')) continue;
    out[key] = values.map(String).join(', ');
  }
  return out;
}

function deadlineMillis(call: grpc.ServerUnaryCall<Buffer, Buffer>): number | undefined {
  // A Date or epoch milliseconds; Infinity when the client set no deadline.
  const millis = Number(call.getDeadline());
  return Number.isFinite(millis) ? millis : undefined;
}

/** The failure as grpc-js sends it: code, message, and the rich status in `grpc-status-details-bin`. */
function grpcStatusOf(failure: GrpcFailure): grpc.StatusObject {
  const metadata = new grpc.Metadata();
  metadata.set(
    'grpc-status-details-bin',
    encodeRpcStatus({ code: failure.grpcCode, message: failure.message, retryAfterMillis: failure.retryAfterMillis }),
  );
  return { code: failure.grpcCode, details: failure.message, metadata };
}

function unaryCall(handler: GrpcUnaryHandler): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const controller = new AbortController();
    const deadline = deadlineMillis(call);
    let answered = false;
    const abort = (): void => {
      // grpc-js also emits 'cancelled' once a call has ended normally; that is not a cancellation.
      if (answered || controller.signal.aborted) return;
      const expired = deadline !== undefined && Date.now() >= deadline;
      controller.abort(
        expired
          ? new TaggerError(ErrorCode.DEADLINE, 'the client deadline passed')
          : new TaggerError(ErrorCode.CANCELLED, 'the client cancelled the call'),
      );
    };
    call.on('cancelled', abort);
    const serverCall: GrpcServerCall = {
      body: call.request,
      metadata: metadataRecord(call.metadata),
      deadline,
      abortSignal: controller.signal,
    };
    const answer = (reply: GrpcServerReply): void => {
      answered = true;
      if ('body' in reply) callback(null, reply.body);
      else callback(grpcStatusOf(reply.status));
    };
    // Also catches a handler that throws synchronously (grpc-js would answer a bare UNKNOWN).
    new Promise<GrpcServerReply>((resolve) => resolve(handler(serverCall))).then(answer, (err: unknown) =>
      answer({
        status: {
          grpcCode: GrpcCode.INTERNAL,
          message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
          retryAfterMillis: undefined,
        },
      }),
    );
  };
}

export function createGrpcJsServerTransport(options: GrpcServerTransportOptions): GrpcServerTransport {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxRecvMsgSizeBytes,
    'grpc.max_send_message_length': MAX_SEND_MESSAGE_BYTES,
    'grpc.enable_channelz': 0,
  });
  for (const [path, handler] of options.routes) {
    server.register(path, unaryCall(handler), identity, identity, 'unary');
  }
  let closed: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise<HostPort>((resolve, reject) => {
        server.bindAsync(
          formatEndpoint(options),
          grpc.ServerCredentials.createInsecure(),
          (err, port) => (err ? reject(err) : resolve({ host: options.host, port })),
        );
      }),
    close: () => {
      closed ??= new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      return closed;
    },
  };
}
