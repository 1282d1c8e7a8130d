/**
 * One unary call on a node:http2 client stream (http2-grpc-client-transport.ts opens it): sends
 * the request frame, gathers the response message and the status, and settles exactly once.
 *
 * Outcomes (grpc/grpc doc/PROTOCOL-HTTP2.md): the status from the trailers or a Trailers-Only
 * response; a connection that fails or drops, or a stream that ends without `grpc-status`, is
 * UNAVAILABLE (retryable: the upstream may not have the data); a stream the server resets maps as
 * "Errors" says; a response without `grpc-status` and not HTTP 200 maps from its HTTP status; the
 * deadline and the abort signal reset the stream (CANCEL) and settle DEADLINE_EXCEEDED / CANCELLED
 * at once, even while still connecting.
 *
 * Per-call state lives in one object hung on the stream, the event handlers are module functions,
 * and the abort listener is the state itself (`handleEvent`): no closures per call.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { AbortSignalLike } from '../abort-source.js';
import { deadlineTimer } from '../deadline-timer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import { gunzipBounded } from '../otlp/compression.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import {
  addFrameChunk,
  decodeBinaryHeader,
  decodeGrpcMessage,
  FrameChunk,
  GRPC_FRAME_HEADER_BYTES,
  grpcCodeForHttpResponse,
  grpcCodeForRstCode,
  takeFrame,
  type GrpcFrameBuffer,
} from '../otlp/grpc-wire.js';
import type { GrpcUnaryResult } from './grpc-client-transport.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

export type GrpcFailureResult = Exclude<GrpcUnaryResult, { body: Buffer }>;

interface CallState extends GrpcFrameBuffer {
  readonly session: ClientHttp2Session;
  readonly resolve: (result: GrpcUnaryResult) => void;
  readonly signal: AbortSignalLike;
  readonly maxBytes: number;
  readonly afterDeadline: ((session: ClientHttp2Session) => void) | undefined;
  stream: ClientHttp2Stream | undefined;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
  httpStatus: number;
  gzip: boolean;
  /** -1 until `grpc-status` arrives. */
  status: number;
  message: string;
  details: Buffer | undefined;
  error: (Error & { code?: string }) | undefined;
  /** The abort listener: EventTarget calls `handleEvent` on listener objects. */
  handleEvent(this: CallState): void;
}

const kCall = Symbol('grpcCall');
type CallStream = ClientHttp2Stream & { [kCall]: CallState };

export function grpcFailure(code: number, message: string, details?: Buffer): GrpcFailureResult {
  return details === undefined ? { code, message } : { code, message, details };
}

function settle(call: CallState, result: GrpcUnaryResult): void {
  if (call.settled) return;
  call.settled = true;
  call.first = undefined;
  call.chunks = undefined;
  if (call.timer !== undefined) clearTimeout(call.timer);
  call.signal.removeEventListener('abort', call);
  call.resolve(result);
}

/** Settles now with `result`, and resets the stream if it is still open. */
function cancel(call: CallState, result: GrpcFailureResult): void {
  if (call.settled) return;
  settle(call, result);
  const stream = call.stream as ClientHttp2Stream;
  if (!stream.closed && !stream.destroyed) stream.close(NGHTTP2_CANCEL);
}

function onAbort(this: CallState): void {
  cancel(this, grpcFailure(GrpcCode.CANCELLED, 'the call was cancelled'));
}

function onDeadline(call: CallState): void {
  call.timer = undefined;
  cancel(call, grpcFailure(GrpcCode.DEADLINE_EXCEEDED, 'deadline exceeded'));
  call.afterDeadline?.(call.session);
}

function readStatus(call: CallState, headers: IncomingHttpHeaders): void {
  const status = Number(headers['grpc-status']);
  call.status = Number.isInteger(status) && status >= 0 ? status : GrpcCode.UNKNOWN;
  const message = headers['grpc-message'];
  call.message = typeof message === 'string' ? decodeGrpcMessage(message) : '';
  const details = headers['grpc-status-details-bin'];
  call.details = typeof details === 'string' ? decodeBinaryHeader(details) : undefined;
}

function onResponse(this: CallStream, headers: IncomingHttpHeaders): void {
  const call = this[kCall];
  call.httpStatus = Number(headers[':status']);
  call.gzip = headers['grpc-encoding'] === 'gzip';
  // Trailers-Only: the status is in the headers.
  if (headers['grpc-status'] === undefined) return;
  readStatus(call, headers);
  // A server may answer before it has read the whole request and reset the stream with NO_ERROR
  // (RFC 9113 §8.1); Node then never closes a stream whose body is still unsent, so settle on the
  // answer, as grpc-js does, rather than wait for the deadline.
  if (call.status > 0) cancel(call, grpcFailure(call.status, call.message, call.details));
}

