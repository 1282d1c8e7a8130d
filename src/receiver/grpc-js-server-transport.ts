/**
 * GrpcServerTransport on @grpc/grpc-js. Identity (de)serialisers keep messages as raw Buffers so
 * that decoding stays in project code (a deserialiser that throws would make grpc-js answer a
 * bare INTERNAL "Error deserializing request").
 *
 * grpc-js provides: `grpc-encoding: gzip|deflate` (bounded: it stops inflating past the limit
 * and answers RESOURCE_EXHAUSTED), unsupported encodings → UNIMPLEMENTED, unknown methods →
 * UNIMPLEMENTED, and the `grpc-timeout` deadline (it answers DEADLINE_EXCEEDED itself).
 *
 * Connections are accepted by our own net.Server and handed to grpc-js (a connection injector),
 * which is what lets us cap them (`maxConnections`): grpc-js has no such option. TLS goes through
 * grpc-js' certificate-provider credentials, the one kind whose material can change on a live
 * server (grpc-js then calls `setSecureContext` on its HTTP/2 server): `setTls` swaps
 * certificates for new connections without a restart.
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createAbortSource } from '../abort-source.js';
import type { Ticket } from '../admission.js';
import { ErrorCode, TaggerError } from '../errors.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import { encodeRpcStatus } from '../otlp/rpc-status.js';
import { clientStatusOf } from '../otlp/status.js';
import type { HostPort } from './endpoint.js';
import type {
  GrpcFailure,
  GrpcServerCall,
  GrpcServerReply,
  GrpcServerTransport,
  GrpcServerTransportOptions,
  GrpcUnaryHandler,
} from './grpc-server-transport.js';
import { trackOpenSockets } from './open-sockets.js';
import { checkServerTls, type ServerTls } from './server-tls.js';

/** OTLP v1.11.0: servers MUST limit responses, RECOMMENDED 4 MiB; grpc-js then answers RESOURCE_EXHAUSTED. */
const MAX_SEND_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Streams per connection: far above what OTLP exporters open; grpc-js' default is unlimited. */
const MAX_CONCURRENT_STREAMS = 1000;

const identity = (b: Buffer): Buffer => b;

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/** A CertificateProvider that serves the material it was last given, to grpc-js' TLS credentials. */
function createSettableCertificates(initial: ServerTls): {
  readonly provider: grpc.experimental.CertificateProvider;
  set(tls: ServerTls): void;
} {
  let current = initial;
  const caListeners = new Set<CaListener>();
  const identityListeners = new Set<IdentityListener>();
  // Registered only with mTLS, which setTls cannot switch off: clientCa is always there.
  const ca = (listener: CaListener): void => listener({ caCertificate: current.clientCa as Buffer });
  const identity = (listener: IdentityListener): void =>
    listener({ certificate: current.cert, privateKey: current.key });
  return {
    provider: {
      // grpc-js registers its listeners before its own watcher: the first update must come later.
      addCaCertificateListener: (listener) => {
        caListeners.add(listener);
        queueMicrotask(() => caListeners.has(listener) && ca(listener));
      },
      removeCaCertificateListener: (listener) => void caListeners.delete(listener),
      addIdentityCertificateListener: (listener) => {
        identityListeners.add(listener);
        queueMicrotask(() => identityListeners.has(listener) && identity(listener));
      },
      removeIdentityCertificateListener: (listener) => void identityListeners.delete(listener),
    },
    set(tls) {
      current = tls;
      for (const listener of identityListeners) identity(listener);
      for (const listener of caListeners) ca(listener);
    },
  };
}

function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (key.endsWith('-bin')) continue;
    out[key] = values.map(String).join(', ');
  }
  return out;
}

const DEADLINE_SLACK_MILLIS = 50;

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

/** grpc-js hands over whole messages only: the memory bound is claimed once one has arrived. */
function unaryCall(handler: GrpcUnaryHandler, admit: ((bytes: number) => Ticket) | undefined): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    let ticket: Ticket | undefined;
    try {
      ticket = admit?.(call.request.length);
    } catch (err) {
      callback(grpcStatusOf(clientStatusOf(err)));
      return;
    }
    const controller = createAbortSource();
    const deadline = deadlineMillis(call);
    let answered = false;
    const abort = (): void => {
      // grpc-js also emits 'cancelled' once a call has ended normally; that is not a cancellation.
      if (answered || controller.aborted) return;
      // grpc-js's deadline timer may fire a little before the wall clock reaches the deadline
      // (timer rounding, a busy event loop); a cancel that close to it is the deadline's doing.
      const expired = deadline !== undefined && Date.now() >= deadline - DEADLINE_SLACK_MILLIS;
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
      abortSignal: controller,
    };
    const answer = (reply: GrpcServerReply): void => {
      answered = true;
      ticket?.release();
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
    'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
    'grpc.enable_channelz': 0,
  });
  const { admit } = options;
  for (const [path, handler] of options.routes) {
    const admitPath = admit === undefined ? undefined : (bytes: number) => admit(path, bytes);
    server.register(path, unaryCall(handler, admitPath), identity, identity, 'unary');
  }
  const certificates = options.tls === undefined ? undefined : createSettableCertificates(options.tls);
  const mutualTls = options.tls?.clientCa !== undefined;
  const credentials =
    certificates === undefined
      ? grpc.ServerCredentials.createInsecure()
      : // grpc-js 1.14 takes (identity, ca, requireClientCertificate), whatever its typings call them.
        grpc.experimental.createCertificateProviderServerCredentials(
          certificates.provider,
          mutualTls ? certificates.provider : null,
          mutualTls,
        );
  let injector: ReturnType<grpc.Server['createConnectionInjector']> | undefined;
  const listener = net.createServer((socket) => (injector as NonNullable<typeof injector>).injectConnection(socket));
  const sockets = trackOpenSockets(listener);
  if (options.maxConnections !== undefined) listener.maxConnections = options.maxConnections;

  let closed: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise<HostPort>((resolve, reject) => {
        injector ??= server.createConnectionInjector(credentials);
        listener.once('error', reject);
        listener.listen(options.port, options.host, () => {
          listener.off('error', reject);
          resolve({ host: options.host, port: (listener.address() as net.AddressInfo).port });
        });
      }),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        listener.close();
        // Resolves once every session has answered its calls; then what never became one goes too.
        server.tryShutdown(() => {
          sockets.destroyAll();
          resolve();
        });
      });
      return closed;
    },
    setTls(tls) {
      if (certificates === undefined) throw new Error('this gRPC server was started without TLS; that needs a restart');
      if ((tls.clientCa !== undefined) !== mutualTls) {
        throw new Error('switching client certificates (mTLS) on or off needs a restart');
      }
      // grpc-js refuses every new connection after material it cannot use: check it first.
      checkServerTls(tls);
      certificates.set(tls);
    },
  };
}
