/**
 * The wire-level resource editor: applies compiled tags to the resource attributes of an
 * Export{Trace,Logs,Metrics}ServiceRequest without decoding anything below the Resource.
 *
 * The three requests share one envelope: field 1 holds repeated Resource{Spans,Logs,Metrics}
 * entries, each with `resource` = 1, `scope_*` = 2, `schema_url` = 3 and the legacy field 1000.
 * Only the envelope, the entries, their Resource and its KeyValue keys (and values, to compare)
 * are parsed; everything else — scope_* entries, schema_url, dropped_attributes_count,
 * entity_refs, field 1000, unknown fields — is copied byte for byte, and every enclosing length
 * is recomputed.
 *
 * Two passes: the first parses and records a plan of output operations (copy a range of the
 * input, write a byte, a varint or a compiled attribute) and the exact output size; the second
 * allocates once and executes the plan. The plan lives in module-level scratch arrays reused
 * across calls: applyTags is synchronous, so calls never interleave.
 *
 * A Resource entry may carry `resource` more than once; protobuf merges the occurrences (for a
 * message, merging equals concatenating the encodings). The editor writes one merged Resource
 * at the first occurrence's place. An entry without `resource` gets one holding the tags.
 *
 * Within a KeyValue, the last `key` wins, as protobuf says for a repeated singular field. A
 * KeyValue whose `value` occurs more than once is never taken as equal to a tag's value (its
 * merged value is not worth computing here): at worst a tag is re-applied needlessly.
 */
import { ErrorCode, TaggerError, decodeError } from '../errors.js';
import type { WireCursor } from '../otlp/wire-reader.js';
import { readLength, readTag, skipField, wireTypeNames } from '../otlp/wire-reader.js';
import { copyRange, varintSize, writeBytes, writeVarint } from '../otlp/wire-writer.js';
import type { TagStats } from './tag-types.js';
import type { CompiledTag, CompiledTags } from './compile-tags.js';

export interface ApplyTagsOptions {
  /**
   * Bytes to leave at the start of the result, uninitialised, for a header the caller writes
   * there (the 5-byte gRPC message prefix). The request itself starts at `result[headroom]`.
   */
  readonly headroom?: number;
}

const REQUEST = 'Export*ServiceRequest';
const ENTRY = 'Resource{Spans,Logs,Metrics}';
const RESOURCE = 'Resource';
const KEY_VALUE = 'KeyValue';

/** Field 1 with wire type LEN: the entries, the entry's resource, the attributes, the key. */
const TAG_1_LEN = 0x0a;
const TAG_2_LEN = 0x12;

/** Offsets must fit in an Int32Array, with room for the tags. */
const maxRequestLength = 0x7fffffff - 0x10000000;

const OP_COPY = 0;
const OP_BYTE = 1;
const OP_VARINT = 2;
const OP_ATTRIBUTE = 3;
const OP_PREFIXED = 4;

/**
 * Plan: [op, a, b] triples. Offsets are kept in Int32Arrays: they stay small integers (Smis)
 * everywhere they flow, cursor positions included. Loading them from a Float64Array made V8
 * generalise the cursor's `pos` field to a double, which slowed inspectRequest (same cursor
 * shape) by half once the editor had run.
 */
let ops: Int32Array = new Int32Array(3 * 256);
let opLength = 0;

/** Resource fields of the current entry: [field start, payload start, payload end]. */
let pieces: Int32Array = new Int32Array(3 * 4);
let pieceLength = 0;

/** KeyValues of the current resource. */
const KV_FIELD_START = 0;
const KV_FIELD_END = 1;
const KV_KEY_START = 2;
const KV_KEY_END = 3;
const KV_VALUE_START = 4;
const KV_VALUE_END = 5;
const KV_VALUE_COUNT = 6;
const KV_REMOVED = 7;
const KV_STRIDE = 8;
let kvs: Int32Array = new Int32Array(KV_STRIDE * 64);
let kvLength = 0;

/** Attributes the tags add to the current resource: tag index × 2 + (1 when prefixed), or -1 once removed. */
let added = new Int32Array(16);
let addedCount = 0;

let applied = 0;
let overridden = 0;
let skipped = 0;
let prefixed = 0;
let unchanged = 0;
let changed = false;

function grow(array: Int32Array, needed: number): Int32Array {
  const bigger = new Int32Array(Math.max(array.length * 2, needed));
  bigger.set(array);
  return bigger;
}

