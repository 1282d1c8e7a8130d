/**
 * Protobuf wire-format reading primitives (protobuf.dev/programming-guides/encoding). They move
 * a cursor over a byte array and never allocate on success. Every structural problem throws the
 * typed decode error naming what went wrong, at which byte offset, and in which message.
 */
import { decodeError } from '../errors.js';

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export const wireTypeNames: readonly string[] = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32', '6', '7'];

/** The largest field number protobuf allows (2^29 - 1). */
export const maxFieldNumber = 0x1fffffff;

/**
 * How deep messages and groups may nest. Java's protobuf uses 100 as well; the limit turns a
 * hostile, deeply nested payload into a decode error instead of a stack overflow.
 */
export const maxDepth = 100;

/** A position in a byte array. `pos` moves as fields are read. */
export interface WireCursor {
  readonly buf: Uint8Array;
  pos: number;
}

export function createCursor(buf: Uint8Array, pos = 0): WireCursor {
  return { buf, pos };
}

export function fieldNumberOf(tag: number): number {
  return tag >>> 3;
}

export function wireTypeOf(tag: number): number {
  return tag & 7;
}

/**
 * Reads a varint of up to 10 bytes as a non-negative number, exact up to 2^53 (enough for
 * tags and lengths; use readVarintBigInt for 64-bit values). A 10th byte above 1 would
 * overflow 64 bits and is refused, as Go's protowire does.
 */
export function readVarint(c: WireCursor, end: number, where: string): number {
  const pos = c.pos;
  if (pos < end) {
    const b = c.buf[pos];
    if (b < 0x80) {
      c.pos = pos + 1;
      return b;
    }
  }
  return readVarintSlow(c, end, where);
}

function readVarintSlow(c: WireCursor, end: number, where: string): number {
  const buf = c.buf;
  const start = c.pos;
  let pos = start;
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= end) throw decodeError(`truncated varint at byte ${start} in ${where}`);
    const b = buf[pos++];
    if (pos - start === 10 && b > 1) throw decodeError(`varint overflows 64 bits at byte ${start} in ${where}`);
    value += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 0x80;
  }
  c.pos = pos;
  return value;
}

/** Reads a varint as an unsigned 64-bit bigint (reinterpret with BigInt.asIntN for int64). */
export function readVarintBigInt(c: WireCursor, end: number, where: string): bigint {
  const start = c.pos;
  skipVarint(c, end, where);
  let value = 0n;
  for (let i = c.pos - 1; i >= start; i--) value = (value << 7n) | BigInt(c.buf[i] & 0x7f);
  return BigInt.asUintN(64, value);
}

export function skipVarint(c: WireCursor, end: number, where: string): void {
  const buf = c.buf;
  const start = c.pos;
  let pos = start;
  for (;;) {
    if (pos >= end) throw decodeError(`truncated varint at byte ${start} in ${where}`);
    const b = buf[pos++];
    if (b < 0x80) {
      if (pos - start === 10 && b > 1) throw decodeError(`varint overflows 64 bits at byte ${start} in ${where}`);
      break;
    }
    if (pos - start === 10) throw decodeError(`varint longer than 10 bytes at byte ${start} in ${where}`);
  }
  c.pos = pos;
}

/**
 * Reads a field tag. Field number 0, numbers above 2^29 - 1 and wire types 6 and 7 are refused;
 * an end-group tag is returned for the caller to match.
 */
export function readTag(c: WireCursor, end: number, where: string): number {
  const start = c.pos;
  const tag = readVarint(c, end, where);
  if (tag > 0xffffffff || tag >>> 3 === 0) {
    throw decodeError(`invalid field number ${Math.floor(tag / 8)} at byte ${start} in ${where}`);
  }
  if ((tag & 7) > 5) throw decodeError(`invalid wire type ${tag & 7} at byte ${start} in ${where}`);
  return tag;
}

/** Reads the length prefix of a LEN field and checks that the payload fits before `end`. */
export function readLength(c: WireCursor, end: number, where: string): number {
  const start = c.pos;
  const len = readVarint(c, end, where);
  if (len > end - c.pos) {
    throw decodeError(
      `length ${len} at byte ${start} in ${where} runs past the end of the message (${end - c.pos} bytes left)`,
    );
  }
  return len;
}

function need(c: WireCursor, n: number, end: number, where: string): void {
  if (end - c.pos < n) throw decodeError(`truncated ${n}-byte fixed field at byte ${c.pos} in ${where}`);
}

export function readFixed32(c: WireCursor, end: number, where: string): number {
  need(c, 4, end, where);
  const b = c.buf;
  const p = c.pos;
  c.pos = p + 4;
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
}

export function readFixed64(c: WireCursor, end: number, where: string): bigint {
  const low = readFixed32(c, end, where);
  const high = readFixed32(c, end, where);
  return (BigInt(high) << 32n) | BigInt(low);
}

const scratch = new DataView(new ArrayBuffer(8));

export function readDouble(c: WireCursor, end: number, where: string): number {
  need(c, 8, end, where);
  for (let i = 0; i < 8; i++) scratch.setUint8(i, c.buf[c.pos + i]);
  c.pos += 8;
  return scratch.getFloat64(0, true);
}

/**
 * Skips the value of a field whose tag was just read, whatever its wire type; groups are
 * skipped to their matching end-group tag, nested at most maxDepth deep.
 */
export function skipField(c: WireCursor, tag: number, end: number, where: string, depth = 0): void {
  switch (tag & 7) {
    case WireType.VARINT:
      skipVarint(c, end, where);
      return;
    case WireType.I64:
      need(c, 8, end, where);
      c.pos += 8;
      return;
    case WireType.LEN: {
      const length = readLength(c, end, where);
      c.pos += length;
      return;
    }
    case WireType.SGROUP:
      skipGroup(c, tag >>> 3, end, where, depth + 1);
      return;
    case WireType.I32:
      need(c, 4, end, where);
      c.pos += 4;
      return;
    default:
      throw decodeError(`unexpected ${wireTypeNames[tag & 7]} tag at byte ${c.pos} in ${where}`);
  }
}

function skipGroup(c: WireCursor, fieldNumber: number, end: number, where: string, depth: number): void {
  const start = c.pos;
  if (depth > maxDepth) throw decodeError(`groups nested deeper than ${maxDepth} at byte ${start} in ${where}`);
  while (c.pos < end) {
    const at = c.pos;
    const tag = readTag(c, end, where);
    if ((tag & 7) === WireType.EGROUP) {
      if (tag >>> 3 === fieldNumber) return;
      throw decodeError(`end-group tag for field ${tag >>> 3} at byte ${at} closes group ${fieldNumber} in ${where}`);
    }
    skipField(c, tag, end, where, depth);
  }
  throw decodeError(`unterminated group ${fieldNumber} starting at byte ${start} in ${where}`);
}
