/**
 * A real OTLP/gRPC upstream for tests: a grpc-js Server with identity (de)serialisers that
 * decodes every request with the protobufjs reference, records it with its metadata, and answers
 * as the test scripts it: OK, partial success, any status (optionally with RetryInfo in the
 * `grpc-status-details-bin` trailer), after a delay, never (hang), or by dropping the connection.
 *
 * Connections are accepted by our own net.Server and handed to grpc-js, so that the helper can
 * count wire bytes (to see compression) and drop connections on demand.
 *
 *   const upstream = await startGrpcUpstream(t);            // closed by t.teardown
 *   upstream.reply({ kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'busy' });
 *   ... export to upstream.url ...
 *   t.same(upstream.requests[0].decoded, expected);
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Test } from 'tap';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { decodeRequest, lookupType, responseType } from './reference-codec.js';

export interface PartialSuccessReply {
  readonly rejected: number | string;
  readonly errorMessage?: string;
}

export type GrpcUpstreamReply =
  | { readonly kind: 'ok'; readonly partialSuccess?: PartialSuccessReply; readonly delayMillis?: number }
  /** Status OK with these exact response bytes. */
  | { readonly kind: 'raw'; readonly body: Buffer; readonly delayMillis?: number }
  | {
      readonly kind: 'status';
      readonly code: number;
      readonly message?: string;
      /** Sent as google.rpc.RetryInfo inside a google.rpc.Status in `grpc-status-details-bin`. */
      readonly retryDelayMillis?: number;
      readonly delayMillis?: number;
    }
  /** Never answers; the call ends when the client cancels or gives up, or the upstream closes. */
  | { readonly kind: 'hang' }
  /** Destroys every open connection without answering. */
  | { readonly kind: 'close' };

export interface RecordedGrpcRequest {
  readonly signal: Signal;
  readonly method: string;
  /** Lower-case keys; text values only, repeated ones joined with ", ". */
  readonly metadata: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The protobufjs reference decoding (64-bit values as strings, bytes as base64). */
  readonly decoded: Record<string, unknown>;
  /** Epoch milliseconds of the client's deadline (`grpc-timeout`), if it sent one. */
  readonly deadline: number | undefined;
}

export interface GrpcUpstreamTls {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** When set, clients must present a certificate signed by this CA (mTLS). */
  readonly clientCa?: Buffer;
}

export interface GrpcUpstream {
  /** `http://127.0.0.1:<port>`, or `https://…` with TLS: what the exporter's endpoint takes. */
  readonly url: string;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  readonly requests: readonly RecordedGrpcRequest[];
  /** Queues replies for the next requests, in order; once they run out, every request gets OK. */
  reply(...replies: GrpcUpstreamReply[]): void;
  /** Decides every reply instead of the queue. */
  respondWith(decide: (request: RecordedGrpcRequest) => GrpcUpstreamReply): void;
  /** Resolves once `count` requests have arrived in total. */
  waitForRequests(count: number): Promise<void>;
  /** Calls the client cancelled (or let run past its deadline) before we answered. */
  readonly cancelledCalls: number;
  /** Bytes read from all connections so far: the wire, so compressed when the client compresses. */
  bytesReceived(): number;
  close(): Promise<void>;
}

const identity = (value: Buffer): Buffer => value;
const statusType = lookupType('google.rpc.Status');
const retryInfoType = lookupType('google.rpc.RetryInfo');

/** The protobufjs reference encoding of a partial-success `Export<Signal>ServiceResponse`. */
export function encodePartialSuccess(signal: Signal, partial: PartialSuccessReply | undefined): Buffer {
  const type = responseType(signal);
  if (partial === undefined) return Buffer.from(type.encode(type.create({})).finish());
  const message = type.fromObject({
    partialSuccess: { [signals[signal].rejectedKey]: partial.rejected, errorMessage: partial.errorMessage ?? '' },
  });
  return Buffer.from(type.encode(message).finish());
}

