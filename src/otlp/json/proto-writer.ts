/**
 * A growing buffer that writes protobuf wire values. Nested messages are written in place: one
 * byte is reserved for the length and, when the content turns out longer than 127 bytes, the
 * content is shifted to make room (one memmove per large message, no second pass).
 * A class: the converter's hot loops want monomorphic field access.
 */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialSize));
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** An unsigned 32-bit varint (field tags, lengths, uint32, enum and int32 values ≥ 0). */
  varint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** A 64-bit varint from its unsigned 32-bit halves. */
  varint64(lo: number, hi: number): void {
    if (hi === 0) return this.varint32(lo);
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < 4; i++) {
      buf[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    // Bits 28..34 straddle the halves.
    let v = lo | ((hi & 7) << 4);
    hi >>>= 3;
    if (hi === 0) {
      buf[p++] = v;
    } else {
      buf[p++] = v | 128;
      while (hi > 127) {
        buf[p++] = (hi & 127) | 128;
        hi >>>= 7;
      }
      buf[p++] = hi;
    }
    this.pos = p;
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Writes a field tag, then `src[start, end)` with its length in front. */
  lengthDelimited(tag: number, src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n + 10);
    const buf = this.buf;
    let p = this.pos;
    for (let v = tag; ; v >>>= 7) {
      if (v < 128) {
        buf[p++] = v;
        break;
      }
      buf[p++] = (v & 127) | 128;
    }
    for (let v = n; ; v >>>= 7) {
      if (v < 128) {
        buf[p++] = v;
        break;
      }
      buf[p++] = (v & 127) | 128;
    }
    if (n > 64) p += src.copy(buf, p, start, end);
    else for (let i = start; i < end; i++) buf[p++] = src[i];
    this.pos = p;
  }

  /** Opens a length-delimited value; returns the handle for `endLen`. */
  beginLen(): number {
    this.ensure(1);
    return ++this.pos;
  }

  /** Closes the value opened by `beginLen`, writing its length in front of it. */
  endLen(start: number): void {
    const len = this.pos - start;
    if (len < 128) {
      this.buf[start - 1] = len;
      return;
    }
    let extra = 1;
    while (len >= 2 ** (7 * (extra + 1))) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos += extra;
    let p = start - 1;
    let v = len;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  /** The bytes written; copied to size when that frees more than 64 KiB. */
  finish(): Buffer {
    const used = this.buf.subarray(0, this.pos);
    return this.buf.length - this.pos > 65536 ? Buffer.from(used) : used;
  }
}
