/**
 * `Export<Signal>ServiceResponse` in both encodings. All three signals share the shape
 * `{ partial_success = 1 { rejected_<items> = 1 (int64), error_message = 2 } }`; only the JSON
 * name of the count differs (src/otlp/signal.ts).
 */
import type { ExportResponse, PartialSuccess } from '../consumer.js';
import { decodeError } from '../errors.js';
import { signals, type Signal } from './signal.js';
import { createCursor, readLength, readTag, readVarintBigInt, skipField, type WireCursor } from './wire-reader.js';

const EMPTY = Buffer.alloc(0);

function pushVarint(out: number[], value: bigint): void {
  // int64: negative values are ten bytes of two's complement.
  let v = BigInt.asUintN(64, value);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function pushLength(out: number[], n: number): void {
  pushVarint(out, BigInt(n));
}

/**
 * A partial success with `rejected = 0` and an empty message "is equivalent to it not being
 * set" (trace_service.proto), so it is never emitted.
 */
function isEmpty(p: PartialSuccess | undefined): p is undefined {
  return p === undefined || ((p.rejected === '0' || p.rejected === '') && p.errorMessage === '');
}

export function encodeExportResponse(response: ExportResponse): Buffer {
  const p = response.partialSuccess;
  if (isEmpty(p)) return EMPTY;
  const inner: number[] = [];
  const rejected = BigInt(p.rejected || '0');
  if (rejected !== 0n) {
    inner.push(0x08);
    pushVarint(inner, rejected);
  }
  const message = Buffer.from(p.errorMessage, 'utf8');
  const head: number[] = [];
  if (message.length > 0) {
    head.push(0x12);
    pushLength(head, message.length);
  }
  const innerLength = inner.length + head.length + message.length;
  const outer: number[] = [0x0a];
  pushLength(outer, innerLength);
  return Buffer.concat([Buffer.from(outer), Buffer.from(inner), Buffer.from(head), message]);
}

export function exportResponseToJson(signal: Signal, response: ExportResponse): string {
  const p = response.partialSuccess;
  if (isEmpty(p)) return '{}';
  return JSON.stringify({
    partialSuccess: { [signals[signal].rejectedKey]: p.rejected || '0', errorMessage: p.errorMessage },
  });
}

const WHERE = 'export response';

function readBytes(c: WireCursor, end: number): Uint8Array {
  const length = readLength(c, end, WHERE);
  const out = c.buf.subarray(c.pos, c.pos + length);
  c.pos += length;
  return out;
}

/** Decodes an upstream's protobuf response; throws the typed decode error when malformed. */
export function decodeExportResponse(bytes: Uint8Array): ExportResponse {
  const outer = createCursor(bytes);
  let partial: PartialSuccess | undefined;
  while (outer.pos < bytes.length) {
    const tag = readTag(outer, bytes.length, WHERE);
    if (tag !== 0x0a) {
      skipField(outer, tag, bytes.length, WHERE);
      continue;
    }
    const body = readBytes(outer, bytes.length);
    const inner = createCursor(body);
    let rejected = 0n;
    let errorMessage = '';
    while (inner.pos < body.length) {
      const t = readTag(inner, body.length, WHERE);
      if (t === 0x08) rejected = BigInt.asIntN(64, readVarintBigInt(inner, body.length, WHERE));
      else if (t === 0x12) errorMessage = Buffer.from(readBytes(inner, body.length)).toString('utf8');
      else skipField(inner, t, body.length, WHERE);
    }
    partial = { rejected: rejected.toString(), errorMessage };
  }
  return isEmpty(partial) ? {} : { partialSuccess: partial };
}

/** Decodes an upstream's JSON response (counts as strings or numbers, camelCase or snake_case). */
export function exportResponseFromJson(signal: Signal, text: string): ExportResponse {
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw decodeError(`export response: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null) throw decodeError('export response: not a JSON object');
  const record = body as Record<string, unknown>;
  const p = (record.partialSuccess ?? record.partial_success) as Record<string, unknown> | undefined | null;
  if (p === undefined || p === null || typeof p !== 'object') return {};
  const key = signals[signal].rejectedKey;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const rawCount = p[key] ?? p[snake] ?? '0';
  const rawMessage = p.errorMessage ?? p.error_message ?? '';
  const partial: PartialSuccess = {
    rejected: String(rawCount),
    errorMessage: typeof rawMessage === 'string' ? rawMessage : String(rawMessage),
  };
  return isEmpty(partial) ? {} : { partialSuccess: partial };
}
