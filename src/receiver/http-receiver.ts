/**
 * OTLP/HTTP receiver (opentelemetry-proto docs/specification.md, "OTLP/HTTP") on fastify.
 *
 * Choices where the spec is silent, after the Collector (receiver/otlpreceiver/otlphttp.go):
 * non-POST on a signal path → 405, unsupported media type → 415, unsupported Content-Encoding →
 * 400. Every answer, errors included, is a google.rpc.Status (or Export response) encoded like
 * the request: protobuf when the request said protobuf, JSON otherwise — a client that sent an
 * unsupported or missing Content-Type cannot be assumed to read protobuf, and curl users can read
 * JSON. Responses are never compressed (gzip is only allowed when the client asks; it is optional).
 *
 * With a bearer token, a request without `Authorization: Bearer <token>` gets 401 with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3) before its body is read; so is the memory bound
 * claimed (http-admission.ts). Against slow clients, Node's own `headersTimeout` /
 * `requestTimeout` (answered 408, connection closed), the TLS handshake timeout, and
 * `maxConnections` (excess connections closed at once).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from 'fastify';
import { createAbortSource } from '../abort-source.js';
import { unlimitedAdmission, type Admission } from '../admission.js';
import type { Consumer, ExportRequest } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { gunzipBounded } from '../otlp/compression.js';
import { encodeExportResponse, exportResponseToJson } from '../otlp/export-response.js';
import { requestJsonToProto } from '../otlp/json/json-to-proto.js';
import { encodeRpcStatus, rpcStatusToJson } from '../otlp/rpc-status.js';
import { signals as signalInfo, type Signal } from '../otlp/signal.js';
import { clientStatusOf, isRetryableHttpStatus } from '../otlp/status.js';
import { createActiveRequests, type ActiveRequests } from './active-requests.js';
import { createBearerAuth, type BearerAuth } from './bearer-auth.js';
import { createHttpAdmission, tooLarge } from './http-admission.js';
import { formatEndpoint, parseEndpoint } from './endpoint.js';
import { trackOpenSockets, type OpenSockets } from './open-sockets.js';
import { pickHeaders } from './pick-headers.js';
import type { Receiver } from './receiver.js';
import { checkServerTls, secureContextOptions, type ServerTls } from './server-tls.js';

export interface HttpAppOptions {
  /** Largest request body accepted, before and after decompression; larger ones get 413. */
  readonly maxRequestBodyBytes: number;
  /** Enabled signals; the other paths answer 404. */
  readonly signals: readonly Signal[];
  readonly consumer: Consumer;
  readonly logger: Logger;
  /** Request headers (lower-case) copied into `ExportRequest.headers`; default none. */
  readonly forwardHeaders?: readonly string[];
  /** Bearer token every request must carry (`Authorization`); default none. */
  readonly authToken?: string;
  /** The memory bound, claimed before a body is read; default none. */
  readonly admission?: Admission;
}

export interface HttpReceiverOptions extends HttpAppOptions {
  /** `host:port`; port 0 picks a free one, reported by `start()`. */
  readonly endpoint: string;
  /** Serve HTTPS; with `clientCa`, mTLS. Default plaintext. */
  readonly tls?: ServerTls;
  /** Time a client has to send its request headers (and to finish the TLS handshake); default Node's 60 s. */
  readonly headerTimeoutMillis?: number;
  /** Time a client has to send a whole request; default Node's 300 s. */
  readonly requestTimeoutMillis?: number;
  /** Open connections; past it new ones are closed at once. Default unlimited. */
  readonly maxConnections?: number;
}

/** What `createHttpReceiver` shares with the app it builds. */
export interface HttpAppInternals {
  readonly auth?: BearerAuth;
  readonly serverFactory?: FastifyServerFactory;
}

const unauthenticated = new TaggerError(ErrorCode.UNAUTHENTICATED, 'missing or invalid bearer token');

type Format = 'protobuf' | 'json';

const mediaTypes: Record<Format, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** The request's format, or undefined when OTLP/HTTP does not define its media type. */
function requestFormat(mediaType: string): Format | undefined {
  if (mediaType === mediaTypes.protobuf) return 'protobuf';
  if (mediaType === mediaTypes.json) return 'json';
  return undefined;
}

/** How to encode the answer, also for requests that are refused for their media type. */
function responseFormat(request: FastifyRequest): Format {
  return mediaTypeOf(request).includes('protobuf') ? 'protobuf' : 'json';
}

async function decompress(request: FastifyRequest, raw: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding === 'gzip') return gunzipBounded(raw, maxBytes);
  throw new TaggerError(ErrorCode.COMPRESSION, `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or identity`);
}

