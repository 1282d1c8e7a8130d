/**
 * gRPC over HTTP/2 details shared by the node:http2 server and client transports (grpc/grpc
 * doc/PROTOCOL-HTTP2.md): the Length-Prefixed-Message, `grpc-timeout`, the percent-encoded
 * `grpc-message`, binary (`-bin`) header values, and the status a client synthesises when a
 * response carries no `grpc-status` (doc/http-grpc-status-mapping.md).
 */
import http2 from 'node:http2';
import { GrpcCode } from './grpc-code.js';

/** Compressed-Flag (1 byte) + Message-Length (4 bytes, big-endian). */
export const GRPC_FRAME_HEADER_BYTES = 5;

/** The encodings both transports speak; `grpc-accept-encoding` lists them. */
export const GRPC_ACCEPT_ENCODING = 'identity,gzip';

const EMPTY_FRAME = Buffer.alloc(GRPC_FRAME_HEADER_BYTES);

/** One Length-Prefixed-Message in one buffer, so that it leaves in one write. */
export function encodeGrpcFrame(message: Uint8Array, compressed: boolean): Buffer {
  if (message.length === 0 && !compressed) return EMPTY_FRAME;
  const frame = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + message.length);
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, GRPC_FRAME_HEADER_BYTES);
  return frame;
}

/**
 * The prefix alone, for a sender that writes it ahead of the message: copying a whole request
 * behind 5 bytes costs an allocation and a copy of every body (a pooled 5-byte buffer is cheap).
 */
export function encodeGrpcPrefix(messageLength: number, compressed: boolean): Buffer {
  const prefix = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(messageLength, 1);
  return prefix;
}

/**
 * A Length-Prefixed-Message gathered from DATA chunks as they arrive. The per-call states of both
 * transports are one, so that reading a chunk allocates nothing: a one-chunk body is kept as it
 * is, and more chunks are concatenated once, at the end.
 */
export interface GrpcFrameBuffer {
  first: Buffer | undefined;
  /** Every chunk, `first` included, once there is more than one. */
  chunks: Buffer[] | undefined;
  received: number;
  /** Message-Length from the prefix; -1 until the 5-byte prefix has arrived. */
  declared: number;
}

/** What `addFrameChunk` found: the frame may go on, declares more than the limit, or has bytes past its end. */
export const FrameChunk = { Ok: 0, TooLarge: 1, Excess: 2 } as const;
export type FrameChunk = (typeof FrameChunk)[keyof typeof FrameChunk];

export function addFrameChunk(frame: GrpcFrameBuffer, chunk: Buffer, maxBytes: number): FrameChunk {
  const received = frame.received + chunk.length;
  frame.received = received;
  if (frame.first === undefined) frame.first = chunk;
  else if (frame.chunks === undefined) frame.chunks = [frame.first, chunk];
  else frame.chunks.push(chunk);
  if (frame.declared < 0) {
    if (received < GRPC_FRAME_HEADER_BYTES) return FrameChunk.Ok;
    if (frame.first.length < GRPC_FRAME_HEADER_BYTES) {
      // The prefix itself came in pieces (more than one chunk, then).
      frame.first = Buffer.concat(frame.chunks as Buffer[], received);
      frame.chunks = undefined;
    }
    frame.declared = frame.first.readUInt32BE(1);
    if (frame.declared > maxBytes) return FrameChunk.TooLarge;
  }
  return received > GRPC_FRAME_HEADER_BYTES + frame.declared ? FrameChunk.Excess : FrameChunk.Ok;
}

/**
 * The whole frame (prefix included) once the body has ended, and the buffer emptied; undefined
 * when the body was shorter than its prefix says (`received === 0`: no message at all).
 */
export function takeFrame(frame: GrpcFrameBuffer): Buffer | undefined {
  const { first, chunks, received, declared } = frame;
  frame.first = undefined;
  frame.chunks = undefined;
  if (first === undefined || declared < 0 || received < GRPC_FRAME_HEADER_BYTES + declared) return undefined;
  return chunks === undefined ? first : Buffer.concat(chunks, received);
}

const timeoutUnitMillis: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** `grpc-timeout` (TimeoutValue: at most 8 digits, then H M S m u n) in milliseconds; undefined when malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) return undefined;
  return Math.ceil(Number(match[1]) * timeoutUnitMillis[match[2]]);
}

/** The `grpc-timeout` for a positive number of milliseconds, in the finest unit that fits 8 digits. */
export function formatGrpcTimeout(millis: number): string {
  const ms = Math.max(1, Math.ceil(millis));
  if (ms < 1e8) return `${ms}m`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 1e8) return `${seconds}S`;
  return `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}

/** Printable ASCII except '%' passes as is (PROTOCOL-HTTP2.md, "grpc-message"). */
const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;

/** Percent-encodes a status message: its UTF-8 bytes outside 0x20-0x7E, and '%'. */
export function encodeGrpcMessage(message: string): string {
  if (PLAIN_MESSAGE.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    const plain = byte >= 0x20 && byte <= 0x7e && byte !== 0x25;
    out += plain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Decodes a percent-encoded status message. The spec forbids failing on a bad encoding: a '%' not
 * followed by two hex digits stays as it is, and invalid UTF-8 becomes U+FFFD.
 */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x25 && i + 2 < value.length) {
      const high = hexValue(value.charCodeAt(i + 1));
      const low = hexValue(value.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes.push(high * 16 + low);
        i += 2;
        continue;
      }
    }
    bytes.push(code & 0xff);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A `-bin` header value: base64, padding left off as gRPC implementations send it. */
export function encodeBinaryHeader(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64').replace(/=+$/, '');
}

/** Reads a `-bin` header value, padded or not. */
export function decodeBinaryHeader(value: string): Buffer {
  return Buffer.from(value, 'base64');
}

/** The status of a response without `grpc-status`, from its HTTP status (doc/http-grpc-status-mapping.md). */
export function grpcCodeForHttpResponse(httpStatus: number): GrpcCode {
  switch (httpStatus) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

const {
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_CANCEL,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
} = http2.constants;

/** The status of a stream the server reset (PROTOCOL-HTTP2.md, "Errors"). */
export function grpcCodeForRstCode(rstCode: number): GrpcCode {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return GrpcCode.UNAVAILABLE;
    case NGHTTP2_CANCEL:
      return GrpcCode.CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
      return GrpcCode.PERMISSION_DENIED;
    default:
      return GrpcCode.INTERNAL;
  }
}
