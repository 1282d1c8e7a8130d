/**
 * A unary gRPC server transport, kept small so that the grpc-js implementation can be swapped for
 * a leaner node:http2 one without touching the receiver, and so that one test suite runs against
 * every implementation (test/receiver/grpc-js-server-transport.test.ts).
 *
 * The transport owns framing, `grpc-encoding` decompression, the receive-size limit
 * (RESOURCE_EXHAUSTED, no RetryInfo), deadlines and cancellation. It never decodes a message:
 * handlers get and return raw protobuf bytes.
 */
import type { AbortSignalLike } from '../abort-source.js';
import type { Ticket } from '../admission.js';
import type { ClientStatus } from '../otlp/status.js';
import type { HostPort } from './endpoint.js';
import type { ServerTls } from './server-tls.js';

export interface GrpcServerCall {
  /** The request message, decompressed; not yet decoded. */
  readonly body: Buffer;
  /** Request metadata, lower-case keys; binary (`-bin`) entries are left out, repeated ones joined with ", ". */
  readonly metadata: Readonly<Record<string, string>>;
  /** Epoch milliseconds of the client's deadline (`grpc-timeout`), when it sent one. */
  readonly deadline: number | undefined;
  /** Aborted when the client cancels, the deadline passes, or the connection drops. */
  readonly abortSignal: AbortSignalLike;
}

/** What a failed call tells the client; a `ClientStatus` fits. */
export type GrpcFailure = Pick<ClientStatus, 'grpcCode' | 'message' | 'retryAfterMillis'>;

export type GrpcServerReply = { readonly body: Buffer } | { readonly status: GrpcFailure };

/**
 * Handles one unary call. It SHOULD NOT reject; if it does, the client gets INTERNAL.
 * Its reply is dropped when the call was already cancelled.
 */
export type GrpcUnaryHandler = (call: GrpcServerCall) => Promise<GrpcServerReply>;

export interface GrpcServerTransportOptions {
  readonly host: string;
  /** 0 picks a free port; `listen()` says which. */
  readonly port: number;
  /** Largest request message accepted, after decompression. */
  readonly maxRecvMsgSizeBytes: number;
  /** Full method path (`/package.Service/Method`) → handler; other methods answer UNIMPLEMENTED. */
  readonly routes: ReadonlyMap<string, GrpcUnaryHandler>;
  /**
   * Claims the memory bound for a message of `bytes` on `method` (one of the routes), or throws a
   * TaggerError that the client gets as a rich status. Called as early as the transport can: by the
   * declared frame length before the body is read, or with the received message. The ticket is
   * released once the handler is done. Default: everything is admitted.
   */
  readonly admit?: (method: string, bytes: number) => Ticket;
  /**
   * Serve TLS (HTTP/2 over TLS, ALPN `h2`) with this material instead of plaintext. With
   * `clientCa`, a client must present a certificate chaining to it, or the handshake fails.
   * An implementation that cannot serve TLS MUST reject in `listen()`, never serve plaintext.
   */
  readonly tls?: ServerTls;
  /** Open connections; past it a new connection is closed at once. Default unlimited. */
  readonly maxConnections?: number;
}

export interface GrpcServerTransport {
  /** Binds; rejects when the address cannot be bound. */
  listen(): Promise<HostPort>;
  /** Stops accepting calls and resolves once in-flight calls have been answered. Safe without `listen()`. */
  close(): Promise<void>;
  /**
   * Swaps certificate, key and client CA for new connections (reload); connections already
   * open keep theirs. Only on a transport started with `tls`, and with `clientCa` present iff it
   * was at start (mTLS cannot be switched on or off live). Absent = certificates change on restart only.
   */
  setTls?(tls: ServerTls): void;
}

export type GrpcServerTransportFactory = (options: GrpcServerTransportOptions) => GrpcServerTransport;
