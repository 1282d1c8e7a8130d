/**
 * Protobuf wire-format writing primitives. Callers compute sizes first, allocate once, then
 * write at explicit positions: every write returns the position after what it wrote.
 */

/** Bytes a varint of a non-negative integer up to 2^53 takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let v = Math.floor(value / 0x800000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes a non-negative integer up to 2^53 as a varint. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  if (value > 0x7fffffff) {
    while (value >= 0x80) {
      buf[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
  } else {
    while (value >= 0x80) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
  }
  buf[pos++] = value;
  return pos;
}

/** Bytes a 64-bit varint takes; negative values are two's complement (10 bytes), as int64. */
export function varintSize64(value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

export function writeVarint64(buf: Uint8Array, pos: number, value: bigint): number {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

export function tagSize(fieldNumber: number): number {
  return varintSize(fieldNumber * 8);
}

export function writeTag(buf: Uint8Array, pos: number, fieldNumber: number, wireType: number): number {
  return writeVarint(buf, pos, fieldNumber * 8 + wireType);
}

/** Size of a whole LEN field: tag, length prefix and payload. */
export function lenFieldSize(fieldNumber: number, payloadLength: number): number {
  return tagSize(fieldNumber) + varintSize(payloadLength) + payloadLength;
}

export function writeFixed32(buf: Uint8Array, pos: number, value: number): number {
  buf[pos] = value & 0xff;
  buf[pos + 1] = (value >>> 8) & 0xff;
  buf[pos + 2] = (value >>> 16) & 0xff;
  buf[pos + 3] = (value >>> 24) & 0xff;
  return pos + 4;
}

export function writeFixed64(buf: Uint8Array, pos: number, value: bigint): number {
  const v = BigInt.asUintN(64, value);
  pos = writeFixed32(buf, pos, Number(v & 0xffffffffn));
  return writeFixed32(buf, pos, Number(v >> 32n));
}

const scratch = new DataView(new ArrayBuffer(8));

export function writeDouble(buf: Uint8Array, pos: number, value: number): number {
  scratch.setFloat64(0, value, true);
  for (let i = 0; i < 8; i++) buf[pos + i] = scratch.getUint8(i);
  return pos + 8;
}

/**
 * Copies `source[start, end)` to `target` at `pos`. Short runs are copied byte by byte: for
 * them a loop beats creating the view that `set` needs. The view is a plain Uint8Array:
 * Buffer's own subarray goes through a species lookup and the FastBuffer constructor.
 */
export function copyRange(target: Uint8Array, pos: number, source: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 32) {
    for (let i = 0; i < n; i++) target[pos + i] = source[start + i];
  } else {
    target.set(new Uint8Array(source.buffer, source.byteOffset + start, n), pos);
  }
  return pos + n;
}

export function writeBytes(target: Uint8Array, pos: number, bytes: Uint8Array): number {
  return copyRange(target, pos, bytes, 0, bytes.length);
}
