/**
 * One unary call on a node:http2 server stream, once its headers have been accepted
 * (http2-grpc-server-transport.ts): read the body into one Length-Prefixed-Message, refused as
 * soon as its declared length passes the limit; gunzip it (bounded) when flagged; run the
 * handler; answer with headers, one DATA frame and `grpc-status: 0` trailers, or a Trailers-Only
 * failure. The deadline, a client reset and a dropped connection abort the handler.
 *
 * The memory bound is claimed by the frame's declared length as soon as its prefix arrives; a
 * refused message is never buffered: the rest of its body is dropped as it arrives, and the
 * refusal answered at its end. The claim grows to the inflated size and is released once the
 * handler is done.
 *
 * Per-call state lives in one object hung on the stream, and the event handlers are module
 * functions that find it there: no closures per call.
 */
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createAbortSource, type AbortSource } from '../abort-source.js';
import { deadlineTimer } from '../deadline-timer.js';
import type { Ticket } from '../admission.js';
import { ErrorCode, TaggerError } from '../errors.js';
import { gunzipBounded } from '../otlp/compression.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import {
  addFrameChunk,
  encodeBinaryHeader,
  encodeGrpcFrame,
  encodeGrpcMessage,
  FrameChunk,
  GRPC_ACCEPT_ENCODING,
  GRPC_FRAME_HEADER_BYTES,
  takeFrame,
  type GrpcFrameBuffer,
} from '../otlp/grpc-wire.js';
import { encodeRpcStatus } from '../otlp/rpc-status.js';
import { clientStatusOf } from '../otlp/status.js';
import type { GrpcFailure, GrpcServerReply, GrpcUnaryHandler } from './grpc-server-transport.js';

/** OTLP v1.11.0: servers MUST limit responses, RECOMMENDED 4 MiB. */
const MAX_SEND_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Request headers that are transport, not metadata (grpc-js strips the same). */
const notMetadata = new Set(['content-type', 'te', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding']);

const OK_HEADERS = Object.freeze({
  ':status': 200,
  'content-type': 'application/grpc',
  'grpc-accept-encoding': GRPC_ACCEPT_ENCODING,
});
const OK_TRAILERS = Object.freeze({ 'grpc-status': '0' });
// sendDate: gRPC clients ignore `date`; not formatting one saves work on every response.
const WITH_TRAILERS = Object.freeze({ waitForTrailers: true, sendDate: false }) as http2.ServerStreamResponseOptions;
const END_STREAM = Object.freeze({ endStream: true, sendDate: false }) as http2.ServerStreamResponseOptions;

/** Where a call is; numbers, compared on every chunk. */
/** Draining: refused by the memory bound; the rest of the body is dropped as it comes, then answered. */
const Phase = { Receiving: 0, Decompressing: 1, Handling: 2, Done: 3, Draining: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

interface CallState extends GrpcFrameBuffer {
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  readonly handler: GrpcUnaryHandler;
  readonly maxBytes: number;
  readonly gzip: boolean;
  readonly deadline: number | undefined;
  readonly admit: ((bytes: number) => Ticket) | undefined;
  phase: Phase;
  timer: NodeJS.Timeout | undefined;
  controller: AbortSource | undefined;
  ticket: Ticket | undefined;
  refusal: GrpcFailure | undefined;
}

const kCall = Symbol('grpcCall');
type CallStream = ServerHttp2Stream & { [kCall]: CallState };

export interface ServeGrpcCallOptions {
  readonly handler: GrpcUnaryHandler;
  readonly maxRecvMsgSizeBytes: number;
  /** `grpc-encoding: gzip` (identity otherwise). */
  readonly gzip: boolean;
  /** From `grpc-timeout`. */
  readonly timeoutMillis: number | undefined;
  /** Claims the memory bound for a message of this many bytes; throws a TaggerError to refuse it. */
  readonly admit?: (bytes: number) => Ticket;
}

export function failureHeaders(code: number, message: string, details?: Buffer): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-accept-encoding': GRPC_ACCEPT_ENCODING,
    'grpc-status': String(code),
    'grpc-message': encodeGrpcMessage(message),
  };
  if (details !== undefined) headers['grpc-status-details-bin'] = encodeBinaryHeader(details);
  return headers;
}

/**
 * A Trailers-Only response. A client still sending is not reset at once: gRPC clients stop once
 * they have the status (grpc-js resets the stream itself), and what else arrives is read and
 * dropped. RFC 9113 §8.1 allows RST_STREAM(NO_ERROR) here, but Node defers such a reset until its
 * side has finished writing, and under load (64 clients refused by the memory bound) other
 * streams of the session then stalled for good; an immediate CANCEL can overtake the response and
 * lose the status. So a stream the client has not closed within a grace period is reset then.
 */
export function respondTrailersOnly(stream: ServerHttp2Stream, headers: http2.OutgoingHttpHeaders): void {
  // respond() throws only in these states or on invalid headers, and every value here is ASCII by construction.
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(headers, END_STREAM);
  if (!stream.readableEnded) setTimeout(resetIfOpen, RESET_GRACE_MILLIS, stream).unref();
}

const RESET_GRACE_MILLIS = 1000;

function resetIfOpen(stream: ServerHttp2Stream): void {
  if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
}

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const key in headers) {
    if (key.charCodeAt(0) === 0x3a /* ':' */ || key.endsWith('-bin') || notMetadata.has(key)) continue;
    const value = headers[key] as string | string[];
    metadata[key] = typeof value === 'string' ? value : value.join(', ');
  }
  return metadata;
}

