/**
 * A strict RFC 8259 JSON reader that never turns numbers into floats behind the caller's back:
 * OTLP timestamps (`1544712660300000000`) exceed 2^53, where `JSON.parse` silently rounds.
 *
 * Two layers: `JsonReader`, a pull cursor over UTF-8 bytes that the OTLP converter drives
 * token by token (no tree, strings handed out as byte ranges), and `parseJson`, a small tree
 * builder on top of it whose numbers are `JsonNumber { text }`.
 */
import { isUtf8 } from 'node:buffer';
import { ErrorCode, TaggerError } from '../../errors.js';

/** A syntax error at a byte offset of the input. */
export class JsonSyntaxError extends TaggerError {
  readonly offset: number;
  constructor(what: string, offset: number) {
    super(ErrorCode.JSON_DECODE, `invalid JSON at offset ${offset}: ${what}`);
    this.offset = offset;
  }
}

/** Nesting limit: deep enough for any OTLP payload, shallow enough to never exhaust the stack. */
export const maxJsonDepth = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Returns the end of the JSON number starting at `p`, or -1 when there is none (RFC 8259 §6). */
export function scanNumber(buf: Uint8Array, p: number, end: number): number {
  if (p < end && buf[p] === 0x2d) p++;
  if (p >= end) return -1;
  let c = buf[p];
  if (c === 0x30) p++;
  else if (c >= 0x31 && c <= 0x39) do p++; while (p < end && (c = buf[p]) >= 0x30 && c <= 0x39);
  else return -1;
  if (p < end && buf[p] === 0x2e) {
    const digits = ++p;
    while (p < end && (c = buf[p]) >= 0x30 && c <= 0x39) p++;
    if (p === digits) return -1;
  }
  if (p < end && (buf[p] | 0x20) === 0x65) {
    p++;
    if (p < end && (buf[p] === 0x2b || buf[p] === 0x2d)) p++;
    const digits = p;
    while (p < end && (c = buf[p]) >= 0x30 && c <= 0x39) p++;
    if (p === digits) return -1;
  }
  return p;
}