/** Fastify's own refusals (body limit, malformed headers) as the errors our clients see. */
function fromFastifyError(err: unknown, maxBytes: number): unknown {
  // Ours, from the body stream (admission): fastify has stamped a 400 on it, which it is not.
  if (err instanceof TaggerError) return err;
  const { statusCode, message } = err as { statusCode?: unknown; message?: unknown };
  // Spec v1.11.0 requires 413; the Collector answers 400 (http.MaxBytesReader).
  if (statusCode === 413) return tooLarge(maxBytes);
  if (statusCode === 415) {
    return new TaggerError(ErrorCode.MEDIA_TYPE, `invalid Content-Type: ${String(message)}`, { httpStatus: 415 });
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new TaggerError(ErrorCode.DECODE, `cannot read the request: ${String(message)}`, { httpStatus: statusCode });
  }
  return err;
}

export function buildHttpApp(options: HttpAppOptions, internals: HttpAppInternals = {}): FastifyInstance {
  const { consumer, logger, maxRequestBodyBytes } = options;
  const admission = createHttpAdmission(options.admission ?? unlimitedAdmission, maxRequestBodyBytes);
  const forward = (options.forwardHeaders ?? []).map((h) => h.toLowerCase());
  const paths = new Set(options.signals.map((signal) => signalInfo[signal].httpPath));
  const auth = internals.auth ?? createBearerAuth(options.authToken);
  const app = Fastify({
    logger: false,
    bodyLimit: maxRequestBodyBytes,
    ...(internals.serverFactory === undefined ? {} : { serverFactory: internals.serverFactory }),
  });

  const fail = (request: FastifyRequest, reply: FastifyReply, err: unknown, signal?: Signal): FastifyReply => {
    const status = clientStatusOf(err);
    const level = status.code === ErrorCode.INTERNAL || status.retryable ? 'warn' : 'debug';
    logger[level]('export failed', { signal, code: status.code, httpStatus: status.httpStatus, error: status.message });
    const format = responseFormat(request);
    const rpcStatus = { code: status.grpcCode, message: status.message, retryAfterMillis: status.retryAfterMillis };
    reply.code(status.httpStatus).header('content-type', mediaTypes[format]);
    if (status.retryAfterMillis !== undefined && isRetryableHttpStatus(status.httpStatus)) {
      reply.header('retry-after', String(Math.ceil(Math.max(0, status.retryAfterMillis) / 1000)));
    }
    return reply.send(format === 'json' ? rpcStatusToJson(rpcStatus) : encodeRpcStatus(rpcStatus));
  };

  // One raw-bytes parser for every media type: the handler decides (415), so all refusals share
  // one response format. Fastify enforces the limit on the raw body (Content-Length or streamed).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxRequestBodyBytes }, (_request, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((err, request, reply) => fail(request, reply, fromFastifyError(err, maxRequestBodyBytes)));

  // onRequest: before the body is read, so an unauthenticated client cannot make us buffer one.
  app.addHook('onRequest', async (request, reply) => {
    if (auth.check(request.headers.authorization)) return;
    reply.header('www-authenticate', 'Bearer');
    return fail(request, reply, unauthenticated);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    if (paths.has(path)) {
      reply.header('allow', 'POST');
      return fail(
        request,
        reply,
        new TaggerError(ErrorCode.UNIMPLEMENTED, `method ${request.method} not allowed, supported: [POST]`, {
          httpStatus: 405,
        }),
      );
    }
    return fail(request, reply, new TaggerError(ErrorCode.UNIMPLEMENTED, `no OTLP endpoint at ${path}`));
  });

  for (const signal of options.signals) {
    app.post(signalInfo[signal].httpPath, { preParsing: admission.preParsing(signal) }, async (request, reply) => {
      const format = requestFormat(mediaTypeOf(request));
      if (format === undefined) {
        reply.header('accept-post', `${mediaTypes.protobuf}, ${mediaTypes.json}`);
        const got = request.headers['content-type'];
        return fail(
          request,
          reply,
          new TaggerError(
            ErrorCode.MEDIA_TYPE,
            `unsupported Content-Type ${got === undefined ? '(none)' : JSON.stringify(got)}; use application/x-protobuf or application/json`,
            { httpStatus: 415 },
          ),
          signal,
        );
      }
      const controller = createAbortSource();
      const onClose = (): void => {
        if (!reply.raw.writableFinished) {
          controller.abort(new TaggerError(ErrorCode.CANCELLED, 'the client closed the connection'));
        }
      };
      reply.raw.once('close', onClose);
      const claim = admission.takeClaim(request);
      try {
        // With a Content-Type present, fastify always runs the parser: the body is a Buffer.
        const raw = request.body as Buffer;
        const bytes = await decompress(request, raw, maxRequestBodyBytes);
        const body = format === 'json' ? requestJsonToProto(signal, bytes) : bytes;
        // Every distinct buffer stays referenced until the answer is sent.
        claim.resize(raw.length + (bytes === raw ? 0 : bytes.length) + (body === bytes ? 0 : body.length));
        const exportRequest: ExportRequest = {
          signal,
          body,
          headers: pickHeaders(request.headers, forward),
          deadline: undefined,
          abortSignal: controller,
        };
        const response = await consumer.consume(exportRequest);
        reply.code(200).header('content-type', mediaTypes[format]);
        return reply.send(format === 'json' ? exportResponseToJson(signal, response) : encodeExportResponse(response));
      } catch (err) {
        return fail(request, reply, err, signal);
      } finally {
        claim.release();
      }
    });
  }
  return app;
}

