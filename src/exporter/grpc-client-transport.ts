/**
 * A unary gRPC client transport, kept small so that the grpc-js implementation can be swapped for
 * a leaner node:http2 one without touching the exporter, and so that one test suite runs against
 * every implementation (test/exporter/grpc-js-client-transport.test.ts).
 *
 * The transport owns the channel: connection management, TLS, framing, `grpc-encoding`
 * compression, message-size limits, deadline propagation (`grpc-timeout`) and cancellation.
 * It never decodes a message: callers pass and get raw protobuf bytes.
 */
import type { AbortSignalLike } from '../abort-source.js';
import type { Compression } from '../otlp/compression.js';

export interface GrpcClientTls {
  /** PEM CAs to trust; the system roots when absent. */
  readonly ca?: Buffer;
  /** PEM client key and certificate chain for mTLS; both or neither. */
  readonly key?: Buffer;
  readonly cert?: Buffer;
  /** Accept any server certificate. */
  readonly insecureSkipVerify: boolean;
  /** Name checked in the server certificate and sent as SNI. */
  readonly serverName?: string;
}

export interface GrpcClientTransportOptions {
  /** `host:port` (IPv6 in brackets). */
  readonly address: string;
  /** `undefined` = plaintext (h2c). */
  readonly tls: GrpcClientTls | undefined;
  readonly compression: Compression;
  /** Larger requests fail locally with RESOURCE_EXHAUSTED and are never sent. */
  readonly maxSendMessageBytes: number;
  /** Larger responses fail with RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes: number;
  /** Sent as (the start of) `user-agent`. */
  readonly userAgent: string;
}

export interface GrpcUnaryCallOptions {
  /** Custom metadata; keys are valid lower-case ASCII gRPC keys, none `-bin` or reserved. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Epoch milliseconds; sent as `grpc-timeout`; once passed the call ends DEADLINE_EXCEEDED. */
  readonly deadline: number | undefined;
  /** Aborting cancels the call (RST_STREAM); it then ends CANCELLED. */
  readonly abortSignal: AbortSignalLike;
}

export type GrpcUnaryResult =
  /** Status OK with the response message. */
  | { readonly body: Buffer }
  /**
   * Any other status, whether the server sent it or the transport produced it (no connection:
   * UNAVAILABLE; deadline: DEADLINE_EXCEEDED; abort: CANCELLED).
   */
  | { readonly code: number; readonly message: string; readonly details?: Buffer /* grpc-status-details-bin */ };

export interface GrpcClientTransport {
  /** Never rejects: every outcome is a result. */
  unary(method: string, body: Buffer, options: GrpcUnaryCallOptions): Promise<GrpcUnaryResult>;
  /** Closes the channel; calls still in flight run to completion. */
  close(): void;
}

export type GrpcClientTransportFactory = (options: GrpcClientTransportOptions) => GrpcClientTransport;
