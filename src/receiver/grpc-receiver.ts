/**
 * OTLP/gRPC receiver: the three unary `Export` methods (opentelemetry-proto
 * docs/specification.md, "OTLP/gRPC"). The receiver decodes nothing: it hands the request bytes to
 * the consumer and answers with the consumer's outcome, so a malformed payload is answered
 * INVALID_ARGUMENT by whoever decodes it, the same way for gRPC and HTTP clients.
 */
import type { Consumer, ExportRequest } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { encodeExportResponse } from '../otlp/export-response.js';
import { signals as signalInfo, type Signal } from '../otlp/signal.js';
import { clientStatusOf } from '../otlp/status.js';
import { formatEndpoint, parseEndpoint } from './endpoint.js';
import { createGrpcJsServerTransport } from './grpc-js-server-transport.js';
import type {
  GrpcServerCall,
  GrpcServerReply,
  GrpcServerTransport,
  GrpcServerTransportFactory,
  GrpcUnaryHandler,
} from './grpc-server-transport.js';
import { pickHeaders } from './pick-headers.js';
import type { Receiver } from './receiver.js';

export interface GrpcReceiverOptions {
  /** `host:port`; port 0 picks a free one, reported by `start()`. */
  readonly endpoint: string;
  /** Largest request accepted after decompression; larger ones get RESOURCE_EXHAUSTED. */
  readonly maxRecvMsgSizeBytes: number;
  /** Enabled signals; the other methods answer UNIMPLEMENTED. */
  readonly signals: readonly Signal[];
  readonly consumer: Consumer;
  readonly logger: Logger;
  /** Metadata keys (lower-case) copied into `ExportRequest.headers`; default none. */
  readonly forwardHeaders?: readonly string[];
  /** Defaults to grpc-js. */
  readonly transport?: GrpcServerTransportFactory;
}

export function createGrpcReceiver(options: GrpcReceiverOptions): Receiver {
  const { consumer, logger } = options;
  const forward = (options.forwardHeaders ?? []).map((h) => h.toLowerCase());

  const handlerFor =
    (signal: Signal): GrpcUnaryHandler =>
    async (call: GrpcServerCall): Promise<GrpcServerReply> => {
      const request: ExportRequest = {
        signal,
        body: call.body,
        headers: pickHeaders(call.metadata, forward),
        deadline: call.deadline,
        abortSignal: call.abortSignal,
      };
      try {
        return { body: encodeExportResponse(await consumer.consume(request)) };
      } catch (err) {
        const status = clientStatusOf(err);
        const level = status.code === ErrorCode.INTERNAL || status.retryable ? 'warn' : 'debug';
        logger[level]('export failed', {
          signal,
          code: status.code,
          grpcCode: status.grpcCode,
          error: status.message,
        });
        return { status };
      }
    };

  const routes = new Map<string, GrpcUnaryHandler>(
    options.signals.map((signal) => [signalInfo[signal].grpcMethod, handlerFor(signal)]),
  );
  let transport: GrpcServerTransport | undefined;

  return {
    async start() {
      const { host, port } = parseEndpoint(options.endpoint);
      transport = (options.transport ?? createGrpcJsServerTransport)({
        host,
        port,
        maxRecvMsgSizeBytes: options.maxRecvMsgSizeBytes,
        routes,
      });
      try {
        const bound = formatEndpoint(await transport.listen());
        logger.info('OTLP/gRPC receiver listening', { endpoint: bound, signals: options.signals });
        return bound;
      } catch (err) {
        throw new TaggerError(ErrorCode.CONFIG, `cannot listen on ${options.endpoint}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
    async shutdown() {
      await transport?.close();
    },
  };
}
