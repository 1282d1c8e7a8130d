/**
 * A growing UTF-8 buffer for JSON text. A class: the converter's hot loops want monomorphic
 * field access.
 */

/** For each byte: 0 when it stands for itself inside a JSON string, else its escape letter. */
const ESCAPE = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) ESCAPE[b] = 0x75; // \u00XX
for (const [b, e] of [[0x22, '"'], [0x5c, '\\'], [8, 'b'], [12, 'f'], [10, 'n'], [13, 'r'], [9, 't']] as const) {
  ESCAPE[b] = e.charCodeAt(0);
}
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

export class JsonWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialSize));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Copies bytes that are already JSON (keys with their quotes and colon). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i];
    this.pos = p;
  }

  /** Writes a string of ASCII characters (numbers, literals, base64) as is. */
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Writes the UTF-8 text `src[start, end)` as a quoted, escaped JSON string. */
  string(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start + 2);
    let buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    let i = start;
    for (; i < end; i++) {
      const b = src[i];
      if (ESCAPE[b] !== 0) break;
      buf[p++] = b;
    }
    for (; i < end; i++) {
      const b = src[i];
      const e = ESCAPE[b];
      // Room for this byte's escape, the rest unescaped, and the closing quote.
      this.pos = p;
      this.ensure(end - i + 6);
      buf = this.buf;
      if (e === 0) buf[p++] = b;
      else {
        buf[p++] = 0x5c;
        buf[p++] = e;
        if (e === 0x75) {
          buf[p++] = 0x30;
          buf[p++] = 0x30;
          buf[p++] = HEX_DIGITS[b >> 4];
          buf[p++] = HEX_DIGITS[b & 15];
        }
      }
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** The text written. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