function onTrailers(this: CallStream, trailers: IncomingHttpHeaders): void {
  readStatus(this[kCall], trailers);
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[kCall];
  if (call.settled) return;
  const found = addFrameChunk(call, chunk, call.maxBytes);
  if (found === FrameChunk.TooLarge) {
    cancel(call, grpcFailure(GrpcCode.RESOURCE_EXHAUSTED, `received message larger than max (${call.declared} vs. ${call.maxBytes})`));
  } else if (found === FrameChunk.Excess) {
    cancel(call, grpcFailure(GrpcCode.INTERNAL, 'received a second response message for a unary call'));
  }
}

function onError(this: CallStream, err: Error): void {
  this[kCall].error = err;
}

function onClose(this: CallStream): void {
  const call = this[kCall];
  if (call.settled) return;
  if (call.status === GrpcCode.OK) void settleMessage(call);
  else if (call.status > 0) settle(call, grpcFailure(call.status, call.message, call.details));
  else settle(call, statusless(call, this.rstCode));
}

/** The outcome of a stream that ended without `grpc-status`. */
function statusless(call: CallState, rstCode: number): GrpcFailureResult {
  const error = call.error;
  // The connection failed or went away (refused, reset, TLS, GOAWAY): nothing the call did.
  if (call.session.destroyed || (error !== undefined && error.code !== 'ERR_HTTP2_STREAM_ERROR')) {
    return grpcFailure(GrpcCode.UNAVAILABLE, `connection to the upstream failed${error === undefined ? '' : `: ${error.message}`}`);
  }
  if (call.httpStatus !== 0 && call.httpStatus !== 200) {
    return grpcFailure(grpcCodeForHttpResponse(call.httpStatus), `upstream answered HTTP ${call.httpStatus} without grpc-status`);
  }
  if (rstCode !== NGHTTP2_NO_ERROR) return grpcFailure(grpcCodeForRstCode(rstCode), `upstream reset the stream (HTTP/2 error ${rstCode})`);
  return grpcFailure(GrpcCode.UNAVAILABLE, 'the stream ended without grpc-status');
}

async function settleMessage(call: CallState): Promise<void> {
  const received = call.received;
  const frame = takeFrame(call);
  if (frame === undefined) {
    const problem =
      received === 0 ? 'status OK without a response message' : `truncated response: ${received} bytes for a ${call.declared}-byte frame`;
    settle(call, grpcFailure(GrpcCode.INTERNAL, problem));
    return;
  }
  const message = frame.subarray(GRPC_FRAME_HEADER_BYTES);
  if (frame[0] === 0) {
    settle(call, { body: message });
  } else if (frame[0] === 1 && call.gzip) {
    try {
      settle(call, { body: await gunzipBounded(message, call.maxBytes) });
    } catch (err) {
      const tooLarge = err instanceof TaggerError && err.code === ErrorCode.TOO_LARGE;
      settle(call, grpcFailure(tooLarge ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.INTERNAL, (err as Error).message));
    }
  } else {
    const encoding = call.gzip ? 'gzip' : 'identity';
    settle(call, grpcFailure(GrpcCode.INTERNAL, `unexpected response message flag ${frame[0]} (grpc-encoding ${encoding})`));
  }
}

export interface GrpcCallStart {
  readonly session: ClientHttp2Session;
  readonly headers: http2.OutgoingHttpHeaders;
  /** The request's Length-Prefixed-Message, as its prefix and its message (written together, not copied into one). */
  readonly prefix: Buffer;
  readonly message: Buffer;
  readonly signal: AbortSignalLike;
  /** Until the deadline; undefined: none. */
  readonly timeoutMillis: number | undefined;
  readonly maxReceiveMessageBytes: number;
  /** Told when the deadline ended the call: the connection may be dead. */
  readonly afterDeadline?: (session: ClientHttp2Session) => void;
}

/** Starts the call; resolves with its outcome, never rejects. */
export function startGrpcCall(start: GrpcCallStart, resolve: (result: GrpcUnaryResult) => void): void {
  const call: CallState = {
    session: start.session,
    resolve,
    signal: start.signal,
    maxBytes: start.maxReceiveMessageBytes,
    afterDeadline: start.afterDeadline,
    stream: undefined,
    timer: undefined,
    settled: false,
    httpStatus: 0,
    gzip: false,
    status: -1,
    message: '',
    details: undefined,
    first: undefined,
    chunks: undefined,
    received: 0,
    declared: -1,
    error: undefined,
    handleEvent: onAbort,
  };
  // request() throws only on an invalid header name or a closed session, and the transport rules out both.
  const stream = start.session.request(start.headers);
  call.stream = stream;
  (stream as CallStream)[kCall] = call;
  stream.on('response', onResponse);
  stream.on('trailers', onTrailers);
  stream.on('data', onData);
  stream.on('error', onError);
  stream.on('close', onClose);
  start.signal.addEventListener('abort', call);
  if (start.timeoutMillis !== undefined) call.timer = deadlineTimer(onDeadline, start.timeoutMillis, call);
  // Corked, the two chunks leave in one writev; end() uncorks.
  stream.cork();
  stream.write(start.prefix);
  stream.end(start.message);
}
