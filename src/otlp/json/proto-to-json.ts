/**
 * Protobuf → canonical OTLP/JSON, driven by the schema table (opentelemetry-proto
 * docs/specification.md "JSON Protobuf Encoding"; checklist C): lowerCamelCase keys, trace/span
 * IDs as lowercase hex, 64-bit integers as decimal strings, 32-bit ones and enums as numbers,
 * bytes as padded standard base64, doubles as numbers or "NaN"/"Infinity"/"-Infinity", default
 * values omitted except for presence fields (oneof members, proto3 `optional`).
 *
 * Protobuf semantics are honoured, not assumed canonical: a repeated field may come in pieces
 * and packed or not, the last value of a singular scalar wins, repeats of a singular message
 * merge, and the last member of a oneof wins. Fields are written in schema (proto file) order.
 * Unknown fields are dropped: JSON has no way to carry them. Field 1000 of Resource{Spans,Logs,
 * Metrics} (the legacy `instrumentation_library_*`, wire-compatible with `scope_*`) is dropped
 * too, except when `scope_*` is absent: then it is written as `scope*`, as the Collector reads
 * it (checklist 18), so old senders' data is not lost.
 */
import { isUtf8 } from 'node:buffer';
import { decodeError } from '../../errors.js';
import { type FieldSpec, messageSpec, requestMessage } from '../otlp-schema.js';
import type { Signal } from '../signal.js';
import {
  BOOL,
  BYTES,
  DOUBLE,
  FIXED32,
  FIXED64,
  fieldKind,
  HEX,
  INT64,
  isPackable,
  MESSAGE,
  oneofNames,
  SFIXED64,
  SINT32,
  STRING,
  UINT32,
  UINT64,
  wireTypeOf,
} from './field-kind.js';
import { encodeHexInto } from './hex-base64.js';
import { int64ToDecimal, uint64ToDecimal } from './json-numbers.js';
import { JsonWriter } from './json-writer.js';

/** Nesting limit, as protobuf runtimes' default recursion limit. */
const maxDepth = 100;
const legacyFieldNo = 1000;

interface OutField {
  readonly spec: FieldSpec;
  readonly kind: number;
  readonly wireType: number;
  /** A repeated number: may come packed (wire type 2). */
  readonly packable: boolean;
  /** Index of its oneof in the message, or -1. */
  readonly oneof: number;
  /** `"name":` */
  readonly key: Buffer;
  message: OutMessage | undefined;
}

interface OutMessage {
  readonly name: string;
  readonly fields: OutField[];
  /** Field number → index in `fields`, -1 for unknown numbers. */
  readonly byNo: Int8Array;
  readonly oneofCount: number;
  /** Index of the `scope_*` field that field 1000 stands in for, or -1. */
  readonly legacyTarget: number;
}

const compiled = new Map<string, OutMessage>();

function compile(name: string): OutMessage {
  const existing = compiled.get(name);
  if (existing !== undefined) return existing;
  const spec = messageSpec(name);
  const oneofs = oneofNames(spec.fields);
  const byNo = new Int8Array(Math.max(...spec.fields.map((f) => f.no)) + 1).fill(-1);
  const fields = spec.fields.map((fs, index): OutField => {
    byNo[fs.no] = index;
    const kind = fieldKind(fs);
    return {
      spec: fs,
      kind,
      wireType: wireTypeOf[kind],
      packable: isPackable(fs),
      oneof: fs.oneof === undefined ? -1 : oneofs.indexOf(fs.oneof),
      key: Buffer.from(`"${fs.name}":`, 'utf8'),
      message: undefined,
    };
  });
  const legacyTarget = /^Resource(Spans|Logs|Metrics)$/.test(name) ? byNo[2] : -1;
  const m: OutMessage = { name, fields, byNo, oneofCount: oneofs.length, legacyTarget };
  compiled.set(name, m);
  for (const f of fields) if (f.spec.message !== undefined) f.message = compile(f.spec.message);
  return m;
}

/** Result registers of `readVarint`. */
let vLo = 0;
let vHi = 0;

/** Reads a varint at `p` (before `end`) into vLo/vHi; returns the position after it, or -1. */
function readVarint(src: Uint8Array, p: number, end: number): number {
  let lo = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) return -1;
    b = src[p++];
    lo |= (b & 127) << shift;
    if (b < 128) {
      vLo = lo >>> 0;
      vHi = 0;
      return p;
    }
  }
  if (p >= end) return -1;
  b = src[p++];
  lo |= (b & 15) << 28;
  let hi = (b & 127) >> 4;
  for (let shift = 3; b >= 128; shift += 7) {
    if (p >= end || shift > 31) return -1;
    b = src[p++];
    hi |= (b & 127) << shift;
  }
  vLo = lo >>> 0;
  vHi = hi >>> 0;
  return p;
}

