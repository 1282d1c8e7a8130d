/**
 * GrpcServerTransport on bare node:http2: unary gRPC as grpc/grpc doc/PROTOCOL-HTTP2.md lays it
 * out, without grpc-js' per-call machinery, which costs the hop more CPU than the tagging itself.
 *
 * Here: the HTTP/2 server and its sessions, and the checks on a call's headers (POST,
 * `content-type: application/grpc[+proto]`, a known route, a supported `grpc-encoding`
 * (doc/compression.md: else UNIMPLEMENTED listing `grpc-accept-encoding`), a well-formed
 * `grpc-timeout`). The call itself: http2-grpc-server-call.ts.
 *
 * TLS: http2.createSecureServer (ALPN h2 only; a client that offers no h2 is dropped at once),
 * mTLS when a client CA is given; `setTls` swaps the context for new connections.
 */
import http2, { type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Ticket } from '../admission.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import { parseGrpcTimeout } from '../otlp/grpc-wire.js';
import type { HostPort } from './endpoint.js';
import type { GrpcServerTransport, GrpcServerTransportOptions, GrpcUnaryHandler } from './grpc-server-transport.js';
import { failureHeaders, respondTrailersOnly, serveGrpcCall } from './http2-grpc-server-call.js';
import { trackOpenSockets } from './open-sockets.js';
import { secureContextOptions, type ServerTls } from './server-tls.js';

/** Streams per connection: far above what OTLP exporters open (the Collector's default is 10 consumers). */
const MAX_CONCURRENT_STREAMS = 1000;
/** Flow-control windows: a typical OTLP request arrives without waiting for WINDOW_UPDATE. */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
/**
 * A connection without traffic for this long is closed (GOAWAY), and dropped if still open after
 * as long again. Besides idle clients (which reconnect), this ends connections Node leaves open
 * after answering a protocol error with GOAWAY, and calls stalled mid-body without a deadline.
 */
const IDLE_TIMEOUT_MILLIS = 5 * 60_000;

export interface Http2GrpcServerTransportOptions extends GrpcServerTransportOptions {
  /** Default IDLE_TIMEOUT_MILLIS. */
  readonly idleTimeoutMillis?: number;
}

function ignore(): void {}

function isGrpcContentType(value: string | undefined): boolean {
  if (value === 'application/grpc') return true;
  if (value === undefined || !value.startsWith('application/grpc')) return false;
  const rest = value.slice('application/grpc'.length);
  return rest.startsWith(';') || rest === '+proto' || rest.startsWith('+proto;');
}

function respondEarly(stream: ServerHttp2Stream, headers: http2.OutgoingHttpHeaders): void {
  respondTrailersOnly(stream, headers);
  // Read and drop whatever body follows, so that flow control never holds the client up.
  stream.resume();
}

/** What a route needs per call, built once per transport. */
interface Route {
  readonly handler: GrpcUnaryHandler;
  readonly admit: ((bytes: number) => Ticket) | undefined;
}

function routesOf(options: GrpcServerTransportOptions): Map<string, Route> {
  const { admit } = options;
  const routes = new Map<string, Route>();
  for (const [path, handler] of options.routes) {
    routes.set(path, { handler, admit: admit === undefined ? undefined : (bytes) => admit(path, bytes) });
  }
  return routes;
}

