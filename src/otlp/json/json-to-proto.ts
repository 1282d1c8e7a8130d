/**
 * OTLP/JSON → protobuf, driven by the schema table, streaming: the JSON is read token by token
 * (lossless-json.ts) and protobuf is written as it goes (no tree, no protobufjs objects).
 *
 * The mapping is proto3 JSON with OTLP's deviations (opentelemetry-proto docs/specification.md,
 * "JSON Protobuf Encoding"; checklist C):
 * - keys lowerCamelCase or the proto's snake_case; unknown keys ignored; `null` = absent;
 * - trace/span IDs are hex (either case) of exactly 16/8 bytes, or "" (empty); never base64;
 * - other bytes are base64, standard or URL-safe, padded or not;
 * - integers as numbers or strings, any notation, exact (64-bit included) and range-checked;
 * - doubles as numbers, numeric strings, "NaN", "Infinity", "-Infinity";
 * - enums as integers or their names (the Collector is as lenient; OTLP senders use integers).
 * Ambiguous input (a field given twice, e.g. as `traceId` and `trace_id`, or two members of one
 * oneof) is refused, like protobuf's reference JSON parser does.
 * Output is canonical proto3: defaults are not written except for presence fields, repeated
 * numbers are packed; fields come in the JSON's order.
 */
import { ErrorCode, TaggerError } from '../../errors.js';
import { type FieldSpec, enums, messageSpec, requestMessage } from '../otlp-schema.js';
import type { Signal } from '../signal.js';
import {
  BOOL,
  BYTES,
  DOUBLE,
  ENUM,
  FIXED32,
  FIXED64,
  fieldKind,
  HEX,
  idLength,
  isPackable,
  MESSAGE,
  oneofNames,
  SFIXED64,
  SINT32,
  STRING,
  UINT32,
  wireTypeOf,
} from './field-kind.js';
import { base64DecodedLength, decodeBase64Into, decodeHexInto } from './hex-base64.js';
import { inRange, intRegs, negateRegs, parseJsonInteger } from './json-numbers.js';
import { JsonReader, JsonSyntaxError, maxJsonDepth, scanNumber } from './lossless-json.js';
import { ProtoWriter } from './proto-writer.js';

/** The integer range of each kind (by kind code; non-integers unused). */
const rangeOf = ['uint64', 'uint64', 'uint64', 'uint64', 'int32', 'int32', 'uint32', 'uint32', 'int32', 'int64',
  'uint64', 'uint64', 'int64', 'uint64', 'uint64'] as const;

interface InField {
  readonly spec: FieldSpec;
  readonly name: string;
  readonly kind: number;
  readonly tag: number;
  readonly packed: boolean;
  readonly bit: number;
  readonly oneofBit: number;
  readonly hexLen: number;
  readonly enumValues: ReadonlyMap<string, number> | undefined;
  message: InMessage | undefined;
}

interface InMessage {
  readonly fields: InField[];
  /** JSON keys as UTF-8 bytes, and their fields, bucketed by length. */
  readonly keys: Uint8Array[][];
  readonly keyFields: InField[][];
}

const compiled = new Map<string, InMessage>();

function compile(name: string): InMessage {
  const existing = compiled.get(name);
  if (existing !== undefined) return existing;
  const spec = messageSpec(name);
  const m: InMessage = { fields: [], keys: [], keyFields: [] };
  compiled.set(name, m);
  const oneofs = oneofNames(spec.fields);
  for (const [index, fs] of spec.fields.entries()) {
    const kind = fieldKind(fs);
    const packed = isPackable(fs);
    m.fields.push({
      spec: fs,
      name: fs.name,
      kind,
      tag: (fs.no << 3) | (packed ? 2 : wireTypeOf[kind]),
      packed,
      bit: 2 ** index,
      oneofBit: fs.oneof === undefined ? 0 : 2 ** oneofs.indexOf(fs.oneof),
      hexLen: idLength(fs),
      enumValues: fs.enumType === undefined ? undefined : new Map(Object.entries(enums[fs.enumType])),
      message: undefined,
    });
  }
  for (const f of m.fields) {
    if (f.spec.message !== undefined) f.message = compile(f.spec.message);
    for (const key of new Set([f.spec.name, f.spec.protoName])) {
      const bytes = Buffer.from(key, 'utf8');
      (m.keys[bytes.length] ??= []).push(bytes);
      (m.keyFields[bytes.length] ??= []).push(f);
    }
  }
  return m;
}

function lookupKey(m: InMessage, buf: Uint8Array, start: number, end: number): InField | undefined {
  const candidates = m.keys[end - start];
  if (candidates === undefined) return undefined;
  next: for (let k = 0; k < candidates.length; k++) {
    const key = candidates[k];
    for (let i = 0; i < key.length; i++) if (key[i] !== buf[start + i]) continue next;
    return m.keyFields[end - start][k];
  }
  return undefined;
}

