/**
 * A real OTLP/HTTP upstream for tests: a node:http(s) server that inflates gzip, decodes every
 * request with the protobufjs reference (JSON bodies are converted to the same plain-object
 * shape), records it with its headers, and answers as the test scripts it: OK, partial success,
 * an error status with a google.rpc.Status body (and `Retry-After`), any raw answer, after a
 * delay, never (hang), or by destroying the socket (before or in the middle of the answer).
 * Answers to OK / partial success / status use the request's encoding, as OTLP/HTTP requires.
 *
 *   const upstream = await startHttpUpstream(t);            // closed by t.teardown
 *   upstream.reply({ kind: 'status', status: 503, retryAfter: '7' });
 *   ... export to upstream.endpoints ...
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import zlib from 'node:zlib';
import type { Test } from 'tap';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { decodeRequest, encodeRequest } from './reference-codec.js';
import { encodePartialSuccess, encodeStatus, type PartialSuccessReply } from './upstream-grpc.js';

export type HttpUpstreamReply =
  | { readonly kind: 'ok'; readonly partialSuccess?: PartialSuccessReply; readonly delayMillis?: number }
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly message?: string;
      /** The `Retry-After` header, verbatim (seconds or an HTTP-date). */
      readonly retryAfter?: string;
      /** google.rpc.RetryInfo inside the Status body. */
      readonly retryDelayMillis?: number;
      readonly delayMillis?: number;
    }
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string | Buffer;
      readonly delayMillis?: number;
    }
  /** Never answers; the request ends when the client gives up or the upstream closes. */
  | { readonly kind: 'hang' }
  /** Destroys the socket without answering. */
  | { readonly kind: 'destroy' }
  /** Sends the status line, headers and part of the body, then destroys the socket. */
  | { readonly kind: 'destroy-mid-body' };

export interface RecordedHttpRequest {
  readonly method: string;
  readonly path: string;
  /** From the path; undefined for a path that is not an OTLP default one. */
  readonly signal: Signal | undefined;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as it came over the wire (gzipped if so sent). */
  readonly raw: Buffer;
  /** The body after `Content-Encoding`. */
  readonly body: Buffer;
  /** The parsed JSON, for `application/json` requests. */
  readonly json?: unknown;
  /** The protobufjs reference decoding (JSON bodies converted first); undefined if undecodable. */
  readonly decoded?: Record<string, unknown>;
}

export interface HttpUpstreamTls {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** When set, clients must present a certificate signed by this CA (mTLS). */
  readonly clientCa?: Buffer;
}

export interface HttpUpstream {
  /** `http://127.0.0.1:<port>` (or `https://`). */
  readonly url: string;
  /** The default OTLP/HTTP URL of each signal on this server. */
  readonly endpoints: Readonly<Record<Signal, string>>;
  readonly requests: readonly RecordedHttpRequest[];
  /** Queues replies for the next requests, in order; once they run out, every request gets OK. */
  reply(...replies: HttpUpstreamReply[]): void;
  /** Decides every reply instead of the queue. */
  respondWith(decide: (request: RecordedHttpRequest) => HttpUpstreamReply): void;
  /** Resolves once `count` requests have arrived in total. */
  waitForRequests(count: number): Promise<void>;
  /** Connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number;
  close(): Promise<void>;
}

const hexKeys = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * OTLP/JSON → the plain-object shape protobufjs `fromObject` takes: ids are hex in OTLP/JSON,
 * base64 for protobufjs; everything else (camelCase keys, int64 strings, enum numbers) matches.
 */
function fromOtlpJson(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && hexKeys.has(key)) return Buffer.from(value, 'hex').toString('base64');
  if (Array.isArray(value)) return value.map((item) => fromOtlpJson(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromOtlpJson(v, k)]));
  }
  return value;
}

function decodeBody(signal: Signal, isJson: boolean, body: Buffer): { json?: unknown; decoded?: Record<string, unknown> } {
  try {
    if (!isJson) return { decoded: decodeRequest(signal, body) };
    const json = JSON.parse(body.toString('utf8')) as unknown;
    const bytes = encodeRequest(signal, fromOtlpJson(json) as Record<string, unknown>);
    return { json, decoded: decodeRequest(signal, bytes) };
  } catch {
    return {};
  }
}