function pushOp(op: number, a: number, b: number): number {
  if (opLength + 3 > ops.length) ops = grow(ops, opLength + 3);
  const at = opLength;
  ops[at] = op;
  ops[at + 1] = a;
  ops[at + 2] = b;
  opLength = at + 3;
  return at;
}

/** Copies extend the previous copy when they continue it, so adjacent ranges become one. */
function pushCopy(start: number, end: number): void {
  if (start === end) return;
  const last = opLength - 3;
  if (last >= 0 && ops[last] === OP_COPY && ops[last + 2] === start) {
    ops[last + 2] = end;
    return;
  }
  pushOp(OP_COPY, start, end);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function wrongWireType(what: string, tag: number, at: number, where: string): never {
  throw decodeError(`${what} has wire type ${wireTypeNames[tag & 7]} at byte ${at} in ${where}, expected LEN`);
}

/**
 * Returns the request with the tags applied to every resource, as a new Buffer sized exactly.
 * Without tags, or when no resource changes, the input itself is returned (wrapped, not
 * copied) unless headroom is asked for. `stats`, when given, is incremented per resource and
 * tag, and only when the whole request could be edited. Throws the typed decode error when the
 * parts it parses are malformed; validating the rest is inspectRequest's job.
 */
export function applyTags(
  request: Uint8Array,
  compiled: CompiledTags,
  stats?: TagStats,
  options?: ApplyTagsOptions,
): Buffer {
  const headroom = options?.headroom ?? 0;
  const tags = compiled.tags;
  if (tags.length === 0) return headroom === 0 ? asBuffer(request) : withHeadroom(request, headroom);

  if (request.length > maxRequestLength) {
    throw new TaggerError(ErrorCode.TOO_LARGE, `a ${request.length}-byte request is beyond what the editor handles (${maxRequestLength})`);
  }
  opLength = 0;
  applied = overridden = skipped = prefixed = unchanged = 0;
  changed = false;
  if (added.length < tags.length) added = new Int32Array(tags.length);

  const size = planRequest({ buf: request, pos: 0 }, tags);
  if (stats !== undefined) {
    stats.applied += applied;
    stats.overridden += overridden;
    stats.skipped += skipped;
    stats.prefixed += prefixed;
    stats.unchanged += unchanged;
  }
  if (!changed) return headroom === 0 ? asBuffer(request) : withHeadroom(request, headroom);

  const out = Buffer.allocUnsafe(headroom + size);
  let pos = headroom;
  for (let i = 0; i < opLength; i += 3) {
    const a = ops[i + 1];
    switch (ops[i]) {
      case OP_COPY:
        pos = copyRange(out, pos, request, a, ops[i + 2]);
        break;
      case OP_BYTE:
        out[pos++] = a;
        break;
      case OP_VARINT:
        pos = writeVarint(out, pos, a);
        break;
      case OP_ATTRIBUTE:
        pos = writeBytes(out, pos, tags[a].attribute);
        break;
      default:
        pos = writeBytes(out, pos, tags[a].prefixedAttribute as Uint8Array);
    }
  }
  if (ops.length > 3 * 65536) ops = new Int32Array(3 * 256);
  if (kvs.length > KV_STRIDE * 4096) kvs = new Int32Array(KV_STRIDE * 64);
  return out;
}

function withHeadroom(request: Uint8Array, headroom: number): Buffer {
  const out = Buffer.allocUnsafe(headroom + request.length);
  out.set(request, headroom);
  return out;
}

/** Plans the whole request; returns the output size (without headroom). */
function planRequest(c: WireCursor, tags: readonly CompiledTag[]): number {
  const end = c.buf.length;
  let size = 0;
  while (c.pos < end) {
    const fieldStart = c.pos;
    const tag = readTag(c, end, REQUEST);
    if (tag === TAG_1_LEN) {
      const entryEnd = readLength(c, end, REQUEST) + c.pos;
      pushOp(OP_BYTE, TAG_1_LEN, 0);
      const lengthOp = pushOp(OP_VARINT, 0, 0);
      const entrySize = planEntry(c, entryEnd, tags);
      ops[lengthOp + 1] = entrySize;
      size += 1 + varintSize(entrySize) + entrySize;
    } else if (tag >>> 3 === 1) {
      wrongWireType('field 1 (resource entries)', tag, fieldStart, REQUEST);
    } else {
      skipField(c, tag, end, REQUEST);
      pushCopy(fieldStart, c.pos);
      size += c.pos - fieldStart;
    }
  }
  return size;
}

/** Plans one Resource{Spans,Logs,Metrics}; returns its new length. Leaves c.pos at `end`. */
function planEntry(c: WireCursor, end: number, tags: readonly CompiledTag[]): number {
  const start = c.pos;
  pieceLength = 0;
  while (c.pos < end) {
    const fieldStart = c.pos;
    const tag = readTag(c, end, ENTRY);
    if (tag === TAG_1_LEN) {
      const length = readLength(c, end, ENTRY);
      if (pieceLength + 3 > pieces.length) pieces = grow(pieces, pieceLength + 3);
      pieces[pieceLength] = fieldStart;
      pieces[pieceLength + 1] = c.pos;
      pieces[pieceLength + 2] = c.pos + length;
      pieceLength += 3;
      c.pos += length;
    } else if (tag >>> 3 === 1) {
      wrongWireType('field 1 (resource)', tag, fieldStart, ENTRY);
    } else {
      skipField(c, tag, end, ENTRY);
    }
  }

  kvLength = 0;
  let resourceSize = 0;
  let piecesSize = 0;
  for (let i = 0; i < pieceLength; i += 3) {
    scanResource(c, pieces[i + 1], pieces[i + 2]);
    resourceSize += pieces[i + 2] - pieces[i + 1];
    piecesSize += pieces[i + 2] - pieces[i];
  }
  c.pos = end;
  resourceSize += applyPolicies(c.buf, tags);
  if (pieceLength > 3) changed = true;

  if (pieceLength === 0) {
    pushOp(OP_BYTE, TAG_1_LEN, 0);
    pushOp(OP_VARINT, resourceSize, 0);
    planAdded();
    pushCopy(start, end);
  } else {
    pushCopy(start, pieces[0]);
    pushOp(OP_BYTE, TAG_1_LEN, 0);
    pushOp(OP_VARINT, resourceSize, 0);
    planResourceBody();
    let from = pieces[2];
    for (let i = 3; i < pieceLength; i += 3) {
      pushCopy(from, pieces[i]);
      from = pieces[i + 2];
    }
    pushCopy(from, end);
  }
  return end - start - piecesSize + 1 + varintSize(resourceSize) + resourceSize;
}

/** Records the KeyValues of one `resource` occurrence. */
function scanResource(c: WireCursor, start: number, end: number): void {
  c.pos = start;
  while (c.pos < end) {
    const fieldStart = c.pos;
    const tag = readTag(c, end, RESOURCE);
    if (tag === TAG_1_LEN) {
      const kvEnd = readLength(c, end, RESOURCE) + c.pos;
      if (kvLength + KV_STRIDE > kvs.length) kvs = grow(kvs, kvLength + KV_STRIDE);
      const at = kvLength;
      kvs[at + KV_FIELD_START] = fieldStart;
      kvs[at + KV_FIELD_END] = kvEnd;
      kvs[at + KV_KEY_START] = 0;
      kvs[at + KV_KEY_END] = 0;
      kvs[at + KV_VALUE_COUNT] = 0;
      kvs[at + KV_REMOVED] = 0;
      kvLength = at + KV_STRIDE;
      scanKeyValue(c, kvEnd, at);
    } else if (tag >>> 3 === 1) {
      wrongWireType('attributes', tag, fieldStart, RESOURCE);
    } else {
      skipField(c, tag, end, RESOURCE);
    }
  }
}

function scanKeyValue(c: WireCursor, end: number, at: number): void {
  while (c.pos < end) {
    const fieldStart = c.pos;
    const tag = readTag(c, end, KEY_VALUE);
    if (tag === TAG_1_LEN || tag === TAG_2_LEN) {
      const length = readLength(c, end, KEY_VALUE);
      const slot = tag === TAG_1_LEN ? at + KV_KEY_START : at + KV_VALUE_START;
      kvs[slot] = c.pos;
      kvs[slot + 1] = c.pos + length;
      if (tag === TAG_2_LEN) kvs[at + KV_VALUE_COUNT]++;
      c.pos += length;
    } else if (tag >>> 3 === 1 || tag >>> 3 === 2) {
      wrongWireType(tag >>> 3 === 1 ? 'key' : 'value', tag, fieldStart, KEY_VALUE);
    } else {
      skipField(c, tag, end, KEY_VALUE);
    }
  }
}

function rangeEquals(buf: Uint8Array, start: number, end: number, bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return rangeEquals(a, 0, a.length, b);
}

function addedKey(tags: readonly CompiledTag[], code: number): Uint8Array {
  const tag = tags[code >> 1];
  return (code & 1) === 0 ? tag.keyBytes : (tag.prefixedKeyBytes as Uint8Array);
}

function addedSize(tags: readonly CompiledTag[], code: number): number {
  const tag = tags[code >> 1];
  return (code & 1) === 0 ? tag.attribute.length : (tag.prefixedAttribute as Uint8Array).length;
}

/**
 * Marks every live attribute under `key` as removed; returns the bytes that frees. Both the
 * resource's own attributes and those added by earlier tags count.
 */
function removeKey(buf: Uint8Array, tags: readonly CompiledTag[], key: Uint8Array): number {
  let freed = 0;
  for (let k = 0; k < kvLength; k += KV_STRIDE) {
    if (kvs[k + KV_REMOVED] === 0 && rangeEquals(buf, kvs[k + KV_KEY_START], kvs[k + KV_KEY_END], key)) {
      kvs[k + KV_REMOVED] = 1;
      freed += kvs[k + KV_FIELD_END] - kvs[k + KV_FIELD_START];
    }
  }
  for (let j = 0; j < addedCount; j++) {
    const code = added[j];
    if (code >= 0 && bytesEqual(addedKey(tags, code), key)) {
      added[j] = -1;
      freed += addedSize(tags, code);
    }
  }
  if (freed > 0) changed = true;
  return freed;
}

function add(tags: readonly CompiledTag[], code: number): number {
  added[addedCount++] = code;
  changed = true;
  return addedSize(tags, code);
}

/**
 * Applies the tags one after the other to the recorded attributes, counting the outcome per
 * tag; returns how much the resource grows (or shrinks).
 */
function applyPolicies(buf: Uint8Array, tags: readonly CompiledTag[]): number {
  addedCount = 0;
  let delta = 0;
  for (let t = 0; t < tags.length; t++) {
    const tag = tags[t];
    const key = tag.keyBytes;
    const value = tag.valueBytes;
    let found = 0;
    let allEqual = true;
    for (let k = 0; k < kvLength; k += KV_STRIDE) {
      if (kvs[k + KV_REMOVED] === 0 && rangeEquals(buf, kvs[k + KV_KEY_START], kvs[k + KV_KEY_END], key)) {
        found++;
        if (kvs[k + KV_VALUE_COUNT] !== 1 || !rangeEquals(buf, kvs[k + KV_VALUE_START], kvs[k + KV_VALUE_END], value)) {
          allEqual = false;
        }
      }
    }
    for (let j = 0; j < addedCount; j++) {
      const code = added[j];
      if (code >= 0 && bytesEqual(addedKey(tags, code), key)) {
        found++;
        if (!bytesEqual(tags[code >> 1].valueBytes, value)) allEqual = false;
      }
    }
    if (found === 0) {
      delta += add(tags, t * 2);
      applied++;
    } else if (allEqual) {
      unchanged++;
    } else if (tag.policy === 'override') {
      delta -= removeKey(buf, tags, key);
      delta += add(tags, t * 2);
      overridden++;
    } else if (tag.policy === 'skip') {
      skipped++;
    } else {
      delta -= removeKey(buf, tags, tag.prefixedKeyBytes as Uint8Array);
      delta += add(tags, t * 2 + 1);
      prefixed++;
    }
  }
  return delta;
}

/** The merged Resource: every occurrence's fields minus removed attributes, then the tags. */
function planResourceBody(): void {
  let k = 0;
  for (let i = 0; i < pieceLength; i += 3) {
    let from = pieces[i + 1];
    const pieceEnd = pieces[i + 2];
    for (; k < kvLength && kvs[k + KV_FIELD_START] < pieceEnd; k += KV_STRIDE) {
      if (kvs[k + KV_REMOVED] !== 0) {
        pushCopy(from, kvs[k + KV_FIELD_START]);
        from = kvs[k + KV_FIELD_END];
      }
    }
    pushCopy(from, pieceEnd);
  }
  planAdded();
}

function planAdded(): void {
  for (let j = 0; j < addedCount; j++) {
    const code = added[j];
    if (code >= 0) pushOp((code & 1) === 0 ? OP_ATTRIBUTE : OP_PREFIXED, code >> 1, 0);
  }
}