function finish(call: CallState): void {
  // A running handler still holds the message: dispatch releases the claim when it returns.
  if (call.phase !== Phase.Handling) call.ticket?.release();
  call.phase = Phase.Done;
  call.first = undefined;
  call.chunks = undefined;
  if (call.timer !== undefined) {
    clearTimeout(call.timer);
    call.timer = undefined;
  }
}

const DEADLINE_SLACK_MILLIS = 50;

/** A status of the transport's own (framing, limits, deadline): no rich status, as grpc-js does. */
function refuse(call: CallState, code: number, message: string): void {
  finish(call);
  respondTrailersOnly(call.stream, failureHeaders(code, message));
}

/** A status with rich details (google.rpc.Status, RetryInfo): a handler's, or the memory bound's. */
function fail(call: CallState, status: GrpcFailure): void {
  finish(call);
  const { grpcCode, message, retryAfterMillis } = status;
  const details = encodeRpcStatus({ code: grpcCode, message, retryAfterMillis });
  respondTrailersOnly(call.stream, failureHeaders(grpcCode, message, details));
}

function answer(call: CallState, reply: GrpcServerReply): void {
  if ('status' in reply) {
    fail(call, reply.status);
    return;
  }
  finish(call);
  const stream = call.stream;
  if (stream.destroyed || stream.closed) return;
  if (reply.body.length > MAX_SEND_MESSAGE_BYTES) {
    const message = `response message larger than max (${reply.body.length} vs. ${MAX_SEND_MESSAGE_BYTES})`;
    respondTrailersOnly(stream, failureHeaders(GrpcCode.RESOURCE_EXHAUSTED, message));
  } else {
    stream.on('wantTrailers', sendOkTrailers);
    stream.respond(OK_HEADERS, WITH_TRAILERS);
    stream.end(encodeGrpcFrame(reply.body, false));
  }
}