function okBody(signal: Signal | undefined, isJson: boolean, partial: PartialSuccessReply | undefined): Buffer {
  if (isJson) {
    if (partial === undefined || signal === undefined) return Buffer.from('{}');
    const body = { partialSuccess: { [signals[signal].rejectedKey]: String(partial.rejected), errorMessage: partial.errorMessage ?? '' } };
    return Buffer.from(JSON.stringify(body));
  }
  return signal === undefined ? Buffer.alloc(0) : encodePartialSuccess(signal, partial);
}

function statusBody(isJson: boolean, code: number, message: string, retryDelayMillis: number | undefined): Buffer {
  if (!isJson) return encodeStatus(code, message, retryDelayMillis);
  const details =
    retryDelayMillis === undefined
      ? []
      : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelayMillis / 1000}s` }];
  return Buffer.from(JSON.stringify({ code, message, details }));
}

/** gRPC code a Status body carries for an HTTP status, as the Collector's receiver does. */
function grpcCodeOf(status: number): number {
  return ({ 400: 3, 401: 16, 403: 7, 404: 12, 413: 8, 429: 8, 502: 14, 503: 14, 504: 14 } as Record<number, number>)[status] ?? 13;
}

export async function startHttpUpstream(t: Test | undefined, options: { tls?: HttpUpstreamTls } = {}): Promise<HttpUpstream> {
  const requests: RecordedHttpRequest[] = [];
  const queue: HttpUpstreamReply[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let decide: ((request: RecordedHttpRequest) => HttpUpstreamReply) | undefined;
  let connections = 0;

  const answer = (request: RecordedHttpRequest, res: http.ServerResponse, reply: HttpUpstreamReply): void => {
    const isJson = (request.headers['content-type'] ?? '').startsWith('application/json');
    const contentType = isJson ? 'application/json' : 'application/x-protobuf';
    switch (reply.kind) {
      case 'ok':
        res.writeHead(200, { 'content-type': contentType }).end(okBody(request.signal, isJson, reply.partialSuccess));
        return;
      case 'status': {
        const headers: Record<string, string> = { 'content-type': contentType };
        if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
        const body = statusBody(isJson, grpcCodeOf(reply.status), reply.message ?? '', reply.retryDelayMillis);
        res.writeHead(reply.status, headers).end(body);
        return;
      }
      case 'raw':
        res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
        return;
      case 'destroy':
        res.socket?.destroy();
        return;
      case 'destroy-mid-body':
        res.writeHead(200, { 'content-type': contentType, 'content-length': '1000' });
        res.write(Buffer.alloc(10), () => res.socket?.destroy());
        return;
      case 'hang':
        return;
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = raw;
      try {
        if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(raw);
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid gzip');
        return;
      }
      const path = req.url ?? '/';
      const signal = allSignals.find((s) => signals[s].httpPath === path);
      const isJson = (req.headers['content-type'] ?? '').startsWith('application/json');
      const recorded: RecordedHttpRequest = {
        method: req.method ?? '',
        path,
        signal,
        headers: req.headers,
        raw,
        body,
        ...(signal === undefined ? {} : decodeBody(signal, isJson, body)),
      };
      requests.push(recorded);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const reply = decide?.(recorded) ?? queue.shift() ?? { kind: 'ok' };
      const delay = 'delayMillis' in reply ? reply.delayMillis : undefined;
      if (delay === undefined) answer(recorded, res, reply);
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(recorded, res, reply);
        }, delay);
        timers.add(timer);
      }
    });
  };

  const tls = options.tls;
  const server =
    tls === undefined
      ? http.createServer(onRequest)
      : https.createServer(
          { key: tls.key, cert: tls.cert, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) },
          onRequest,
        );
  server.on(tls === undefined ? 'connection' : 'secureConnection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // TLS handshakes that fail (an untrusted client) must not crash the test process.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  const upstream: HttpUpstream = {
    url,
    endpoints: Object.fromEntries(allSignals.map((s) => [s, `${url}${signals[s].httpPath}`])) as Record<Signal, string>,
    requests,
    reply: (...replies) => void queue.push(...replies),
    respondWith: (fn) => void (decide = fn),
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    get connections() {
      return connections;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  t?.teardown(() => upstream.close());
  return upstream;
}