/** The protobufjs reference encoding of a google.rpc.Status, with RetryInfo when a delay is given. */
export function encodeStatus(code: number, message: string, retryDelayMillis?: number): Buffer {
  const details =
    retryDelayMillis === undefined
      ? []
      : [
          {
            // protobufjs' built-in google.protobuf.Any keeps the snake_case name.
            type_url: 'type.googleapis.com/google.rpc.RetryInfo',
            value: retryInfoType
              .encode(
                retryInfoType.fromObject({
                  retryDelay: { seconds: Math.floor(retryDelayMillis / 1000), nanos: (retryDelayMillis % 1000) * 1e6 },
                }),
              )
              .finish(),
          },
        ];
  return Buffer.from(statusType.encode(statusType.create({ code, message, details })).finish());
}

function textMetadata(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    const text = values.filter((v): v is string => typeof v === 'string');
    if (text.length > 0) out[key] = text.join(', ');
  }
  return out;
}

function deadlineOf(call: grpc.ServerUnaryCall<Buffer, Buffer>): number | undefined {
  const deadline = call.getDeadline();
  const millis = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(millis) ? millis : undefined;
}

export async function startGrpcUpstream(t: Test | undefined, options: { tls?: GrpcUpstreamTls } = {}): Promise<GrpcUpstream> {
  const server = new grpc.Server();
  const sockets = new Set<net.Socket>();
  const requests: RecordedGrpcRequest[] = [];
  const queue: GrpcUpstreamReply[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let decide: ((request: RecordedGrpcRequest) => GrpcUpstreamReply) | undefined;
  let cancelledCalls = 0;
  let bytesOfClosed = 0;

  const handlerFor =
    (signal: Signal): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      const recorded: RecordedGrpcRequest = {
        signal,
        method: signals[signal].grpcMethod,
        metadata: textMetadata(call.metadata),
        body: call.request,
        decoded: decodeRequest(signal, call.request),
        deadline: deadlineOf(call),
      };
      requests.push(recorded);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      call.on('cancelled', () => cancelledCalls++);
      const reply = decide?.(recorded) ?? queue.shift() ?? { kind: 'ok' };
      const answer = (): void => {
        if (reply.kind === 'ok') {
          callback(null, encodePartialSuccess(signal, reply.partialSuccess));
        } else if (reply.kind === 'raw') {
          callback(null, reply.body);
        } else if (reply.kind === 'status') {
          const trailer = new grpc.Metadata();
          if (reply.retryDelayMillis !== undefined) {
            trailer.set('grpc-status-details-bin', encodeStatus(reply.code, reply.message ?? '', reply.retryDelayMillis));
          }
          callback({ code: reply.code, details: reply.message ?? '', metadata: trailer });
        } else if (reply.kind === 'close') {
          for (const socket of sockets) socket.destroy();
        }
      };
      const delay = 'delayMillis' in reply ? reply.delayMillis : undefined;
      if (delay === undefined) answer();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, delay);
        timers.add(timer);
      }
    };

  for (const signal of allSignals) {
    server.register(signals[signal].grpcMethod, handlerFor(signal), identity, identity, 'unary');
  }
  const tls = options.tls;
  const credentials =
    tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
  const injector = server.createConnectionInjector(credentials);
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      bytesOfClosed += socket.bytesRead;
    });
    injector.injectConnection(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;

  let closing: Promise<void> | undefined;
  const upstream: GrpcUpstream = {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    requests,
    reply: (...replies) => void queue.push(...replies),
    respondWith: (fn) => void (decide = fn),
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    get cancelledCalls() {
      return cancelledCalls;
    },
    bytesReceived: () => bytesOfClosed + [...sockets].reduce((sum, socket) => sum + socket.bytesRead, 0),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        listener.close(() => resolve());
        server.forceShutdown();
        injector.destroy();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  t?.teardown(() => upstream.close());
  return upstream;
}