function describeByte(c: number): string {
  if (c < 0) return 'unexpected end of input';
  return c >= 0x21 && c < 0x7f ? `unexpected '${String.fromCharCode(c)}'` : `unexpected byte 0x${c.toString(16)}`;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

const SIMPLE_ESCAPES = new Int16Array(256).fill(-1);
for (const [c, v] of [['"', 0x22], ['\\', 0x5c], ['/', 0x2f], ['b', 8], ['f', 12], ['n', 10], ['r', 13], ['t', 9]] as const) {
  SIMPLE_ESCAPES[c.charCodeAt(0)] = v;
}

/**
 * Pull cursor over one JSON text. A class because the converter's hot loops want monomorphic
 * field access. After `readString`/`readKey` the string's UTF-8 bytes are `strBuf[strStart,
 * strEnd)` (the input itself when unescaped); after `readNumber`, `buf[numStart, numEnd)`.
 */
export class JsonReader {
  readonly buf: Buffer;
  pos = 0;
  strBuf: Buffer;
  strStart = 0;
  strEnd = 0;
  numStart = 0;
  numEnd = 0;
  private scratch = Buffer.allocUnsafe(256);

  constructor(input: string | Uint8Array) {
    if (typeof input === 'string') this.buf = Buffer.from(input, 'utf8');
    else {
      this.buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      if (!isUtf8(this.buf)) throw new TaggerError(ErrorCode.JSON_DECODE, 'invalid JSON: the text is not valid UTF-8');
    }
    this.strBuf = this.buf;
    // RFC 8259 §8.1: a parser MAY ignore a byte order mark.
    if (this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.pos = 3;
  }

  fail(what: string, at = this.pos): never {
    throw new JsonSyntaxError(what, at);
  }

  /** Skips whitespace; returns the next byte, or -1 at the end of the input. */
  peek(): number {
    const buf = this.buf;
    let p = this.pos;
    let c = -1;
    while (p < buf.length && ((c = buf[p]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
    this.pos = p;
    return p < buf.length ? c : -1;
  }

  private expect(c: number, what: string): void {
    if (this.peek() !== c) this.fail(`expected ${what}, ${describeByte(this.peek())}`);
    this.pos++;
  }

  /** Consumes `{`; false when the object is empty (its `}` consumed too). */
  enterObject(): boolean {
    this.expect(0x7b, "'{'");
    if (this.peek() !== 0x7d) return true;
    this.pos++;
    return false;
  }

  /** After a member: consumes `,` (true: another member follows) or `}` (false). */
  nextInObject(): boolean {
    const c = this.peek();
    this.pos++;
    if (c === 0x2c) return true;
    if (c === 0x7d) return false;
    return this.fail(`expected ',' or '}', ${describeByte(c)}`, this.pos - 1);
  }

  /** Reads a member name (into strBuf/strStart/strEnd) and its `:`. */
  readKey(): void {
    if (this.peek() !== QUOTE) this.fail(`expected a member name, ${describeByte(this.peek())}`);
    this.readString();
    this.expect(0x3a, "':'");
  }

  enterArray(): boolean {
    this.expect(0x5b, "'['");
    if (this.peek() !== 0x5d) return true;
    this.pos++;
    return false;
  }

  nextInArray(): boolean {
    const c = this.peek();
    this.pos++;
    if (c === 0x2c) return true;
    if (c === 0x5d) return false;
    return this.fail(`expected ',' or ']', ${describeByte(c)}`, this.pos - 1);
  }

  /** Reads a string token; its unescaped UTF-8 bytes land in strBuf[strStart, strEnd). */
  readString(): void {
    const buf = this.buf;
    const start = this.pos + 1;
    let p = start;
    for (;;) {
      if (p >= buf.length) this.fail('unterminated string', start - 1);
      const c = buf[p];
      if (c === QUOTE) break;
      if (c === BACKSLASH) return this.readEscapedString(start, p);
      if (c < 0x20) this.fail('control character in string', p);
      p++;
    }
    this.strBuf = buf;
    this.strStart = start;
    this.strEnd = p;
    this.pos = p + 1;
  }

  private readEscapedString(start: number, p: number): void {
    const buf = this.buf;
    let out = this.scratch;
    if (out.length < p - start + 4) out = this.scratch = Buffer.allocUnsafe(2 * (p - start) + 4);
    let o = buf.copy(out, 0, start, p);
    for (;;) {
      if (p >= buf.length) this.fail('unterminated string', start - 1);
      // Each step below writes at most 4 bytes.
      if (o + 4 > out.length) {
        const grown = Buffer.allocUnsafe(2 * out.length);
        out.copy(grown, 0, 0, o);
        out = this.scratch = grown;
      }
      const c = buf[p];
      if (c === QUOTE) break;
      if (c < 0x20) this.fail('control character in string', p);
      if (c !== BACKSLASH) {
        out[o++] = c;
        p++;
        continue;
      }
      const e = p + 1 < buf.length ? buf[p + 1] : -1;
      const simple = e < 0 ? -1 : SIMPLE_ESCAPES[e];
      if (simple >= 0) {
        out[o++] = simple;
        p += 2;
        continue;
      }
      if (e !== 0x75) this.fail('invalid escape sequence', p);
      let cp = this.hex4(p + 2);
      p += 6;
      if (cp >= 0xd800 && cp < 0xdc00 && buf[p] === BACKSLASH && buf[p + 1] === 0x75) {
        const low = this.hex4(p + 2);
        if (low >= 0xdc00 && low < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        }
      }
      // A lone surrogate has no UTF-8 form; it becomes U+FFFD, as in Go's encoding/json.
      if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
      if (cp < 0x80) out[o++] = cp;
      else if (cp < 0x800) {
        out[o++] = 0xc0 | (cp >> 6);
        out[o++] = 0x80 | (cp & 63);
      } else if (cp < 0x10000) {
        out[o++] = 0xe0 | (cp >> 12);
        out[o++] = 0x80 | ((cp >> 6) & 63);
        out[o++] = 0x80 | (cp & 63);
      } else {
        out[o++] = 0xf0 | (cp >> 18);
        out[o++] = 0x80 | ((cp >> 12) & 63);
        out[o++] = 0x80 | ((cp >> 6) & 63);
        out[o++] = 0x80 | (cp & 63);
      }
    }
    this.strBuf = out;
    this.strStart = 0;
    this.strEnd = o;
    this.pos = p + 1;
  }

  private hex4(p: number): number {
    const buf = this.buf;
    const v =
      p + 4 <= buf.length ? (HEX[buf[p]] << 12) | (HEX[buf[p + 1]] << 8) | (HEX[buf[p + 2]] << 4) | HEX[buf[p + 3]] : -1;
    return v < 0 ? this.fail('invalid \\u escape', p - 2) : v;
  }

  /** The last string read, decoded. */
  stringValue(): string {
    return this.strBuf.toString('utf8', this.strStart, this.strEnd);
  }

  /** Reads a number token; its text is buf[numStart, numEnd). */
  readNumber(): void {
    const start = this.pos;
    const end = scanNumber(this.buf, start, this.buf.length);
    if (end < 0) this.fail('invalid number', start);
    this.numStart = start;
    this.numEnd = end;
    this.pos = end;
  }

  numberText(): string {
    return this.buf.toString('latin1', this.numStart, this.numEnd);
  }

  /** Reads `true`, `false` or `null`. */
  readLiteral(): boolean | null {
    const buf = this.buf;
    const p = this.pos;
    const c = buf[p];
    if (c === 0x74 && buf[p + 1] === 0x72 && buf[p + 2] === 0x75 && buf[p + 3] === 0x65) {
      this.pos += 4;
      return true;
    }
    if (c === 0x66 && buf[p + 1] === 0x61 && buf[p + 2] === 0x6c && buf[p + 3] === 0x73 && buf[p + 4] === 0x65) {
      this.pos += 5;
      return false;
    }
    if (c === 0x6e && buf[p + 1] === 0x75 && buf[p + 2] === 0x6c && buf[p + 3] === 0x6c) {
      this.pos += 4;
      return null;
    }
    return this.fail(`expected a value, ${describeByte(p < buf.length ? c : -1)}`);
  }

  /** Skips one value of any type, checking its syntax. */
  skipValue(depth: number): void {
    const c = this.peek();
    if (c === 0x7b || c === 0x5b) {
      if (depth >= maxJsonDepth) this.fail(`nesting deeper than ${maxJsonDepth}`);
      if (c === 0x7b) {
        if (this.enterObject()) {
          do {
            this.readKey();
            this.skipValue(depth + 1);
          } while (this.nextInObject());
        }
      } else if (this.enterArray()) {
        do this.skipValue(depth + 1);
        while (this.nextInArray());
      }
    } else if (c === QUOTE) this.readString();
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.readNumber();
    else this.readLiteral();
  }

  /** Checks that only whitespace follows the value. */
  end(): void {
    const c = this.peek();
    if (c >= 0) this.fail(`${describeByte(c)} after the end of the value`);
  }
}

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

function readValue(r: JsonReader, depth: number): JsonValue {
  const c = r.peek();
  if (c === QUOTE) {
    r.readString();
    return r.stringValue();
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    r.readNumber();
    return new JsonNumber(r.numberText());
  }
  if (c !== 0x7b && c !== 0x5b) return r.readLiteral();
  if (depth >= maxJsonDepth) r.fail(`nesting deeper than ${maxJsonDepth}`);
  if (c === 0x5b) {
    const array: JsonValue[] = [];
    if (r.enterArray()) {
      do array.push(readValue(r, depth + 1));
      while (r.nextInArray());
    }
    return array;
  }
  const object: JsonObject = Object.create(null) as JsonObject;
  if (r.enterObject()) {
    do {
      const at = r.pos;
      r.readKey();
      const key = r.stringValue();
      // RFC 8259 §4 leaves duplicate names to the implementation; ambiguity is refused here.
      if (key in object) r.fail(`duplicate member name ${JSON.stringify(key)}`, at);
      object[key] = readValue(r, depth + 1);
    } while (r.nextInObject());
  }
  return object;
}

/** Parses a whole JSON text; objects have no prototype, numbers are `JsonNumber`s. */
export function parseJson(input: string | Uint8Array): JsonValue {
  const r = new JsonReader(input);
  const value = readValue(r, 0);
  r.end();
  return value;
}
