/**
 * GrpcClientTransport on bare node:http2, without grpc-js' per-call machinery: one HTTP/2 session
 * per upstream (plaintext h2c or TLS with ALPN h2), opened on first use and again after close,
 * GOAWAY or error; one stream per unary call (http2-grpc-client-call.ts).
 *
 * Request headers per grpc/grpc doc/PROTOCOL-HTTP2.md: `:method POST`, `:path`, `content-type:
 * application/grpc`, `te: trailers`, `user-agent`, `grpc-accept-encoding`, `grpc-encoding: gzip`
 * when compressing (the message then carries Compressed-Flag 1), `grpc-timeout` from the deadline,
 * then the custom metadata.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import { gzip } from '../otlp/compression.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import { encodeGrpcPrefix, formatGrpcTimeout, GRPC_ACCEPT_ENCODING } from '../otlp/grpc-wire.js';
import type {
  GrpcClientTransport,
  GrpcClientTransportOptions,
  GrpcUnaryCallOptions,
  GrpcUnaryResult,
} from './grpc-client-transport.js';
import { grpcFailure, startGrpcCall } from './http2-grpc-client-call.js';

/** Flow-control windows for responses: OTLP responses are tiny, but partial-success messages need not be. */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * After a call's deadline passes, the connection must answer a PING within this time or it is
 * dropped (and the next call opens a new one): without it, an upstream gone silent (no FIN, no
 * RST) would time out every later call on the same connection.
 */
const PING_TIMEOUT_MILLIS = 10_000;

/**
 * gRPC metadata keys and ASCII values (PROTOCOL-HTTP2.md, "Custom-Metadata"). `-bin` keys take
 * binary values, which string metadata cannot carry (grpc-js refuses them too).
 */
const METADATA_KEY = /^[0-9a-z_.-]+$/;
const METADATA_VALUE = /^[\x20-\x7e]*$/;

/**
 * Node's default of 10 MB per session makes nghttp2 refuse streams (ENHANCE_YOUR_CALM) when a
 * few 4 MiB requests are in flight at once; the in-flight byte limit bounds memory instead.
 */
const MAX_SESSION_MEMORY_MB = 256;

function connectOptions(options: GrpcClientTransportOptions): http2.SecureClientSessionOptions {
  const settings = { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false };
  const tls = options.tls;
  if (tls === undefined) return { settings, maxSessionMemory: MAX_SESSION_MEMORY_MB };
  return {
    settings,
    maxSessionMemory: MAX_SESSION_MEMORY_MB,
    ca: tls.ca,
    key: tls.key,
    cert: tls.cert,
    // Also the name checked in the certificate (tls.connect checks servername, else the host).
    servername: tls.serverName,
    rejectUnauthorized: !tls.insecureSkipVerify,
    ...(tls.insecureSkipVerify ? { checkServerIdentity: () => undefined } : {}),
  };
}

export interface Http2GrpcClientTransportOptions extends GrpcClientTransportOptions {
  /** Default PING_TIMEOUT_MILLIS. */
  readonly pingTimeoutMillis?: number;
}

class Http2GrpcClientTransport implements GrpcClientTransport {
  private readonly _options: Http2GrpcClientTransportOptions;
  private readonly _authority: string;
  private readonly _connectOptions: http2.SecureClientSessionOptions;
  private readonly _pinging = new WeakSet<ClientHttp2Session>();
  private readonly _afterDeadline = (session: ClientHttp2Session): void => this._checkLiveness(session);
  private _session: ClientHttp2Session | undefined;
  private _closed = false;

  constructor(options: Http2GrpcClientTransportOptions) {
    this._options = options;
    this._authority = `${options.tls === undefined ? 'http' : 'https'}://${options.address}`;
    this._connectOptions = connectOptions(options);
  }

  async unary(method: string, body: Buffer, options: GrpcUnaryCallOptions): Promise<GrpcUnaryResult> {
    if (this._closed) return grpcFailure(GrpcCode.UNAVAILABLE, 'the transport is closed');
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': this._options.userAgent,
      'grpc-accept-encoding': GRPC_ACCEPT_ENCODING,
    };
    for (const key in options.metadata) {
      const value = options.metadata[key];
      if (!METADATA_KEY.test(key) || key.endsWith('-bin') || !METADATA_VALUE.test(value)) {
        return grpcFailure(GrpcCode.INTERNAL, `metadata ${JSON.stringify(key)} is not a valid gRPC key with an ASCII value`);
      }
      headers[key] = value;
    }
    const maxSend = this._options.maxSendMessageBytes;
    if (body.length > maxSend) {
      return grpcFailure(GrpcCode.RESOURCE_EXHAUSTED, `message larger than max (${body.length} vs. ${maxSend})`);
    }
    let message = body;
    const compressed = this._options.compression === 'gzip';
    if (compressed) {
      headers['grpc-encoding'] = 'gzip';
      message = await gzip(body);
      if (this._closed) return grpcFailure(GrpcCode.UNAVAILABLE, 'the transport is closed');
    }
    if (options.abortSignal.aborted) return grpcFailure(GrpcCode.CANCELLED, 'the call was cancelled');
    let timeoutMillis: number | undefined;
    if (options.deadline !== undefined) {
      timeoutMillis = options.deadline - Date.now();
      if (timeoutMillis <= 0) return grpcFailure(GrpcCode.DEADLINE_EXCEEDED, 'deadline exceeded before the call started');
      headers['grpc-timeout'] = formatGrpcTimeout(timeoutMillis);
    }
    const start = {
      session: this._sessionFor(),
      headers,
      prefix: encodeGrpcPrefix(message.length, compressed),
      message,
      signal: options.abortSignal,
      timeoutMillis,
      maxReceiveMessageBytes: this._options.maxReceiveMessageBytes,
      afterDeadline: this._afterDeadline,
    };
    return new Promise<GrpcUnaryResult>((resolve) => startGrpcCall(start, resolve));
  }

  private _sessionFor(): ClientHttp2Session {
    const current = this._session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2.connect(this._authority, this._connectOptions);
    const forget = (): void => {
      if (this._session === session) this._session = undefined;
    };
    // A failed or dropped connection fails its streams, which report it; here it is only forgotten.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.once('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
    this._session = session;
    return session;
  }

  /** One PING at a time per connection; no answer in time (or no handshake yet) drops it. */
  private _checkLiveness(session: ClientHttp2Session): void {
    if (session.destroyed || this._pinging.has(session)) return;
    this._pinging.add(session);
    const timer = setTimeout(() => session.destroy(), this._options.pingTimeoutMillis ?? PING_TIMEOUT_MILLIS);
    timer.unref();
    // Queued until connected; the callback also runs, with an error, when the session goes.
    session.ping(() => {
      clearTimeout(timer);
      this._pinging.delete(session);
    });
  }

  close(): void {
    this._closed = true;
    // Graceful: calls in flight finish, then the session goes.
    this._session?.close();
    this._session = undefined;
  }
}

export function createHttp2GrpcClientTransport(options: Http2GrpcClientTransportOptions): GrpcClientTransport {
  return new Http2GrpcClientTransport(options);
}
