/**
 * Seeded random OTLP export requests for the differential and fuzz tests. Messages are built as
 * plain objects and encoded with protobufjs; the envelope and entries are assembled by hand so
 * that they can hold what protobufjs never writes: several `resource` occurrences, legacy field
 * 1000, unknown fields (groups included) and fields out of the usual order.
 */
import type protobuf from 'protobufjs';
import type { Signal } from '../../src/otlp/signal.js';
import type { Tag } from '../../src/processor/tag-types.js';
import { lookupType } from './reference-codec.js';
import { plainTagValue } from './reference-tagger.js';

export interface Random {
  /** [0, 1) */
  float(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Uint8Array;
}

/** mulberry32: small, fast, and good enough to drive tests reproducibly. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const float = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(float() * n);
  return {
    float,
    int,
    chance: (p) => float() < p,
    pick: (items) => items[int(items.length)],
    bytes: (n) => Uint8Array.from({ length: n }, () => int(256)),
  };
}

type Plain = Record<string, unknown>;

const types = {
  resource: lookupType('opentelemetry.proto.resource.v1.Resource'),
  keyValue: lookupType('opentelemetry.proto.common.v1.KeyValue'),
  traces: lookupType('opentelemetry.proto.trace.v1.ScopeSpans'),
  logs: lookupType('opentelemetry.proto.logs.v1.ScopeLogs'),
  metrics: lookupType('opentelemetry.proto.metrics.v1.ScopeMetrics'),
};

function encode(type: protobuf.Type, object: Plain): Buffer {
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

export function varint(value: number): Buffer {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Buffer.from(out);
}

export function lenField(fieldNumber: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(fieldNumber * 8 + 2), varint(payload.length), payload]);
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const uint64 = (r: Random): string => (BigInt(r.int(2 ** 32)) * 2n ** 32n + BigInt(r.int(2 ** 32))).toString();

const words = ['service.name', 'host.name', 'k8s.pod.name', 'env', 'région', 'ключ', '键', 'a', '', 'x.y.z'];

export function randomString(r: Random, max = 12): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-._/ éü€𝄞';
  let s = '';
  const length = r.int(max + 1);
  for (let i = 0; i < length; i++) s += [...alphabet][r.int([...alphabet].length)];
  return s;
}

function randomInt64(r: Random): string {
  switch (r.int(5)) {
    case 0:
      return String(r.int(300) - 150);
    case 1:
      return '-9223372036854775808';
    case 2:
      return '9223372036854775807';
    case 3:
      return BigInt.asIntN(64, BigInt(uint64(r))).toString();
    default:
      return String(r.int(2 ** 31));
  }
}

function randomDouble(r: Random): number {
  switch (r.int(4)) {
    case 0:
      return r.int(1000) - 500;
    case 1:
      return (r.float() - 0.5) * 1e300;
    case 2:
      return r.float();
    default:
      return -r.float() * 1e-300;
  }
}

export function randomAnyValue(r: Random, depth = 0): Plain {
  switch (r.int(depth < 2 ? 7 : 5)) {
    case 0:
      return { stringValue: randomString(r) };
    case 1:
      return { boolValue: r.chance(0.5) };
    case 2:
      return { intValue: randomInt64(r) };
    case 3:
      return { doubleValue: randomDouble(r) };
    case 4:
      return { bytesValue: base64(r.bytes(r.int(10))) };
    case 5:
      return { arrayValue: { values: Array.from({ length: r.int(4) }, () => randomAnyValue(r, depth + 1)) } };
    default:
      return { kvlistValue: { values: randomAttributes(r, 3, depth + 1) } };
  }
}

export function randomAttributes(r: Random, max: number, depth = 0): Plain[] {
  return Array.from({ length: r.int(max + 1) }, () => ({ key: r.pick(words), value: randomAnyValue(r, depth) }));
}

function randomScope(r: Random): Plain | undefined {
  if (r.chance(0.2)) return undefined;
  return { name: randomString(r), version: r.chance(0.5) ? '1.2.3' : '', attributes: randomAttributes(r, 2) };
}

function randomSpan(r: Random): Plain {
  return {
    traceId: base64(r.bytes(16)),
    spanId: base64(r.bytes(8)),
    traceState: r.chance(0.2) ? 'vendor=value' : '',
    parentSpanId: r.chance(0.5) ? base64(r.bytes(8)) : '',
    flags: r.int(2 ** 32),
    name: randomString(r, 20),
    kind: r.int(6),
    startTimeUnixNano: uint64(r),
    endTimeUnixNano: uint64(r),
    attributes: randomAttributes(r, 5),
    droppedAttributesCount: r.int(3),
    events: Array.from({ length: r.int(3) }, () => ({
      timeUnixNano: uint64(r),
      name: randomString(r),
      attributes: randomAttributes(r, 2),
      droppedAttributesCount: r.int(2),
    })),
    droppedEventsCount: r.int(2),
    links: Array.from({ length: r.int(2) }, () => ({
      traceId: base64(r.bytes(16)),
      spanId: base64(r.bytes(8)),
      traceState: '',
      attributes: randomAttributes(r, 2),
      droppedAttributesCount: r.int(2),
      flags: r.int(2 ** 32),
    })),
    droppedLinksCount: r.int(2),
    status: r.chance(0.5) ? { message: randomString(r), code: r.int(3) } : undefined,
  };
}

function randomLogRecord(r: Random): Plain {
  return {
    timeUnixNano: uint64(r),
    observedTimeUnixNano: uint64(r),
    severityNumber: r.int(25),
    severityText: r.pick(['', 'INFO', 'ERROR']),
    body: r.chance(0.8) ? randomAnyValue(r) : undefined,
    attributes: randomAttributes(r, 4),
    droppedAttributesCount: r.int(2),
    flags: r.int(2 ** 32),
    traceId: r.chance(0.5) ? base64(r.bytes(16)) : '',
    spanId: r.chance(0.5) ? base64(r.bytes(8)) : '',
    eventName: r.chance(0.3) ? 'my.event' : '',
  };
}

function exemplars(r: Random): Plain[] {
  return Array.from({ length: r.int(2) }, () => ({
    filteredAttributes: randomAttributes(r, 2),
    timeUnixNano: uint64(r),
    ...(r.chance(0.5) ? { asDouble: randomDouble(r) } : { asInt: randomInt64(r) }),
    spanId: base64(r.bytes(8)),
    traceId: base64(r.bytes(16)),
  }));
}

function numberPoint(r: Random): Plain {
  return {
    attributes: randomAttributes(r, 3),
    startTimeUnixNano: uint64(r),
    timeUnixNano: uint64(r),
    ...(r.chance(0.5) ? { asDouble: randomDouble(r) } : { asInt: randomInt64(r) }),
    exemplars: exemplars(r),
    flags: r.int(2),
  };
}

/** A metric of a random kind with 0..3 data points; returns it with its point count. */
function randomMetric(r: Random): [Plain, number] {
  const points = r.int(4);
  const many = <T>(make: () => T): T[] => Array.from({ length: points }, make);
  const metric: Plain = { name: randomString(r), description: randomString(r), unit: r.pick(['', 'ms', '1']) };
  if (r.chance(0.2)) metric.metadata = randomAttributes(r, 2);
  switch (r.int(5)) {
    case 0:
      metric.gauge = { dataPoints: many(() => numberPoint(r)) };
      break;
    case 1:
      metric.sum = { dataPoints: many(() => numberPoint(r)), aggregationTemporality: r.int(3), isMonotonic: r.chance(0.5) };
      break;
    case 2:
      metric.histogram = {
        aggregationTemporality: r.int(3),
        dataPoints: many(() => {
          const bounds = Array.from({ length: r.int(5) }, () => randomDouble(r));
          return {
            attributes: randomAttributes(r, 3),
            startTimeUnixNano: uint64(r),
            timeUnixNano: uint64(r),
            count: uint64(r),
            ...(r.chance(0.5) ? { sum: randomDouble(r) } : {}),
            bucketCounts: [...bounds, 0].map(() => uint64(r)),
            explicitBounds: bounds,
            exemplars: exemplars(r),
            flags: r.int(2),
            ...(r.chance(0.5) ? { min: randomDouble(r), max: randomDouble(r) } : {}),
          };
        }),
      };
      break;
    case 3:
      metric.exponentialHistogram = {
        aggregationTemporality: r.int(3),
        dataPoints: many(() => ({
          attributes: randomAttributes(r, 3),
          startTimeUnixNano: uint64(r),
          timeUnixNano: uint64(r),
          count: uint64(r),
          ...(r.chance(0.5) ? { sum: randomDouble(r) } : {}),
          scale: r.int(40) - 20,
          zeroCount: uint64(r),
          positive: { offset: r.int(20) - 10, bucketCounts: Array.from({ length: r.int(4) }, () => uint64(r)) },
          negative: { offset: r.int(20) - 10, bucketCounts: Array.from({ length: r.int(4) }, () => uint64(r)) },
          flags: r.int(2),
          exemplars: exemplars(r),
          zeroThreshold: r.float(),
        })),
      };
      break;
    default:
      metric.summary = {
        dataPoints: many(() => ({
          attributes: randomAttributes(r, 3),
          startTimeUnixNano: uint64(r),
          timeUnixNano: uint64(r),
          count: uint64(r),
          sum: randomDouble(r),
          quantileValues: Array.from({ length: r.int(3) }, () => ({ quantile: r.float(), value: randomDouble(r) })),
          flags: r.int(2),
        })),
      };
  }
  return [metric, points];
}

/** A scope_* message of the signal with its item count. */
function randomScopeItems(r: Random, signal: Signal, maxItems: number): [Plain, number] {
  const scope = randomScope(r);
  const schemaUrl = r.chance(0.3) ? 'https://opentelemetry.io/schemas/1.26.0' : '';
  const n = r.int(maxItems + 1);
  if (signal === 'traces') return [{ scope, spans: Array.from({ length: n }, () => randomSpan(r)), schemaUrl }, n];
  if (signal === 'logs') return [{ scope, logRecords: Array.from({ length: n }, () => randomLogRecord(r)), schemaUrl }, n];
  const metrics: Plain[] = [];
  let points = 0;
  for (let i = 0; i < n; i++) {
    const [metric, count] = randomMetric(r);
    metrics.push(metric);
    points += count;
  }
  return [{ scope, metrics, schemaUrl }, points];
}

/** A field protobufjs does not know, of a random wire type (a group included). */
export function randomUnknownField(r: Random, fieldNumber: number): Buffer {
  switch (r.int(5)) {
    case 0:
      return Buffer.concat([varint(fieldNumber * 8), varint(r.int(2 ** 31))]);
    case 1:
      return Buffer.concat([varint(fieldNumber * 8 + 1), r.bytes(8)]);
    case 2:
      return lenField(fieldNumber, r.bytes(r.int(12)));
    case 3:
      return Buffer.concat([varint(fieldNumber * 8 + 5), r.bytes(4)]);
    default:
      return Buffer.concat([
        varint(fieldNumber * 8 + 3),
        varint(1 * 8),
        varint(r.int(1000)),
        lenField(2, r.bytes(3)),
        varint(fieldNumber * 8 + 4),
      ]);
  }
}

/**
 * A string attribute whose KeyValue encodes to exactly `size` bytes (size ≥ 6); the key has
 * 1..6 characters, so that every size is reachable across varint width changes.
 */
export function keyValueOfSize(size: number, key = 'pad'): Plain {
  for (let keyLength = 1; keyLength <= 6; keyLength++) {
    const k = key.padEnd(keyLength, '_').slice(0, keyLength);
    for (let n = Math.max(0, size - 12); n <= size; n++) {
      const anyValue = 1 + varint(n).length + n;
      if (2 + keyLength + 1 + varint(anyValue).length + anyValue === size) return { key: k, value: { stringValue: 'x'.repeat(n) } };
    }
  }
  throw new Error(`no KeyValue of ${size} bytes`);
}

/** The KeyValue that makes a whole attributes field (tag, length, KeyValue) `size` bytes long. */
function attributeFieldOfSize(size: number): Plain {
  for (let kv = size - 2; kv >= size - 6; kv--) {
    if (kv >= 6 && 1 + varint(kv).length + kv === size) return keyValueOfSize(kv);
  }
  throw new Error(`no attribute field of ${size} bytes`);
}

export interface RequestShape {
  /** Resource entries (default 0..3). */
  readonly resources?: number;
  /** At most this many scope_* messages per entry, and items per scope (defaults 2 and 3). */
  readonly maxScopes?: number;
  readonly maxItems?: number;
  /** At most this many random resource attributes besides tag collisions (default 5). */
  readonly maxAttributes?: number;
  /** Tags whose keys, prefixed keys and values resource attributes should collide with. */
  readonly tags?: readonly Tag[];
  readonly prefix?: string;
  /** Exact length of every Resource (all occurrences together) before tagging. */
  readonly resourceSize?: number;
  /** Exact length of every Resource entry before tagging. */
  readonly entrySize?: number;
  /** Add unknown fields, legacy field 1000, split resources and shuffled fields (default true). */
  readonly oddities?: boolean;
}

export interface GeneratedRequest {
  readonly signal: Signal;
  readonly bytes: Buffer;
  /** Every scope_* field (tag, length, payload) in order; each must survive byte for byte. */
  readonly scopeFields: readonly Buffer[];
  /** Fields protobufjs drops (unknown fields, field 1000); each must survive byte for byte. */
  readonly opaqueFields: readonly Buffer[];
  readonly resources: number;
  readonly items: number;
}

function resourceAttributes(r: Random, shape: RequestShape): Plain[] {
  const attributes = randomAttributes(r, shape.maxAttributes ?? 5);
  for (const tag of shape.tags ?? []) {
    const keys = [tag.key, (shape.prefix ?? 'agent.') + tag.key];
    for (const key of keys) {
      const roll = r.int(6);
      if (roll === 0) attributes.splice(r.int(attributes.length + 1), 0, { key, value: plainTagValue(tag.value) });
      if (roll === 1) attributes.splice(r.int(attributes.length + 1), 0, { key, value: randomAnyValue(r) });
      if (roll === 2) {
        attributes.push({ key, value: plainTagValue(tag.value) }, { key, value: plainTagValue(tag.value) });
      }
    }
  }
  return attributes;
}

/** Encodes a Resource, possibly as several occurrences that protobuf merges back into one. */
function resourceFields(r: Random, shape: RequestShape, oddities: boolean, opaque: Buffer[]): Buffer[] {
  const attributes = resourceAttributes(r, shape);
  const rest: Plain = {};
  if (r.chance(0.3)) rest.droppedAttributesCount = r.int(300);
  if (r.chance(0.2)) {
    rest.entityRefs = [{ schemaUrl: '', type: 'service', idKeys: ['service.name'], descriptionKeys: ['host.name'] }];
  }
  const pieces = oddities && attributes.length > 1 && r.chance(0.2) ? 2 + r.int(2) : 1;
  const cut = Array.from({ length: pieces - 1 }, () => r.int(attributes.length + 1)).sort((a, b) => a - b);
  const payloads: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < pieces; i++) {
    const to = i < pieces - 1 ? cut[i] : attributes.length;
    const payload: Buffer[] = [encode(types.resource, { attributes: attributes.slice(from, to), ...(i === pieces - 1 ? rest : {}) })];
    if (oddities && r.chance(0.15)) {
      const unknown = randomUnknownField(r, 4 + r.int(20));
      opaque.push(unknown);
      payload.push(unknown);
    }
    payloads.push(Buffer.concat(payload));
    from = to;
  }
  if (shape.resourceSize !== undefined) {
    const total = payloads.reduce((n, p) => n + p.length, 0);
    const fill = encode(types.resource, { attributes: [attributeFieldOfSize(shape.resourceSize - total)] });
    payloads[0] = Buffer.concat([payloads[0], fill]);
  }
  return payloads.map((p) => lenField(1, p));
}

