/**
 * google.rpc.Status with an optional google.rpc.RetryInfo detail: the error body of OTLP/HTTP
 * and the `grpc-status-details-bin` trailer of OTLP/gRPC. Small enough to encode by hand.
 */
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

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error('length past the end');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
    if (this.pos > this.buf.length) throw new Error('truncated field');
  }
}

function decodeDurationMillis(bytes: Uint8Array): number {
  const r = new Reader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (r.pos < bytes.length) {
    const tag = r.varint();
    if (tag === 0x08) seconds = r.varint();
    else if (tag === 0x10) nanos = r.varint();
    else r.skip(tag & 7);
  }
  return seconds * 1000 + Math.round(nanos / 1e6);
}

function decodeRetryDelay(any: Uint8Array): number | undefined {
  const r = new Reader(any);
  let typeUrl = '';
  let value: Uint8Array | undefined;
  while (r.pos < any.length) {
    const tag = r.varint();
    if (tag === 0x0a) typeUrl = Buffer.from(r.bytes()).toString('utf8');
    else if (tag === 0x12) value = r.bytes();
    else r.skip(tag & 7);
  }
  if (typeUrl !== RETRY_INFO_TYPE) return undefined;
  // An absent value is an empty RetryInfo (proto3 omits empty bytes): "retry", with no delay.
  const v = new Reader(value ?? new Uint8Array());
  let millis: number | undefined;
  while (v.pos < v.buf.length) {
    const tag = v.varint();
    if (tag === 0x0a) millis = decodeDurationMillis(v.bytes());
    else v.skip(tag & 7);
  }
  return millis ?? 0;
}

/** Decodes a google.rpc.Status; returns undefined when the bytes are not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus | undefined {
  try {
    const r = new Reader(bytes);
    let code = 0;
    let message = '';
    let retryAfterMillis: number | undefined;
    while (r.pos < bytes.length) {
      const tag = r.varint();
      if (tag === 0x08) code = r.varint();
      else if (tag === 0x12) message = Buffer.from(r.bytes()).toString('utf8');
      else if (tag === 0x1a) retryAfterMillis = decodeRetryDelay(r.bytes()) ?? retryAfterMillis;
      else r.skip(tag & 7);
    }
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
