/**
 * Deep structural validation of a whole export request, driven by the schema table: every
 * message field is walked recursively; varints, lengths and the wire types of known fields are
 * checked (repeated numeric fields packed or not); unknown fields are skipped by wire type;
 * `string` fields must be valid UTF-8, as proto3 requires and strict decoders (protobuf-go,
 * protobufjs 8) enforce. It is what lets the service refuse a malformed payload instead of
 * forwarding it. It counts resources and items (spans, log records, metric data points) on the
 * way. Nothing is allocated per field, except a view for each non-ASCII string.
 */
import { isUtf8 } from 'node:buffer';
import { decodeError } from '../errors.js';
import type { FieldSpec, MessageSpec } from './otlp-schema.js';
import { messages, requestMessage } from './otlp-schema.js';
import type { Signal } from './signal.js';
import type { WireCursor } from './wire-reader.js';
import { maxDepth, readLength, readTag, skipField, skipVarint, wireTypeNames } from './wire-reader.js';

export interface RequestCounts {
  /** Resource{Spans,Logs,Metrics} entries. */
  readonly resources: number;
  /** Spans, log records or metric data points. */
  readonly items: number;
}

const UNKNOWN = 0;
const VARINT = 1;
const I64 = 2;
const I32 = 3;
const BYTES = 4;
const MESSAGE = 5;
const PACKED_VARINT = 6;
const PACKED_I64 = 7;
const PACKED_I32 = 8;
const STRING = 9;

/** Node.counts: 0 for fields not counted. */
const COUNT_RESOURCE = 1;
const COUNT_ITEM = 2;

/** A message of the schema, compiled to arrays indexed by field number. */
interface Node {
  readonly name: string;
  readonly kinds: Uint8Array;
  readonly counts: Uint8Array;
  readonly children: Node[];
  readonly fieldNames: string[];
}

/** Fields whose entries are counted: the resources, and the items of each signal. */
const itemFields = new Set([
  'ScopeSpans.spans',
  'ScopeLogs.log_records',
  'Gauge.data_points',
  'Sum.data_points',
  'Histogram.data_points',
  'ExponentialHistogram.data_points',
  'Summary.data_points',
]);
const resourceFields = new Set(Object.values(requestMessage).map((name) => `${name}.${messages[name].fields[0].protoName}`));

const baseKinds: Readonly<Record<string, number>> = {
  message: MESSAGE,
  string: STRING,
  bytes: BYTES,
  fixed64: I64,
  sfixed64: I64,
  double: I64,
  fixed32: I32,
};

/** Repeated numeric fields may be packed: their kind is the scalar kind + PACKED_OFFSET. */
const PACKED_OFFSET = PACKED_VARINT - VARINT;

function kindTable<T>(entries: Readonly<Record<number, T>>, otherwise: T): readonly T[] {
  return Array.from({ length: STRING + 1 }, (_, kind) => entries[kind] ?? otherwise);
}

/** The wire type each kind takes when not packed. */
const scalarWireType = kindTable(
  { [VARINT]: 0, [I64]: 1, [I32]: 5, [BYTES]: 2, [MESSAGE]: 2, [PACKED_VARINT]: 0, [PACKED_I64]: 1, [PACKED_I32]: 5, [STRING]: 2 },
  -1,
);
/** Element width of packed fixed-width kinds. */
const packedWidth = kindTable({ [PACKED_I64]: 8, [PACKED_I32]: 4 }, 0);
const expectedWireType = kindTable(
  { [VARINT]: 'VARINT', [I64]: 'I64', [I32]: 'I32', [PACKED_VARINT]: 'VARINT or LEN', [PACKED_I64]: 'I64 or LEN', [PACKED_I32]: 'I32 or LEN' },
  'LEN',
);

function kindOf(field: FieldSpec): number {
  const kind = baseKinds[field.kind] ?? VARINT;
  return field.repeated && kind <= I32 ? kind + PACKED_OFFSET : kind;
}

function compileSchema(): Map<string, Node> {
  const nodes = new Map<string, Node>();
  for (const spec of Object.values(messages)) {
    const size = Math.max(...spec.fields.map((f) => f.no)) + 1;
    nodes.set(spec.name, {
      name: spec.name,
      kinds: new Uint8Array(size),
      counts: new Uint8Array(size),
      children: new Array<Node>(size),
      fieldNames: new Array<string>(size),
    });
  }
  for (const spec of Object.values(messages) as MessageSpec[]) {
    const node = nodes.get(spec.name) as Node;
    for (const field of spec.fields) {
      node.kinds[field.no] = kindOf(field);
      node.fieldNames[field.no] = `${spec.name}.${field.protoName}`;
      if (field.message !== undefined) node.children[field.no] = nodes.get(field.message) as Node;
      if (resourceFields.has(node.fieldNames[field.no])) node.counts[field.no] = COUNT_RESOURCE;
      if (itemFields.has(node.fieldNames[field.no])) node.counts[field.no] = COUNT_ITEM;
    }
  }
  return nodes;
}