function onStream(
  options: GrpcServerTransportOptions,
  routes: ReadonlyMap<string, Route>,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
): void {
  // Every error also closes the stream, and 'close' is where a call ends; an unhandled 'error' would crash.
  stream.on('error', ignore);
  if (headers[':method'] !== 'POST') {
    respondEarly(stream, { ':status': 405 });
    return;
  }
  if (!isGrpcContentType(headers['content-type'])) {
    respondEarly(stream, { ':status': 415 });
    return;
  }
  // nghttp2 refuses a request without :path (only CONNECT may omit it, and that is not POST).
  const path = headers[':path'] as string;
  const route = routes.get(path);
  if (route === undefined) {
    respondEarly(stream, failureHeaders(GrpcCode.UNIMPLEMENTED, `unknown method ${path}`));
    return;
  }
  const encoding = headers['grpc-encoding'];
  if (encoding !== undefined && encoding !== 'identity' && encoding !== 'gzip') {
    respondEarly(stream, failureHeaders(GrpcCode.UNIMPLEMENTED, `unsupported grpc-encoding ${JSON.stringify(encoding)}`));
    return;
  }
  const timeoutHeader = headers['grpc-timeout'];
  let timeoutMillis: number | undefined;
  if (timeoutHeader !== undefined) {
    timeoutMillis = parseGrpcTimeout(String(timeoutHeader));
    if (timeoutMillis === undefined) {
      // grpc-js answers a malformed grpc-timeout with INTERNAL.
      respondEarly(stream, failureHeaders(GrpcCode.INTERNAL, `invalid grpc-timeout ${JSON.stringify(timeoutHeader)}`));
      return;
    }
  }
  serveGrpcCall(stream, headers, {
    handler: route.handler,
    maxRecvMsgSizeBytes: options.maxRecvMsgSizeBytes,
    gzip: encoding === 'gzip',
    timeoutMillis,
    admit: route.admit,
  });
}

function createServer(tls: ServerTls | undefined): http2.Http2Server | http2.Http2SecureServer {
  const settings = { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, initialWindowSize: STREAM_WINDOW_BYTES };
  // Node's 10 MB default per session refuses streams when a few 4 MiB requests arrive at once;
  // memory is bounded by the receive limit and the service's in-flight byte limit instead.
  const maxSessionMemory = 256;
  if (tls === undefined) return http2.createServer({ settings, maxSessionMemory });
  const mutual = tls.clientCa !== undefined;
  const server = http2.createSecureServer({
    settings,
    maxSessionMemory,
    ...secureContextOptions(tls),
    requestCert: mutual,
    rejectUnauthorized: mutual,
  });
  // ALPN without h2 (an HTTP/1.1 client): Node would wait 10 s before dropping it.
  server.on('unknownProtocol', (socket: Socket) => socket.destroy());
  return server;
}

export function createHttp2GrpcServerTransport(options: Http2GrpcServerTransportOptions): GrpcServerTransport {
  const idleTimeoutMillis = options.idleTimeoutMillis ?? IDLE_TIMEOUT_MILLIS;
  const startedWithTls = options.tls;
  const server = createServer(startedWithTls);
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  const sessions = new Set<ServerHttp2Session>();
  const sockets = trackOpenSockets(server);
  let closed: Promise<void> | undefined;
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A handshake that completes while closing: it gets its GOAWAY at once.
    if (closed !== undefined) session.close();
    session.on('error', ignore);
    session.on('timeout', () => {
      if (session.closed) {
        session.destroy();
      } else {
        session.close();
        session.setTimeout(idleTimeoutMillis);
      }
    });
    session.setTimeout(idleTimeoutMillis);
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
  });
  // Garbage on the socket (not HTTP/2, HTTP/1.1, a bad frame) ends that session, nothing else.
  server.on('sessionError', ignore);
  const routes = routesOf(options);
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => onStream(options, routes, stream, headers));

  return {
    listen: () =>
      new Promise<HostPort>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          server.on('error', ignore);
          resolve({ host: options.host, port: (server.address() as AddressInfo).port });
        });
      }),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        // Resolves once every connection is gone; each session goes (after GOAWAY) once its calls are answered.
        server.close(() => resolve());
        const answered = [...sessions].map((session) => new Promise((done) => session.once('close', done)));
        for (const session of sessions) session.close();
        // Then what never became a session goes too.
        void Promise.all(answered).then(() => sockets.destroyAll());
      });
      return closed;
    },
    setTls(tls: ServerTls): void {
      if (startedWithTls === undefined) throw new Error('this gRPC server was started without TLS; that needs a restart');
      if ((tls.clientCa !== undefined) !== (startedWithTls.clientCa !== undefined)) {
        throw new Error('switching client certificates (mTLS) on or off needs a restart');
      }
      (server as http2.Http2SecureServer).setSecureContext(secureContextOptions(tls));
    },
  };
}