/** Node's HTTP(S) server with the receiver's timeouts and limits, for fastify's `serverFactory`. */
function serverFactoryFor(
  options: HttpReceiverOptions,
  requests: ActiveRequests,
  onServer: (server: http.Server | https.Server) => void,
): FastifyServerFactory {
  const requestTimeout = options.requestTimeoutMillis;
  // Node refuses a headersTimeout above a (non-zero) requestTimeout.
  const headersTimeout =
    options.headerTimeoutMillis === undefined || requestTimeout === undefined || requestTimeout === 0
      ? options.headerTimeoutMillis
      : Math.min(options.headerTimeoutMillis, requestTimeout);
  const shortest = Math.min(headersTimeout || Infinity, requestTimeout || Infinity);
  const serverOptions: http.ServerOptions = {
    ...(headersTimeout === undefined ? {} : { headersTimeout }),
    ...(requestTimeout === undefined ? {} : { requestTimeout }),
    // Node checks both timeouts only this often (default 30 s): keep it well under the shortest.
    ...(Number.isFinite(shortest) ? { connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(shortest / 4))) } : {}),
  };
  return (fastifyHandler) => {
    const handler = requests.count(fastifyHandler);
    const tls = options.tls;
    const server =
      tls === undefined
        ? http.createServer(serverOptions, handler)
        : https.createServer(
            {
              ...serverOptions,
              ...secureContextOptions(tls),
              requestCert: tls.clientCa !== undefined,
              rejectUnauthorized: tls.clientCa !== undefined,
              ...(headersTimeout ? { handshakeTimeout: headersTimeout } : {}),
            },
            handler,
          );
    if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
    onServer(server);
    // fastify's typings want an http.Server; an https.Server is what it supports as `https`.
    return server as http.Server;
  };
}

export function createHttpReceiver(options: HttpReceiverOptions): Receiver {
  let app: FastifyInstance | undefined;
  let server: http.Server | https.Server | undefined;
  let sockets: OpenSockets | undefined;
  const requests = createActiveRequests();
  const auth = createBearerAuth(options.authToken);
  const mutualTls = options.tls?.clientCa !== undefined;
  return {
    async start() {
      const { host, port } = parseEndpoint(options.endpoint);
      const serverFactory = serverFactoryFor(options, requests, (s) => {
        server = s;
        sockets = trackOpenSockets(s);
      });
      app = buildHttpApp(options, { auth, serverFactory });
      try {
        await app.listen({ host, port });
      } catch (err) {
        throw new TaggerError(ErrorCode.CONFIG, `cannot listen on ${options.endpoint}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const bound = formatEndpoint({ host, port: (app.server.address() as AddressInfo).port });
      options.logger.info('OTLP/HTTP receiver listening', {
        endpoint: bound,
        signals: options.signals,
        tls: options.tls === undefined ? 'off' : mutualTls ? 'mutual' : 'on',
        auth: auth.enabled,
      });
      return bound;
    },
    async shutdown() {
      if (app === undefined) return;
      // fastify's close answers what is in progress and closes idle keep-alive connections, but
      // waits for connections that never carried a request: a TLS handshake in progress (Node
      // allows it 120 s) or a client that sent nothing. Those go once the requests are answered.
      const closed = app.close();
      await requests.idle();
      sockets?.destroyAll();
      await closed;
    },
    setTls(tls) {
      if (options.tls === undefined || !(server instanceof https.Server)) {
        throw new TaggerError(ErrorCode.CONFIG, 'this HTTP receiver was started without TLS; that needs a restart');
      }
      if ((tls.clientCa !== undefined) !== mutualTls) {
        throw new TaggerError(ErrorCode.CONFIG, 'switching client certificates (mTLS) on or off needs a restart');
      }
      checkServerTls(tls);
      server.setSecureContext(secureContextOptions(tls));
    },
    setAuthToken(token) {
      auth.set(token);
    },
  };
}
