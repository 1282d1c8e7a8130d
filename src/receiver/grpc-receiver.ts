/**
 * OTLP/gRPC receiver: the three unary `Export` methods (opentelemetry-proto
 * docs/specification.md, "OTLP/gRPC"). The receiver decodes nothing: it hands the request bytes to
 * the consumer and answers with the consumer's outcome, so a malformed payload is answered
 * INVALID_ARGUMENT by whoever decodes it, the same way for gRPC and HTTP clients.
 *
 * With a bearer token, a call without `authorization: Bearer <token>` metadata gets
 * UNAUTHENTICATED (the Collector's bearertokenauth extension) and never reaches the consumer.
 */
import type { Admission } from '../admission.js';
import type { Consumer, ExportRequest } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { encodeExportResponse } from '../otlp/export-response.js';
import { signals as signalInfo, type Signal } from '../otlp/signal.js';
import { clientStatusOf } from '../otlp/status.js';
import { createBearerAuth } from './bearer-auth.js';
import { formatEndpoint, parseEndpoint } from './endpoint.js';
import type {
  GrpcServerCall,
  GrpcServerReply,
  GrpcServerTransport,
  GrpcServerTransportFactory,
  GrpcServerTransportOptions,
  GrpcUnaryHandler,
} from './grpc-server-transport.js';
import { createHttp2GrpcServerTransport } from './http2-grpc-server-transport.js';
import { pickHeaders } from './pick-headers.js';
import type { Receiver } from './receiver.js';
import type { ServerTls } from './server-tls.js';

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
  /** Serve TLS; with `clientCa`, mTLS. Default plaintext. */
  readonly tls?: ServerTls;
  /** Bearer token every call must carry (`authorization` metadata); default none. */
  readonly authToken?: string;
  /** The memory bound, claimed by each message's declared length as early as the transport can; default none. */
  readonly admission?: Admission;
  /** Open connections; past it new ones are closed at once. */
  readonly maxConnections?: number;
  /**
   * Defaults to the lean node:http2 transport, about a third of grpc-js's CPU per span
   * (bench/grpc-transport.ts); grpc-js is never loaded unless a caller picks it.
   */
  readonly transport?: GrpcServerTransportFactory;
}

const unauthenticated = new TaggerError(ErrorCode.UNAUTHENTICATED, 'missing or invalid bearer token');

export function createGrpcReceiver(options: GrpcReceiverOptions): Receiver {
  const { consumer, logger } = options;
  const forward = (options.forwardHeaders ?? []).map((h) => h.toLowerCase());
  const auth = createBearerAuth(options.authToken);

  const handlerFor =
    (signal: Signal): GrpcUnaryHandler =>
    async (call: GrpcServerCall): Promise<GrpcServerReply> => {
      if (!auth.check(call.metadata.authorization)) {
        logger.debug('export refused', { signal, code: unauthenticated.code });
        return { status: clientStatusOf(unauthenticated) };
      }
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
  const signalOf = new Map<string, Signal>(options.signals.map((signal) => [signalInfo[signal].grpcMethod, signal]));
  const { admission } = options;
  // The transport only asks for its own routes.
  const admit = admission === undefined ? undefined : (method: string, bytes: number) => admission.admit(signalOf.get(method) as Signal, bytes);
  let transport: GrpcServerTransport | undefined;

  return {
    async start() {
      const { host, port } = parseEndpoint(options.endpoint);
      const transportOptions: GrpcServerTransportOptions = {
        host,
        port,
        maxRecvMsgSizeBytes: options.maxRecvMsgSizeBytes,
        routes,
        ...(admit === undefined ? {} : { admit }),
        ...(options.tls === undefined ? {} : { tls: options.tls }),
        ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      };
      transport = (options.transport ?? createHttp2GrpcServerTransport)(transportOptions);
      try {
        const bound = formatEndpoint(await transport.listen());
        logger.info('OTLP/gRPC receiver listening', {
          endpoint: bound,
          signals: options.signals,
          tls: options.tls === undefined ? 'off' : options.tls.clientCa === undefined ? 'on' : 'mutual',
          auth: auth.enabled,
        });
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
    setTls(tls) {
      if (transport?.setTls === undefined) {
        throw new TaggerError(ErrorCode.CONFIG, 'this gRPC receiver cannot change certificates without a restart');
      }
      try {
        transport.setTls(tls);
      } catch (err) {
        throw new TaggerError(ErrorCode.CONFIG, `gRPC receiver: ${(err as Error).message}`, { cause: err });
      }
    },
    setAuthToken(token) {
      auth.set(token);
    },
  };
}
