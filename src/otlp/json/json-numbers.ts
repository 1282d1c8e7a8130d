/**
 * Exact integer arithmetic for the JSON converters, on 32-bit halves held in doubles: 64-bit
 * OTLP values (timestamps, counts, `intValue`) must survive JSON without float rounding, and
 * BigInt is several times slower than this on the hot path.
 */

const TWO32 = 4294967296;

/**
 * Result registers of `parseJsonInteger` (one pair per conversion instead of an allocation per
 * number): the magnitude as `hi * 2^32 + lo`, and its sign.
 */
export const intRegs = { lo: 0, hi: 0, neg: false };

/**
 * Parses the JSON number text `buf[start, end)` (grammar already checked) as an exact integer.
 * proto3 JSON accepts integral values in any notation (`1e3`, `10.0`); `1.5` is not an integer.
 * Returns why it failed, or undefined. Magnitudes of 2^64 and above are out of range.
 */
export function parseJsonInteger(buf: Uint8Array, start: number, end: number): string | undefined {
  let p = start;
  const neg = buf[p] === 0x2d;
  if (neg) p++;
  const intStart = p;
  while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) p++;
  const intEnd = p;
  let fracStart = p;
  let fracEnd = p;
  if (p < end && buf[p] === 0x2e) {
    fracStart = ++p;
    while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) p++;
    fracEnd = p;
  }
  let exp = 0;
  if (p < end) {
    p++;
    const expNeg = buf[p] === 0x2d;
    if (expNeg || buf[p] === 0x2b) p++;
    // Saturate: beyond 10^6 the answer (zero, out of range, or not an integer) no longer changes.
    for (; p < end; p++) if (exp < 1e6) exp = exp * 10 + buf[p] - 0x30;
    if (expNeg) exp = -exp;
  }
  const nInt = intEnd - intStart;
  const total = nInt + (fracEnd - fracStart);
  // Digits before the decimal point, counted in the digit string int ++ frac.
  const point = nInt + exp;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < total; i++) {
    const d = buf[i < nInt ? intStart + i : fracStart + i - nInt] - 0x30;
    if (i >= point) {
      if (d !== 0) return 'not an integer';
      continue;
    }
    lo = lo * 10 + d;
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * 10 + carry;
    if (hi >= TWO32) return 'out of range';
  }
  if (lo !== 0 || hi !== 0) {
    for (let i = total; i < point; i++) {
      lo *= 10;
      const carry = Math.floor(lo / TWO32);
      lo -= carry * TWO32;
      hi = hi * 10 + carry;
      if (hi >= TWO32) return 'out of range';
    }
  }
  intRegs.lo = lo;
  intRegs.hi = hi;
  intRegs.neg = neg && (lo !== 0 || hi !== 0);
  return undefined;
}

/** Range of the registers for a protobuf integer kind; false when out of range. */
export function inRange(kind: 'int32' | 'uint32' | 'int64' | 'uint64'): boolean {
  const { lo, hi, neg } = intRegs;
  switch (kind) {
    case 'uint64':
      return !neg;
    case 'int64':
      return hi < 0x80000000 || (neg && hi === 0x80000000 && lo === 0);
    case 'uint32':
      return !neg && hi === 0;
    case 'int32':
      return hi === 0 && (lo < 0x80000000 || (neg && lo === 0x80000000));
  }
}

/** Turns the registers into the 64-bit two's complement of the signed value. */
export function negateRegs(): void {
  if (!intRegs.neg) return;
  const lo = (~intRegs.lo + 1) >>> 0;
  intRegs.hi = (~intRegs.hi + (lo === 0 ? 1 : 0)) >>> 0;
  intRegs.lo = lo;
}

/** Exact decimal text of the unsigned 64-bit value `hi * 2^32 + lo`. */
export function uint64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  // Long division by 10^9, 16 bits of `lo` at a time, keeps every intermediate below 2^53.
  let q = Math.floor(hi / 1e9);
  let cur = (hi - q * 1e9) * 65536 + (lo >>> 16);
  let d = Math.floor(cur / 1e9);
  q = q * 65536 + d;
  cur = (cur - d * 1e9) * 65536 + (lo & 0xffff);
  d = Math.floor(cur / 1e9);
  q = q * 65536 + d;
  const r = cur - d * 1e9;
  const low = String(r);
  return String(q) + '000000000'.slice(low.length) + low;
}

/** Exact decimal text of the two's complement signed 64-bit value with halves `lo`, `hi`. */
export function int64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x80000000) return uint64ToDecimal(lo, hi);
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  return '-' + uint64ToDecimal(nlo, nhi);
}