interface Ctx {
  readonly out: JsonWriter;
  /**
   * Per-message scratch, a stack: for each open message, heads and tails of per-field linked
   * lists of occurrences (with one extra list for field 1000) and the last member seen of each
   * oneof; then the occurrences, 4 ints each: value start, value end, wire type, next.
   */
  rec: Int32Array;
  top: number;
}

function reserve(c: Ctx, n: number): void {
  if (c.top + n <= c.rec.length) return;
  const grown = new Int32Array(Math.max(2 * c.rec.length, c.top + n));
  grown.set(c.rec);
  c.rec = grown;
}

function bad(m: OutMessage, what: string, offset: number): never {
  throw decodeError(`invalid protobuf: ${m.name}: ${what} at offset ${offset}`);
}

function writeMessage(c: Ctx, m: OutMessage, src: Buffer, start: number, end: number, depth: number): void {
  if (depth >= maxDepth) bad(m, `nesting deeper than ${maxDepth}`, start);
  const nf = m.fields.length;
  const base = c.top;
  const heads = base;
  const tails = base + nf + 1;
  const lastOneof = tails + nf + 1;
  reserve(c, 2 * nf + 2 + m.oneofCount);
  c.rec.fill(-1, base, lastOneof + m.oneofCount);
  c.top = lastOneof + m.oneofCount;

  for (let p = start; p < end; ) {
    const at = p;
    p = readVarint(src, p, end);
    if (p < 0 || vHi !== 0) bad(m, 'truncated or oversized field tag', at);
    const no = vLo >>> 3;
    const wt = vLo & 7;
    if (no === 0) bad(m, 'field number 0', at);
    let valueStart = p;
    if (wt === 0) p = readVarint(src, p, end);
    else if (wt === 1) p += 8;
    else if (wt === 5) p += 4;
    else if (wt === 2) {
      p = readVarint(src, p, end);
      if (p >= 0 && vHi === 0 && vLo <= end - p) {
        valueStart = p;
        p += vLo;
      } else p = -1;
    } else bad(m, `field ${no}: unsupported wire type ${wt}`, at);
    if (p < 0 || p > end) bad(m, `field ${no}: truncated value`, at);
    let fi = no < m.byNo.length ? m.byNo[no] : -1;
    if (fi < 0) {
      if (no !== legacyFieldNo || m.legacyTarget < 0 || wt !== 2) continue;
      fi = nf;
    } else {
      const f = m.fields[fi];
      if (wt !== f.wireType && !(wt === 2 && f.packable)) {
        bad(m, `field ${no} (${f.spec.protoName}): wire type ${wt}, expected ${f.wireType}`, at);
      }
      if (f.oneof >= 0) c.rec[lastOneof + f.oneof] = fi;
    }
    reserve(c, 4);
    const r = c.rec;
    const idx = c.top;
    r[idx] = valueStart;
    r[idx + 1] = p;
    r[idx + 2] = wt;
    r[idx + 3] = -1;
    c.top += 4;
    if (r[heads + fi] < 0) r[heads + fi] = idx;
    else r[r[tails + fi] + 3] = idx;
    r[tails + fi] = idx;
  }

  const out = c.out;
  out.byte(0x7b);
  let first = true;
  for (let fi = 0; fi < nf; fi++) {
    const f = m.fields[fi];
    let head = c.rec[heads + fi];
    if (head < 0 && fi === m.legacyTarget) head = c.rec[heads + nf];
    if (head < 0 || (f.oneof >= 0 && c.rec[lastOneof + f.oneof] !== fi)) continue;
    const mark = out.pos;
    if (!first) out.byte(0x2c);
    out.raw(f.key);
    if (writeField(c, m, f, src, head, depth)) first = false;
    else out.pos = mark;
  }
  out.byte(0x7d);
  c.top = base;
}

/** Writes the value of `f` from its occurrences; false when there is nothing to write. */
function writeField(c: Ctx, m: OutMessage, f: OutField, src: Buffer, head: number, depth: number): boolean {
  const out = c.out;
  if (!f.spec.repeated) {
    let last = head;
    while (c.rec[last + 3] >= 0) last = c.rec[last + 3];
    if (f.kind !== MESSAGE) return writeScalar(c, f, src, c.rec[last], c.rec[last + 1], !f.spec.explicitPresence);
    if (last === head) {
      writeMessage(c, f.message as OutMessage, src, c.rec[head], c.rec[head + 1], depth + 1);
      return true;
    }
    // A singular message given more than once is the merge of all of them, which is what
    // parsing their concatenation yields.
    const parts: Buffer[] = [];
    for (let i = head; i >= 0; i = c.rec[i + 3]) parts.push(src.subarray(c.rec[i], c.rec[i + 1]));
    const merged = Buffer.concat(parts);
    writeMessage(c, f.message as OutMessage, merged, 0, merged.length, depth + 1);
    return true;
  }
  out.byte(0x5b);
  let count = 0;
  for (let i = head; i >= 0; i = c.rec[i + 3]) {
    const start = c.rec[i];
    const end = c.rec[i + 1];
    if (f.kind === MESSAGE) {
      if (count++ > 0) out.byte(0x2c);
      writeMessage(c, f.message as OutMessage, src, start, end, depth + 1);
    } else if (!f.packable || c.rec[i + 2] !== 2) {
      if (count++ > 0) out.byte(0x2c);
      writeScalar(c, f, src, start, end, false);
    } else {
      const size = f.wireType === 1 ? 8 : 4;
      for (let p = start; p < end; ) {
        const next = f.wireType === 0 ? readVarint(src, p, end) : p + size;
        if (next < 0 || next > end) bad(m, `field ${f.spec.no} (${f.spec.protoName}): truncated packed value`, p);
        if (count++ > 0) out.byte(0x2c);
        writeScalar(c, f, src, p, next, false);
        p = next;
      }
    }
  }
  out.byte(0x5d);
  return count > 0;
}