const nodes = compileSchema();
const roots: Readonly<Record<Signal, Node>> = {
  traces: nodes.get(requestMessage.traces) as Node,
  logs: nodes.get(requestMessage.logs) as Node,
  metrics: nodes.get(requestMessage.metrics) as Node,
};

let resources = 0;
let items = 0;
/** The request being inspected, for reading four bytes at once. */
let view: DataView | undefined;

/**
 * Validates a whole `Export<Signal>ServiceRequest` and counts what it carries. Throws only the
 * typed decode error (ErrorCode.DECODE), naming the field and byte offset at fault.
 */
export function inspectRequest(signal: Signal, bytes: Uint8Array): RequestCounts {
  resources = 0;
  items = 0;
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    walk(roots[signal], { buf: bytes, pos: 0 }, bytes.length, 0);
  } finally {
    view = undefined;
  }
  return { resources, items };
}

/**
 * Walks one message. The common cases (one-byte tags and lengths) are read inline; anything
 * else goes through wire-reader, which also produces the error messages.
 */
function walk(node: Node, c: WireCursor, end: number, depth: number): void {
  const buf = c.buf;
  const kinds = node.kinds;
  let pos = c.pos;
  while (pos < end) {
    const at = pos;
    let tag = buf[pos];
    if (tag < 0x80 && tag >= 8 && (tag & 7) < 6) {
      pos++;
    } else {
      c.pos = pos;
      tag = readTag(c, end, node.name);
      pos = c.pos;
    }
    const no = tag >>> 3;
    const wireType = tag & 7;
    const kind = no < kinds.length ? kinds[no] : UNKNOWN;
    if (kind === MESSAGE || kind === BYTES || kind === STRING) {
      if (wireType !== 2) wrongWireType(node, no, kind, wireType, at);
      let length = pos < end ? buf[pos] : 0x80;
      if (length < 0x80 && length < end - pos) {
        pos++;
      } else {
        c.pos = pos;
        length = readLength(c, end, node.name);
        pos = c.pos;
      }
      if (kind === MESSAGE) {
        if (depth === maxDepth) throw decodeError(`messages nested deeper than ${maxDepth} at byte ${at} in ${node.name}`);
        const count = node.counts[no];
        if (count === COUNT_ITEM) items++;
        else if (count === COUNT_RESOURCE) resources++;
        c.pos = pos;
        walk(node.children[no], c, pos + length, depth + 1);
      } else if (kind === STRING) {
        checkUtf8(node, no, buf, pos, pos + length, at);
      }
      pos += length;
      continue;
    }
    c.pos = pos;
    if (kind === UNKNOWN) {
      skipField(c, tag, end, node.name, depth);
    } else if (wireType === scalarWireType[kind]) {
      skipField(c, tag, end, node.name);
    } else if (kind >= PACKED_VARINT && wireType === 2) {
      packed(node, no, kind, c, end);
    } else {
      wrongWireType(node, no, kind, wireType, at);
    }
    pos = c.pos;
  }
  c.pos = pos;
}

/**
 * ASCII, the common case, is checked in place eight bytes at a time through a DataView of the
 * request; from the first other byte on, node:buffer's native isUtf8 decides (through a view:
 * the one allocation, for non-ASCII strings only; per call it costs far more than the scan).
 */
function checkUtf8(node: Node, no: number, buf: Uint8Array, start: number, end: number, at: number): void {
  const words = view as DataView;
  let i = start;
  while (i + 8 <= end && ((words.getUint32(i) | words.getUint32(i + 4)) & 0x80808080) === 0) i += 8;
  while (i < end && buf[i] < 0x80) i++;
  if (i === end) return;
  if (!isUtf8(new Uint8Array(buf.buffer, buf.byteOffset + i, end - i))) {
    throw decodeError(`${node.fieldNames[no]} (field ${no}) at byte ${at} is not valid UTF-8`);
  }
}

function wrongWireType(node: Node, no: number, kind: number, wireType: number, at: number): never {
  throw decodeError(
    `${node.fieldNames[no]} (field ${no}) has wire type ${wireTypeNames[wireType]} at byte ${at}, expected ${expectedWireType[kind]}`,
  );
}

function packed(node: Node, no: number, kind: number, c: WireCursor, end: number): void {
  const at = c.pos;
  const length = readLength(c, end, node.name);
  const payloadEnd = c.pos + length;
  if (kind === PACKED_VARINT) {
    while (c.pos < payloadEnd) skipVarint(c, payloadEnd, node.fieldNames[no]);
    return;
  }
  const width = packedWidth[kind];
  if (length % width !== 0) {
    throw decodeError(
      `packed ${node.fieldNames[no]} at byte ${at} is ${length} bytes long, not a multiple of ${width}`,
    );
  }
  c.pos = payloadEnd;
}
