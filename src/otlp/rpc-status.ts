/**
 * google.rpc.Status with an optional google.rpc.RetryInfo detail: the error body of OTLP/HTTP
 * and the `grpc-status-details-bin` trailer of OTLP/gRPC. Small enough to encode by hand.
 */
import { createCursor, readLength, readTag, readVarint, skipField, type WireCursor } from './wire-reader.js';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly retryAfterMillis?: number;
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function lenField(out: number[], tag: number, bytes: Uint8Array | number[]): void {
  out.push(tag);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function encodeRetryInfo(millis: number): number[] {
  // Round once, on the total, so that nanos stays below 1e9 (999.9999999 ms is 1 s, not 0 s + 1e9 ns).
  const totalNanos = Math.round(millis * 1e6);
  const seconds = Math.floor(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  const duration: number[] = [];
  if (seconds > 0) {
    duration.push(0x08);
    varint(duration, seconds);
  }
  if (nanos > 0) {
    duration.push(0x10);
    varint(duration, nanos);
  }
  const retryInfo: number[] = [];
  lenField(retryInfo, 0x0a, duration);
  const any: number[] = [];
  lenField(any, 0x0a, Buffer.from(RETRY_INFO_TYPE));
  lenField(any, 0x12, retryInfo);
  return any;
}

export function encodeRpcStatus(status: RpcStatus): Buffer {
  const out: number[] = [];
  if (status.code !== 0) {
    out.push(0x08);
    varint(out, status.code);
  }
  const message = Buffer.from(status.message, 'utf8');
  const head = Buffer.from(out);
  const parts: Uint8Array[] = [head];
  if (message.length > 0) {
    const prefix: number[] = [0x12];
    varint(prefix, message.length);
    parts.push(Buffer.from(prefix), message);
  }
  if (status.retryAfterMillis !== undefined) {
    const detail: number[] = [];
    lenField(detail, 0x1a, encodeRetryInfo(Math.max(0, status.retryAfterMillis)));
    parts.push(Buffer.from(detail));
  }
  return Buffer.concat(parts);
}

/** proto3 JSON of google.rpc.Status, as OTLP/HTTP JSON error bodies carry it. */
export function rpcStatusToJson(status: RpcStatus): string {
  const body: Record<string, unknown> = { code: status.code, message: status.message };
  if (status.retryAfterMillis !== undefined) {
    // proto3 JSON Duration: 0, 3, 6 or 9 fractional digits, then "s".
    const millis = Math.round(Math.max(0, status.retryAfterMillis));
    const retryDelay = millis % 1000 === 0 ? `${millis / 1000}s` : `${(millis / 1000).toFixed(3)}s`;
    body.details = [{ '@type': RETRY_INFO_TYPE, retryDelay }];
  }
  return JSON.stringify(body);
}

/** Calls `onField(tag, cursor, end)` for each field of the message in `bytes`; the callback reads or skips it. */
function eachField(bytes: Uint8Array, onField: (tag: number, c: WireCursor, end: number) => boolean): void {
  const c = createCursor(bytes);
  const end = bytes.length;
  while (c.pos < end) {
    const tag = readTag(c, end, 'google.rpc.Status');
    if (!onField(tag, c, end)) skipField(c, tag, end, 'google.rpc.Status');
  }
}

function readBytes(c: WireCursor, end: number): Uint8Array {
  const length = readLength(c, end, 'google.rpc.Status');
  const out = c.buf.subarray(c.pos, c.pos + length);
  c.pos += length;
  return out;
}

function decodeDurationMillis(bytes: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  eachField(bytes, (tag, c, end) => {
    if (tag === 0x08) seconds = readVarint(c, end, 'Duration');
    else if (tag === 0x10) nanos = readVarint(c, end, 'Duration');
    else return false;
    return true;
  });
  return seconds * 1000 + Math.round(nanos / 1e6);
}

function decodeRetryDelay(any: Uint8Array): number | undefined {
  let typeUrl = '';
  let value: Uint8Array | undefined;
  eachField(any, (tag, c, end) => {
    if (tag === 0x0a) typeUrl = Buffer.from(readBytes(c, end)).toString('utf8');
    else if (tag === 0x12) value = readBytes(c, end);
    else return false;
    return true;
  });
  if (typeUrl !== RETRY_INFO_TYPE) return undefined;
  // An absent value is an empty RetryInfo (proto3 omits empty bytes): "retry", with no delay.
  let millis: number | undefined;
  eachField(value ?? new Uint8Array(), (tag, c, end) => {
    if (tag !== 0x0a) return false;
    millis = decodeDurationMillis(readBytes(c, end));
    return true;
  });
  return millis ?? 0;
}

/** Decodes a google.rpc.Status; returns undefined when the bytes are not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus | undefined {
  try {
    let code = 0;
    let message = '';
    let retryAfterMillis: number | undefined;
    eachField(bytes, (tag, c, end) => {
      if (tag === 0x08) code = readVarint(c, end, 'google.rpc.Status');
      else if (tag === 0x12) message = Buffer.from(readBytes(c, end)).toString('utf8');
      else if (tag === 0x1a) retryAfterMillis = decodeRetryDelay(readBytes(c, end)) ?? retryAfterMillis;
      else return false;
      return true;
    });
    return retryAfterMillis === undefined ? { code, message } : { code, message, retryAfterMillis };
  } catch {
    return undefined;
  }
}

/** Reads `{code, message}` from a JSON google.rpc.Status; undefined when it is not one. */
export function rpcStatusFromJson(text: string): RpcStatus | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null) return undefined;
    const { code, message } = body as { code?: unknown; message?: unknown };
    return {
      code: typeof code === 'number' ? code : 0,
      message: typeof message === 'string' ? message : '',
    };
  } catch {
    return undefined;
  }
}