/** Writes one scalar stored at `src[start, end)`; false (nothing written) if `skipDefault` and it is the default. */
function writeScalar(c: Ctx, f: OutField, src: Buffer, start: number, end: number, skipDefault: boolean): boolean {
  const out = c.out;
  switch (f.kind) {
    case STRING:
      if (skipDefault && start === end) return false;
      out.string(src, start, end);
      return true;
    case BYTES: {
      if (skipDefault && start === end) return false;
      out.byte(0x22);
      out.ascii(src.toString('base64', start, end));
      out.byte(0x22);
      return true;
    }
    case HEX:
      if (skipDefault && start === end) return false;
      out.ensure(2 * (end - start) + 2);
      out.buf[out.pos++] = 0x22;
      encodeHexInto(src, start, end, out.buf, out.pos);
      out.pos += 2 * (end - start);
      out.buf[out.pos++] = 0x22;
      return true;
    case DOUBLE: {
      const v = src.readDoubleLE(start);
      if (skipDefault && Object.is(v, 0)) return false;
      out.ascii(Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : String(v)) : `"${v}"`);
      return true;
    }
    case FIXED32: {
      const v = src.readUInt32LE(start);
      if (skipDefault && v === 0) return false;
      out.ascii(String(v));
      return true;
    }
    case FIXED64:
    case SFIXED64: {
      const lo = src.readUInt32LE(start);
      const hi = src.readUInt32LE(start + 4);
      if (skipDefault && lo === 0 && hi === 0) return false;
      out.ascii(`"${f.kind === FIXED64 ? uint64ToDecimal(lo, hi) : int64ToDecimal(lo, hi)}"`);
      return true;
    }
  }
  readVarint(src, start, end);
  if (skipDefault && vLo === 0 && vHi === 0) return false;
  switch (f.kind) {
    case BOOL:
      out.ascii(vLo !== 0 || vHi !== 0 ? 'true' : 'false');
      break;
    case UINT32:
      out.ascii(String(vLo));
      break;
    case SINT32:
      out.ascii(String((vLo >>> 1) ^ -(vLo & 1)));
      break;
    case INT64:
      out.ascii(`"${int64ToDecimal(vLo, vHi)}"`);
      break;
    case UINT64:
      out.ascii(`"${uint64ToDecimal(vLo, vHi)}"`);
      break;
    default: // INT32, ENUM: the low 32 bits, signed
      out.ascii(String(vLo | 0));
  }
  return true;
}

function convert(messageName: string, bytes: Uint8Array): Buffer {
  const m = compile(messageName);
  const src = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c: Ctx = { out: new JsonWriter(3 * src.length + 64), rec: new Int32Array(1024), top: 0 };
  writeMessage(c, m, src, 0, src.length, 0);
  return c.out.finish();
}

/**
 * Converts protobuf of the schema message `messageName` to OTLP/JSON. Invalid UTF-8 in string
 * fields becomes U+FFFD. Malformed protobuf → `decodeError`.
 */
export function protoToJson(messageName: string, bytes: Uint8Array): string {
  return convert(messageName, bytes).toString('utf8');
}

/** As `protoToJson`, as UTF-8 bytes (what an HTTP client sends). */
export function protoToJsonBytes(messageName: string, bytes: Uint8Array): Buffer {
  const json = convert(messageName, bytes);
  // Invalid UTF-8 copied from a string field would make the JSON invalid: decoding and
  // re-encoding turns it into U+FFFD.
  return isUtf8(json) ? Buffer.from(json) : Buffer.from(json.toString('utf8'), 'utf8');
}

export function requestProtoToJson(signal: Signal, bytes: Uint8Array): string {
  return protoToJson(requestMessage[signal], bytes);
}

export function requestProtoToJsonBytes(signal: Signal, bytes: Uint8Array): Buffer {
  return protoToJsonBytes(requestMessage[signal], bytes);
}