interface Ctx {
  readonly r: JsonReader;
  readonly w: ProtoWriter;
  /** Where the converter is, for error messages: keys and array indexes, `path[0, depth)`. */
  readonly path: (string | number)[];
  depth: number;
  /** The last bool or double read. */
  num: number;
}

function formatPath(c: Ctx): string {
  let s = '';
  for (const segment of c.path.slice(0, c.depth)) {
    s += typeof segment === 'number' ? `[${segment}]` : s === '' ? segment : `.${segment}`;
  }
  return s === '' ? '(root)' : s;
}

function fail(c: Ctx, message: string): never {
  throw new TaggerError(ErrorCode.JSON_DECODE, `${formatPath(c)}: ${message}`);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function isNumberStart(c: number): boolean {
  return c === 0x2d || (c >= 0x30 && c <= 0x39);
}

/** Fails with "expected X, got <the value at the cursor>". */
function typeError(c: Ctx, expected: string): never {
  const r = c.r;
  const ch = r.peek();
  let got = ch === 0x7b ? 'an object' : ch === 0x5b ? 'an array' : 'end of input';
  if (ch === 0x22) {
    r.readString();
    got = quote(r.stringValue());
  } else if (isNumberStart(ch)) {
    r.readNumber();
    got = r.numberText();
  } else if (ch >= 0 && ch !== 0x7b && ch !== 0x5b) got = String(r.readLiteral());
  return fail(c, `expected ${expected}, got ${got}`);
}

function readStringToken(c: Ctx, expected: string): void {
  if (c.r.peek() !== 0x22) typeError(c, expected);
  c.r.readString();
}

/** Reads an integer (number or string) into intRegs, checked against the field's range. */
function readInteger(c: Ctx, f: InField): void {
  const r = c.r;
  const ch = r.peek();
  let buf: Buffer;
  let start: number;
  let end: number;
  if (ch === 0x22) {
    r.readString();
    buf = r.strBuf;
    start = r.strStart;
    end = r.strEnd;
    if (scanNumber(buf, start, end) !== end) fail(c, `expected an integer, got ${quote(r.stringValue())}`);
  } else if (isNumberStart(ch)) {
    r.readNumber();
    buf = r.buf;
    start = r.numStart;
    end = r.numEnd;
  } else return typeError(c, 'an integer');
  const why = parseJsonInteger(buf, start, end) ?? (inRange(rangeOf[f.kind]) ? undefined : 'out of range');
  if (why !== undefined) fail(c, `${why} for ${f.spec.kind}: ${buf.toString('utf8', start, end)}`);
}

function readEnum(c: Ctx, f: InField): void {
  const r = c.r;
  if (r.peek() !== 0x22) return readInteger(c, f);
  r.readString();
  const name = r.stringValue();
  const v = f.enumValues?.get(name);
  if (v === undefined) fail(c, `unknown ${f.spec.enumType} name ${quote(name)}`);
  intRegs.lo = Math.abs(v);
  intRegs.hi = 0;
  intRegs.neg = v < 0;
}

function readDouble(c: Ctx): number {
  const r = c.r;
  const ch = r.peek();
  let text: string;
  if (ch === 0x22) {
    r.readString();
    text = r.stringValue();
    if (text === 'NaN') return NaN;
    if (text === 'Infinity') return Infinity;
    if (text === '-Infinity') return -Infinity;
    if (scanNumber(r.strBuf, r.strStart, r.strEnd) !== r.strEnd) fail(c, `expected a number, got ${quote(text)}`);
  } else if (isNumberStart(ch)) {
    r.readNumber();
    text = r.numberText();
  } else return typeError(c, 'a number');
  const v = Number(text);
  if (!Number.isFinite(v)) fail(c, `out of range for double: ${text}`);
  return v;
}

/** Reads a bool, enum, integer or double; true unless it is the default (zero) value. */
function readScalar(c: Ctx, f: InField): boolean {
  switch (f.kind) {
    case BOOL: {
      const ch = c.r.peek();
      if (ch !== 0x74 && ch !== 0x66) typeError(c, 'true or false');
      c.num = c.r.readLiteral() ? 1 : 0;
      return c.num !== 0;
    }
    case DOUBLE:
      c.num = readDouble(c);
      return !Object.is(c.num, 0);
    case ENUM:
      readEnum(c, f);
      break;
    default:
      readInteger(c, f);
  }
  return intRegs.lo !== 0 || intRegs.hi !== 0;
}

function writeScalar(c: Ctx, f: InField): void {
  const w = c.w;
  switch (f.kind) {
    case BOOL:
      return w.varint32(c.num);
    case DOUBLE:
      return w.double(c.num);
    case SINT32: {
      const n = intRegs.neg ? -intRegs.lo : intRegs.lo;
      return w.varint32(((n << 1) ^ (n >> 31)) >>> 0);
    }
    case UINT32:
      return w.varint32(intRegs.lo);
    case FIXED32:
      return w.fixed32(intRegs.lo);
  }
  negateRegs();
  if (f.kind === FIXED64 || f.kind === SFIXED64) w.fixed64(intRegs.lo, intRegs.hi);
  else w.varint64(intRegs.lo, intRegs.hi);
}

/** Writes one value of `f` (tag included); default values only when `always`. */
function writeValue(c: Ctx, f: InField, depth: number, always: boolean): void {
  const r = c.r;
  const w = c.w;
  switch (f.kind) {
    case MESSAGE: {
      if (r.peek() !== 0x7b) typeError(c, 'an object');
      w.varint32(f.tag);
      const start = w.beginLen();
      writeMessage(c, f.message as InMessage, depth + 1);
      return w.endLen(start);
    }
    case STRING: {
      readStringToken(c, 'a string');
      if (r.strEnd === r.strStart && !always) return;
      return w.lengthDelimited(f.tag, r.strBuf, r.strStart, r.strEnd);
    }
    case BYTES: {
      readStringToken(c, 'a base64 string');
      const len = base64DecodedLength(r.strBuf, r.strStart, r.strEnd);
      if (len === 0 && !always) return;
      if (len >= 0) {
        w.varint32(f.tag);
        w.varint32(len);
        w.ensure(len);
        if (decodeBase64Into(r.strBuf, r.strStart, len, w.buf, w.pos)) {
          w.pos += len;
          return;
        }
      }
      return fail(c, `invalid base64: ${quote(r.stringValue())}`);
    }
    case HEX: {
      readStringToken(c, 'a hex string');
      const digits = r.strEnd - r.strStart;
      if (digits === 0 && !always) return;
      if (digits === 0 || digits === 2 * f.hexLen) {
        w.varint32(f.tag);
        w.varint32(digits / 2);
        w.ensure(digits / 2);
        if (decodeHexInto(r.strBuf, r.strStart, r.strEnd, w.buf, w.pos)) {
          w.pos += digits / 2;
          return;
        }
      }
      return fail(c, `expected ${2 * f.hexLen} hex digits, got ${quote(r.stringValue())}`);
    }
  }
  if (readScalar(c, f) || always) {
    w.varint32(f.tag);
    writeScalar(c, f);
  }
}

function writeRepeated(c: Ctx, f: InField, depth: number): void {
  const r = c.r;
  if (r.peek() !== 0x5b) typeError(c, 'an array');
  if (!r.enterArray()) return;
  const path = c.path;
  const slot = c.depth++;
  let start = 0;
  if (f.packed) {
    c.w.varint32(f.tag);
    start = c.w.beginLen();
  }
  for (let i = 0; ; i++) {
    path[slot] = i;
    if (r.peek() === 0x6e) fail(c, 'null is not allowed in an array');
    if (!f.packed) writeValue(c, f, depth, true);
    else {
      readScalar(c, f);
      writeScalar(c, f);
    }
    if (!r.nextInArray()) break;
  }
  if (f.packed) c.w.endLen(start);
  c.depth = slot;
}

function writeMessage(c: Ctx, m: InMessage, depth: number): void {
  const r = c.r;
  if (depth >= maxJsonDepth) fail(c, `nesting deeper than ${maxJsonDepth}`);
  if (!r.enterObject()) return;
  const path = c.path;
  const slot = c.depth;
  let seen = 0;
  let oneofs = 0;
  do {
    r.readKey();
    const f = lookupKey(m, r.strBuf, r.strStart, r.strEnd);
    path[slot] = f === undefined ? r.stringValue() : f.name;
    c.depth = slot + 1;
    if (f === undefined) {
      r.skipValue(depth + 1);
      continue;
    }
    if (r.peek() === 0x6e) {
      r.readLiteral();
      continue;
    }
    if ((seen & f.bit) !== 0) fail(c, 'field given more than once');
    seen |= f.bit;
    if ((oneofs & f.oneofBit) !== 0) fail(c, `more than one member of oneof '${f.spec.oneof}' given`);
    oneofs |= f.oneofBit;
    if (f.spec.repeated) writeRepeated(c, f, depth);
    else writeValue(c, f, depth, f.spec.explicitPresence);
  } while (r.nextInObject());
  c.depth = slot;
}

/** Converts OTLP/JSON of the schema message `messageName` to protobuf. */
export function jsonToProto(messageName: string, text: string | Uint8Array): Buffer {
  const m = compile(messageName);
  const r = new JsonReader(text);
  const c: Ctx = { r, w: new ProtoWriter(r.buf.length), path: [], depth: 0, num: 0 };
  try {
    if (r.peek() !== 0x7b) typeError(c, 'an object');
    writeMessage(c, m, 0);
    r.end();
  } catch (err) {
    if (err instanceof JsonSyntaxError && c.depth > 0) {
      throw new TaggerError(ErrorCode.JSON_DECODE, `${formatPath(c)}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return c.w.finish();
}

/** Converts an OTLP/JSON `Export<Signal>ServiceRequest` body to protobuf. */
export function requestJsonToProto(signal: Signal, body: string | Uint8Array): Buffer {
  return jsonToProto(requestMessage[signal], body);
}
