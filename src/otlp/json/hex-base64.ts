/**
 * Table-driven hex and base64 between byte ranges, validating as they go: OTLP/JSON carries
 * trace and span IDs as hex and every other `bytes` field as base64 (proto3 JSON: standard or
 * URL-safe alphabet, padded or not, on input).
 */

const HEX_VALUE = new Int8Array(256).fill(-1);
const HEX_DIGITS = new Uint8Array(16);
for (let i = 0; i < 16; i++) {
  HEX_DIGITS[i] = '0123456789abcdef'.charCodeAt(i);
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

const B64_VALUE = new Int8Array(256).fill(-1);
const std = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < 64; i++) B64_VALUE[std.charCodeAt(i)] = i;
B64_VALUE[0x2d] = 62; // '-' (URL-safe)
B64_VALUE[0x5f] = 63; // '_' (URL-safe)

const EQ = 0x3d;

/**
 * Decodes the hex digits `src[start, end)` (an even count, either case) into `out` at `o`.
 * Returns false on a non-hex digit.
 */
export function decodeHexInto(src: Uint8Array, start: number, end: number, out: Uint8Array, o: number): boolean {
  let bad = 0;
  for (let p = start; p < end; p += 2) {
    const v = (HEX_VALUE[src[p]] << 4) | HEX_VALUE[src[p + 1]];
    bad |= v;
    out[o++] = v;
  }
  return bad >= 0;
}

/** Writes `src[start, end)` as lowercase hex into `out` at `o`. */
export function encodeHexInto(src: Uint8Array, start: number, end: number, out: Uint8Array, o: number): void {
  for (let p = start; p < end; p++) {
    const b = src[p];
    out[o++] = HEX_DIGITS[b >> 4];
    out[o++] = HEX_DIGITS[b & 15];
  }
}

/**
 * Length of the bytes the base64 text `src[start, end)` decodes to, or -1 when its shape is
 * wrong (a lone trailing character, padding that is not at the end or does not complete a
 * 4-character group). The characters themselves are checked by `decodeBase64Into`.
 */
export function base64DecodedLength(src: Uint8Array, start: number, end: number): number {
  let n = end - start;
  if (n > 0 && src[end - 1] === EQ) {
    if (n % 4 !== 0) return -1;
    n -= src[end - 2] === EQ ? 2 : 1;
  }
  const rest = n % 4;
  if (rest === 1) return -1;
  return (n - rest) / 4 * 3 + (rest === 0 ? 0 : rest - 1);
}

/**
 * Decodes `len` bytes (from `base64DecodedLength`) of the base64 text starting at `src[start]`
 * into `out` at `o`. Returns false on a character outside both alphabets (a misplaced `=`
 * included).
 */
export function decodeBase64Into(src: Uint8Array, start: number, len: number, out: Uint8Array, o: number): boolean {
  let p = start;
  let bad = 0;
  const whole = o + len - (len % 3);
  while (o < whole) {
    const v = (B64_VALUE[src[p]] << 18) | (B64_VALUE[src[p + 1]] << 12) | (B64_VALUE[src[p + 2]] << 6) | B64_VALUE[src[p + 3]];
    bad |= v;
    out[o++] = v >> 16;
    out[o++] = v >> 8;
    out[o++] = v;
    p += 4;
  }
  if (len % 3 === 1) {
    const v = (B64_VALUE[src[p]] << 6) | B64_VALUE[src[p + 1]];
    bad |= v;
    out[o] = v >> 4;
  } else if (len % 3 === 2) {
    const v = (B64_VALUE[src[p]] << 12) | (B64_VALUE[src[p + 1]] << 6) | B64_VALUE[src[p + 2]];
    bad |= v;
    out[o++] = v >> 10;
    out[o] = v >> 2;
  }
  return bad >= 0;
}