function shuffle<T>(r: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A random request of the signal, with its expected counts and what must survive tagging. */
export function randomRequest(r: Random, signal: Signal, shape: RequestShape = {}): GeneratedRequest {
  const oddities = shape.oddities ?? true;
  const scopeFields: Buffer[] = [];
  const opaqueFields: Buffer[] = [];
  const entries: Buffer[] = [];
  const resourceCount = shape.resources ?? r.int(4);
  let items = 0;
  for (let e = 0; e < resourceCount; e++) {
    const sized = shape.resourceSize !== undefined || shape.entrySize !== undefined;
    const roll = r.int(10);
    const resource = roll === 0 && !sized ? [] : roll === 1 && !sized ? [lenField(1, Buffer.alloc(0))] : resourceFields(r, shape, oddities, opaqueFields);
    const scopes: Buffer[] = [];
    const scopeCount = r.int((shape.maxScopes ?? 2) + 1);
    for (let s = 0; s < scopeCount; s++) {
      const [scope, count] = randomScopeItems(r, signal, shape.maxItems ?? 3);
      const field = lenField(2, encode(types[signal], scope));
      scopes.push(field);
      items += count;
    }
    const others: Buffer[] = [];
    if (oddities && r.chance(0.1)) {
      const [legacy] = randomScopeItems(r, signal, 1);
      others.push(lenField(1000, encode(types[signal], legacy)));
    }
    if (oddities && r.chance(0.15)) others.push(randomUnknownField(r, 4 + r.int(30)));
    opaqueFields.push(...others);
    let fields = [...resource, ...scopes, ...others];
    if (oddities && r.chance(0.2)) fields = shuffle(r, fields);
    scopeFields.push(...fields.filter((f) => scopes.includes(f)));
    let body = Buffer.concat(fields);
    if (shape.entrySize !== undefined) {
      body = Buffer.concat([body, schemaUrlFieldOfSize(shape.entrySize - body.length)]);
    } else if (r.chance(0.3)) {
      body = Buffer.concat([body, lenField(3, Buffer.from('https://opentelemetry.io/schemas/1.26.0'))]);
    }
    entries.push(lenField(1, body));
  }
  if (oddities && r.chance(0.15)) {
    const unknown = randomUnknownField(r, 2 + r.int(30));
    opaqueFields.push(unknown);
    entries.splice(r.int(entries.length + 1), 0, unknown);
  }
  return { signal, bytes: Buffer.concat(entries), scopeFields, opaqueFields, resources: resourceCount, items };
}

function schemaUrlFieldOfSize(size: number): Buffer {
  for (let n = Math.max(0, size - 6); n <= size; n++) {
    if (1 + varint(n).length + n === size) return lenField(3, Buffer.from('s'.repeat(n)));
  }
  throw new Error(`no schema_url field of ${size} bytes`);
}