function sendOkTrailers(this: ServerHttp2Stream): void {
  this.sendTrailers(OK_TRAILERS);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function dispatch(call: CallState, message: Buffer, compressed: boolean): Promise<void> {
  let body = message;
  if (compressed) {
    call.phase = Phase.Decompressing;
    try {
      body = await gunzipBounded(message, call.maxBytes);
    } catch (err) {
      if (call.phase !== Phase.Decompressing) return;
      const tooLarge = err instanceof TaggerError && err.code === ErrorCode.TOO_LARGE;
      refuse(call, tooLarge ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.INTERNAL, errorText(err));
      return;
    }
    if (call.phase !== Phase.Decompressing) return;
    try {
      call.ticket?.resize(message.length + body.length);
    } catch (err) {
      fail(call, clientStatusOf(err));
      return;
    }
  }
  const controller = createAbortSource();
  call.controller = controller;
  call.phase = Phase.Handling;
  let reply: GrpcServerReply;
  try {
    reply = await call.handler({
      body,
      metadata: metadataOf(call.headers),
      deadline: call.deadline,
      abortSignal: controller,
    });
  } catch (err) {
    reply = { status: { grpcCode: GrpcCode.INTERNAL, message: `internal error: ${errorText(err)}`, retryAfterMillis: undefined } };
  }
  call.ticket?.release();
  // Cancelled, timed out or disconnected meanwhile: the reply has no one to go to.
  if (call.phase !== Phase.Handling) return;
  try {
    answer(call, reply);
  } catch (err) {
    // A reply that is neither (a handler bug): INTERNAL rather than an unhandled rejection.
    respondTrailersOnly(call.stream, failureHeaders(GrpcCode.INTERNAL, `internal error: ${errorText(err)}`));
  }
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[kCall];
  if (call.phase !== Phase.Receiving) return;
  const found = addFrameChunk(call, chunk, call.maxBytes);
  if (found === FrameChunk.TooLarge) {
    refuse(call, GrpcCode.RESOURCE_EXHAUSTED, `received message larger than max (${call.declared} vs. ${call.maxBytes})`);
  } else if (found === FrameChunk.Excess) {
    // grpc-js' answer to a second message on a unary method.
    refuse(call, GrpcCode.UNIMPLEMENTED, 'received a second request message for a unary method');
  } else if (call.ticket === undefined && call.declared >= 0 && call.admit !== undefined) {
    try {
      call.ticket = call.admit(call.declared);
    } catch (err) {
      // Answered once the client has sent everything: an answer mid-body makes gRPC clients reset
      // the stream, and Node's server closes sessions that see many resets (rapid-reset defence).
      call.refusal = clientStatusOf(err);
      call.phase = Phase.Draining;
      call.first = undefined;
      call.chunks = undefined;
    }
  }
}

function onEnd(this: CallStream): void {
  const call = this[kCall];
  if (call.phase === Phase.Draining) {
    fail(call, call.refusal as GrpcFailure);
    return;
  }
  if (call.phase !== Phase.Receiving) return;
  const received = call.received;
  const frame = takeFrame(call);
  if (frame === undefined) {
    if (received === 0) refuse(call, GrpcCode.UNIMPLEMENTED, 'received no request message for a unary method');
    else refuse(call, GrpcCode.INTERNAL, `truncated message: ${received} bytes for a ${call.declared}-byte frame`);
    return;
  }
  const flag = frame[0];
  const message = frame.subarray(GRPC_FRAME_HEADER_BYTES);
  if (flag === 0) {
    void dispatch(call, message, false);
  } else if (flag === 1 && call.gzip) {
    void dispatch(call, message, true);
  } else {
    // doc/compression.md: a compressed message without a (non-identity) grpc-encoding MUST fail INTERNAL.
    const reason = flag === 1 ? 'compressed flag set without grpc-encoding' : `unexpected message flag ${flag}`;
    refuse(call, GrpcCode.INTERNAL, reason);
  }
}

function onClose(this: CallStream): void {
  const call = this[kCall];
  if (call.phase === Phase.Done) return;
  finish(call);
  if (call.controller !== undefined) {
    // A client resets its stream when its own deadline timer fires, which may be a little before
    // ours (timer rounding, a busy event loop): a reset that close to the deadline is the deadline.
    const expired = call.deadline !== undefined && Date.now() >= call.deadline - DEADLINE_SLACK_MILLIS;
    call.controller.abort(
      expired
        ? new TaggerError(ErrorCode.DEADLINE, 'the client deadline passed')
        : new TaggerError(ErrorCode.CANCELLED, 'the client cancelled the call'),
    );
  }
}

/** Runs only while the call is open: finish() clears the timer. */
function onDeadline(call: CallState): void {
  call.timer = undefined;
  const controller = call.controller;
  refuse(call, GrpcCode.DEADLINE_EXCEEDED, 'deadline exceeded');
  controller?.abort(new TaggerError(ErrorCode.DEADLINE, 'the client deadline passed'));
}

/** Takes over a stream whose headers passed the transport's checks (method, content-type, route, encoding, timeout). */
export function serveGrpcCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, start: ServeGrpcCallOptions): void {
  const timeout = start.timeoutMillis;
  const call: CallState = {
    stream,
    headers,
    handler: start.handler,
    maxBytes: start.maxRecvMsgSizeBytes,
    gzip: start.gzip,
    deadline: timeout === undefined ? undefined : Date.now() + timeout,
    admit: start.admit,
    phase: Phase.Receiving,
    first: undefined,
    chunks: undefined,
    received: 0,
    declared: -1,
    timer: undefined,
    controller: undefined,
    ticket: undefined,
    refusal: undefined,
  };
  (stream as CallStream)[kCall] = call;
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onClose);
  if (timeout !== undefined) call.timer = deadlineTimer(onDeadline, timeout, call);
}
